//! `wasi:otel` records to OTLP messages (`opentelemetry-proto`), written as
//! OTLP/JSON, one export request per line, and read back.
//!
//! Attribute values arrive as rc.2's JSON text and become typed `AnyValue`s;
//! ids arrive as hex and become bytes (which the JSON encoding writes as hex
//! again); times become Unix nanoseconds.

use std::io::Write;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};

use crate::bindings::sdk::wasi::clocks::wall_clock::Datetime;
use crate::bindings::sdk::wasi::otel::{logs, tracing, types};
use crate::collector::Collector;

pub mod http;
mod metrics;

pub use metrics::metrics;

/// The prefix rc.2 gives byte strings.
const BYTES_PREFIX: &str = "data:application/octet-stream;base64,";

/// One line of an OTLP/JSON file.
#[derive(Clone, Debug, PartialEq)]
pub enum Export {
    /// `ExportTraceServiceRequest`.
    Traces(ExportTraceServiceRequest),
    /// `ExportLogsServiceRequest`.
    Logs(ExportLogsServiceRequest),
    /// `ExportMetricsServiceRequest`.
    Metrics(ExportMetricsServiceRequest),
}

/// Turns what a guest reported into export requests. Spans carry no
/// resource in rc.2, so they get `resource` (the host's description of the
/// service); logs and metrics keep the resource the guest gave them.
pub fn export_requests(collected: &Collector, resource: &Resource) -> Vec<Export> {
    let mut out = Vec::new();
    if !collected.spans.is_empty() {
        out.push(Export::Traces(traces(&collected.spans, resource)));
    }
    if !collected.logs.is_empty() {
        out.push(Export::Logs(logs(&collected.logs, resource)));
    }
    for export in &collected.metrics {
        out.push(Export::Metrics(metrics(export)));
    }
    out
}

/// Writes each request as one line of OTLP/JSON.
pub fn write_lines(out: &mut impl Write, requests: &[Export]) -> std::io::Result<()> {
    for request in requests {
        let line = match request {
            Export::Traces(r) => serde_json::to_string(r),
            Export::Logs(r) => serde_json::to_string(r),
            Export::Metrics(r) => serde_json::to_string(r),
        }
        .map_err(std::io::Error::other)?;
        writeln!(out, "{}", line)?;
    }
    Ok(())
}

/// Every span of every traces request in `exports`.
pub fn spans(exports: &[Export]) -> Vec<&Span> {
    exports
        .iter()
        .filter_map(|e| match e {
            Export::Traces(t) => Some(t),
            _ => None,
        })
        .flat_map(|t| &t.resource_spans)
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .collect()
}

/// Every log record of every logs request in `exports`.
pub fn log_records(exports: &[Export]) -> Vec<&LogRecord> {
    exports
        .iter()
        .filter_map(|e| match e {
            Export::Logs(l) => Some(l),
            _ => None,
        })
        .flat_map(|l| &l.resource_logs)
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| &s.log_records)
        .collect()
}

/// Every metric of every metrics request in `exports`.
pub fn all_metrics(exports: &[Export]) -> Vec<&Metric> {
    exports
        .iter()
        .filter_map(|e| match e {
            Export::Metrics(m) => Some(m),
            _ => None,
        })
        .flat_map(|m| &m.resource_metrics)
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .collect()
}

/// Reads an OTLP/JSON file back, line by line.
pub fn parse_lines(text: &str) -> Result<Vec<Export>, serde_json::Error> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)?;
            Ok(if value.get("resourceSpans").is_some() {
                Export::Traces(serde_json::from_value(value)?)
            } else if value.get("resourceLogs").is_some() {
                Export::Logs(serde_json::from_value(value)?)
            } else {
                Export::Metrics(serde_json::from_value(value)?)
            })
        })
        .collect()
}

/// The host's resource for spans: built by the OpenTelemetry SDK (so it has
/// `service.name` and the `telemetry.sdk.*` attributes), in OTLP form.
pub fn service_resource(service_name: &str) -> Resource {
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service_name.to_string())
        .build();
    let mut attributes: Vec<KeyValue> = resource
        .iter()
        .map(|(key, value)| KeyValue {
            key: key.to_string(),
            value: Some(sdk_value(value)),
            ..Default::default()
        })
        .collect();
    attributes.sort_by(|a, b| a.key.cmp(&b.key));
    Resource {
        attributes,
        ..Default::default()
    }
}

fn sdk_value(value: &opentelemetry::Value) -> AnyValue {
    use opentelemetry::Value as V;
    let value = match value {
        V::Bool(b) => any_value::Value::BoolValue(*b),
        V::I64(i) => any_value::Value::IntValue(*i),
        V::F64(f) => any_value::Value::DoubleValue(*f),
        other => any_value::Value::StringValue(other.to_string()),
    };
    AnyValue { value: Some(value) }
}

/// rc.2's JSON text of an attribute value as a typed `AnyValue`; text that
/// is not JSON is kept as a string.
pub fn any_value(json: &str) -> AnyValue {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => from_json(value),
        Err(_) => AnyValue {
            value: Some(any_value::Value::StringValue(json.to_string())),
        },
    }
}

fn from_json(value: serde_json::Value) -> AnyValue {
    use serde_json::Value as J;
    let value = match value {
        J::Null => None,
        J::Bool(b) => Some(any_value::Value::BoolValue(b)),
        J::Number(n) => Some(match n.as_i64() {
            Some(i) => any_value::Value::IntValue(i),
            None => any_value::Value::DoubleValue(n.as_f64().unwrap_or(f64::NAN)),
        }),
        J::String(s) => Some(match s.strip_prefix(BYTES_PREFIX).map(base64_decode) {
            Some(Some(bytes)) => any_value::Value::BytesValue(bytes),
            _ => any_value::Value::StringValue(s),
        }),
        J::Array(items) => Some(any_value::Value::ArrayValue(ArrayValue {
            values: items.into_iter().map(from_json).collect(),
        })),
        J::Object(map) => Some(any_value::Value::KvlistValue(KeyValueList {
            values: map
                .into_iter()
                .map(|(key, v)| KeyValue {
                    key,
                    value: Some(from_json(v)),
                    ..Default::default()
                })
                .collect(),
        })),
    };
    AnyValue { value }
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut n = 0;
        for (i, &c) in chunk.iter().enumerate() {
            n |= digit(c)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    Some(out)
}

/// `wasi:otel` key-values as OTLP key-values.
pub fn key_values(kvs: &[types::KeyValue]) -> Vec<KeyValue> {
    kvs.iter()
        .map(|kv| KeyValue {
            key: kv.key.clone(),
            value: Some(any_value(&kv.value)),
            ..Default::default()
        })
        .collect()
}

/// Unix nanoseconds.
pub fn nanos(t: Datetime) -> u64 {
    t.seconds
        .saturating_mul(1_000_000_000)
        .saturating_add(t.nanoseconds as u64)
}

/// Hex ids as bytes; empty for empty or malformed text (no id).
pub fn id_bytes(hex: &str) -> Vec<u8> {
    if !hex.len().is_multiple_of(2) {
        return Vec::new();
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .unwrap_or_default()
}

pub(crate) fn scope(scope: &types::InstrumentationScope) -> InstrumentationScope {
    InstrumentationScope {
        name: scope.name.clone(),
        version: scope.version.clone().unwrap_or_default(),
        attributes: key_values(&scope.attributes),
        ..Default::default()
    }
}

pub(crate) fn resource(resource: &types::Resource) -> Resource {
    Resource {
        attributes: key_values(&resource.attributes),
        ..Default::default()
    }
}

fn trace_state(entries: &[(String, String)]) -> String {
    entries
        .iter()
        .map(|(k, v)| format!("{}={}", k, v))
        .collect::<Vec<_>>()
        .join(",")
}

/// W3C flags, plus OTLP's "parent is remote is known" bits.
fn flags(context: &tracing::SpanContext) -> u32 {
    let sampled = context.trace_flags.contains(tracing::TraceFlags::SAMPLED) as u32;
    let remote = if context.is_remote { 0x300 } else { 0x100 };
    sampled | remote
}

fn span(data: &tracing::SpanData) -> Span {
    let c = &data.span_context;
    let (code, message) = match &data.status {
        tracing::Status::Unset => (0, String::new()),
        tracing::Status::Ok => (1, String::new()),
        tracing::Status::Error(m) => (2, m.clone()),
    };
    let kind = match data.span_kind {
        tracing::SpanKind::Internal => span::SpanKind::Internal,
        tracing::SpanKind::Server => span::SpanKind::Server,
        tracing::SpanKind::Client => span::SpanKind::Client,
        tracing::SpanKind::Producer => span::SpanKind::Producer,
        tracing::SpanKind::Consumer => span::SpanKind::Consumer,
    };
    Span {
        trace_id: id_bytes(&c.trace_id),
        span_id: id_bytes(&c.span_id),
        trace_state: trace_state(&c.trace_state),
        parent_span_id: id_bytes(&data.parent_span_id),
        flags: flags(c),
        name: data.name.clone(),
        kind: kind as i32,
        start_time_unix_nano: nanos(data.start_time),
        end_time_unix_nano: nanos(data.end_time),
        attributes: key_values(&data.attributes),
        dropped_attributes_count: data.dropped_attributes,
        events: data
            .events
            .iter()
            .map(|e| span::Event {
                time_unix_nano: nanos(e.time),
                name: e.name.clone(),
                attributes: key_values(&e.attributes),
                dropped_attributes_count: 0,
            })
            .collect(),
        dropped_events_count: data.dropped_events,
        links: data
            .links
            .iter()
            .map(|l| span::Link {
                trace_id: id_bytes(&l.span_context.trace_id),
                span_id: id_bytes(&l.span_context.span_id),
                trace_state: trace_state(&l.span_context.trace_state),
                attributes: key_values(&l.attributes),
                dropped_attributes_count: 0,
                flags: flags(&l.span_context),
            })
            .collect(),
        dropped_links_count: data.dropped_links,
        status: Some(Status { message, code }),
    }
}

/// Spans grouped by instrumentation scope, under `resource`.
pub fn traces(spans: &[tracing::SpanData], resource: &Resource) -> ExportTraceServiceRequest {
    let mut scopes: Vec<ScopeSpans> = Vec::new();
    for data in spans {
        let s = scope(&data.instrumentation_scope);
        let schema_url = data
            .instrumentation_scope
            .schema_url
            .clone()
            .unwrap_or_default();
        match scopes.iter_mut().find(|g| g.scope.as_ref() == Some(&s)) {
            Some(group) => group.spans.push(span(data)),
            None => scopes.push(ScopeSpans {
                scope: Some(s),
                spans: vec![span(data)],
                schema_url,
            }),
        }
    }
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource.clone()),
            scope_spans: scopes,
            schema_url: String::new(),
        }],
    }
}

fn log_record(r: &logs::LogRecord) -> LogRecord {
    LogRecord {
        time_unix_nano: r.timestamp.map_or(0, nanos),
        observed_time_unix_nano: r.observed_timestamp.map_or(0, nanos),
        severity_number: r.severity_number.unwrap_or(0) as i32,
        severity_text: r.severity_text.clone().unwrap_or_default(),
        body: r.body.as_deref().map(any_value),
        attributes: key_values(r.attributes.as_deref().unwrap_or_default()),
        flags: r
            .trace_flags
            .map_or(0, |f| f.contains(tracing::TraceFlags::SAMPLED) as u32),
        trace_id: r.trace_id.as_deref().map(id_bytes).unwrap_or_default(),
        span_id: r.span_id.as_deref().map(id_bytes).unwrap_or_default(),
        event_name: r.event_name.clone().unwrap_or_default(),
        ..Default::default()
    }
}

/// Log records grouped by resource and scope; records without a resource
/// get `fallback`.
pub fn logs(records: &[logs::LogRecord], fallback: &Resource) -> ExportLogsServiceRequest {
    let mut groups: Vec<ResourceLogs> = Vec::new();
    for r in records {
        let res = r
            .resource
            .as_ref()
            .map_or_else(|| fallback.clone(), resource);
        let sc = r.instrumentation_scope.as_ref().map(scope);
        let group = match groups
            .iter()
            .position(|g| g.resource.as_ref() == Some(&res))
        {
            Some(i) => &mut groups[i],
            None => {
                groups.push(ResourceLogs {
                    resource: Some(res),
                    scope_logs: Vec::new(),
                    schema_url: r
                        .resource
                        .as_ref()
                        .and_then(|r| r.schema_url.clone())
                        .unwrap_or_default(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        match group.scope_logs.iter_mut().find(|s| s.scope == sc) {
            Some(s) => s.log_records.push(log_record(r)),
            None => group.scope_logs.push(ScopeLogs {
                scope: sc,
                log_records: vec![log_record(r)],
                schema_url: String::new(),
            }),
        }
    }
    ExportLogsServiceRequest {
        resource_logs: groups,
    }
}
