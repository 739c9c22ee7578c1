//! `opentelemetry-otlp`'s span and log exporters, built from one resolved
//! [`SignalConfig`] each, so that every signal follows the same settings.

use std::collections::HashMap;

use opentelemetry_otlp::{
    LogExporter, SpanExporter, WithExportConfig, WithHttpConfig, WithTonicConfig,
};

use super::config::{Protocol, SignalConfig};

/// The exporter would not build: which setting, and why.
pub type BuildError = opentelemetry_otlp::ExporterBuildError;

fn http_protocol(p: Protocol) -> opentelemetry_otlp::Protocol {
    match p {
        Protocol::HttpJson => opentelemetry_otlp::Protocol::HttpJson,
        _ => opentelemetry_otlp::Protocol::HttpBinary,
    }
}

/// Headers as gRPC metadata (names or values gRPC cannot carry are left out).
pub(crate) fn metadata(headers: &[(String, String)]) -> tonic::metadata::MetadataMap {
    let mut map = tonic::metadata::MetadataMap::new();
    for (k, v) in headers {
        let key = tonic::metadata::MetadataKey::from_bytes(k.as_bytes());
        if let (Ok(key), Ok(value)) = (key, v.parse()) {
            map.insert(key, value);
        }
    }
    map
}

fn headers(headers: &[(String, String)]) -> HashMap<String, String> {
    headers.iter().cloned().collect()
}

/// The same builder chain for either exporter type (their builders share
/// no trait that would let a function do it).
macro_rules! build {
    ($exporter:ty, $c:expr) => {{
        let c: &SignalConfig = $c;
        match c.protocol {
            Protocol::Grpc => <$exporter>::builder()
                .with_tonic()
                .with_endpoint(&c.endpoint)
                .with_timeout(c.timeout)
                .with_metadata(metadata(&c.headers))
                .build(),
            p => <$exporter>::builder()
                .with_http()
                .with_endpoint(&c.endpoint)
                .with_protocol(http_protocol(p))
                .with_timeout(c.timeout)
                .with_headers(headers(&c.headers))
                .build(),
        }
    }};
}

/// The span exporter `c` describes. A gRPC exporter must be built inside a
/// Tokio runtime's context (`Runtime::enter`) and exports on that runtime.
pub fn span_exporter(c: &SignalConfig) -> Result<SpanExporter, BuildError> {
    build!(SpanExporter, c)
}

/// The log exporter `c` describes (the same rules as [`span_exporter`]).
pub fn log_exporter(c: &SignalConfig) -> Result<LogExporter, BuildError> {
    build!(LogExporter, c)
}

/// Where `c` sends, for reports: `http/protobuf to http://collector:4318/v1/traces`.
pub fn destination(c: &SignalConfig) -> String {
    format!("{} to {}", c.protocol.name(), c.endpoint)
}
