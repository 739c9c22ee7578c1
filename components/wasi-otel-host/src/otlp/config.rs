//! The standard OTLP exporter configuration, read from the `OTEL_*`
//! variables every OpenTelemetry user already sets (the OpenTelemetry
//! specification's "OTLP Exporter Configuration").
//!
//! Resolved here once, for all three signals, so that the SDK's exporters
//! (spans, logs) and the host's metrics path get the same endpoint, headers,
//! timeout and protocol. The variables are read through a lookup function,
//! so tests and embedders can resolve a configuration without touching the
//! process environment.

use std::fmt;
use std::time::Duration;

use crate::convert::limits::Limits;

/// One of the three OTLP signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Spans.
    Traces,
    /// Log records.
    Logs,
    /// Metric points.
    Metrics,
}

impl Signal {
    /// All three, in the order exports are flushed.
    pub const ALL: [Signal; 3] = [Signal::Traces, Signal::Logs, Signal::Metrics];

    /// `traces`, `logs` or `metrics`: the OTLP/HTTP path's last segment.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
        }
    }

    fn var(self, setting: &str) -> String {
        format!(
            "OTEL_EXPORTER_OTLP_{}_{}",
            self.name().to_uppercase(),
            setting
        )
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The OTLP transport and encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/HTTP with protobuf bodies: the specification's default.
    HttpProtobuf,
    /// OTLP/HTTP with JSON bodies.
    HttpJson,
    /// OTLP/gRPC.
    Grpc,
}

impl Protocol {
    /// Parses the specification's names: `http/protobuf`, `http/json`, `grpc`.
    pub fn parse(text: &str) -> Option<Protocol> {
        match text.trim() {
            "http/protobuf" => Some(Protocol::HttpProtobuf),
            "http/json" => Some(Protocol::HttpJson),
            "grpc" => Some(Protocol::Grpc),
            _ => None,
        }
    }

    /// The specification's name.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
            Protocol::Grpc => "grpc",
        }
    }

    fn default_endpoint(self) -> &'static str {
        match self {
            Protocol::Grpc => "http://localhost:4317",
            _ => "http://localhost:4318",
        }
    }
}

/// Where and how one signal is exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalConfig {
    /// The full URL: for OTLP/HTTP including `/v1/<signal>`, for gRPC the
    /// server's address.
    pub endpoint: String,
    /// Transport and encoding.
    pub protocol: Protocol,
    /// Extra request headers (gRPC metadata), e.g. an API key.
    pub headers: Vec<(String, String)>,
    /// The deadline of one export, retries included.
    pub timeout: Duration,
}

/// A configuration the variables do not make sense of: which variable, and
/// why. The example prints it and exits rather than guess.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable.
    pub variable: String,
    /// Its value.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={:?}: {}", self.variable, self.value, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// The resolved OTLP configuration of all three signals, and the resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtlpConfig {
    /// Spans.
    pub traces: SignalConfig,
    /// Log records.
    pub logs: SignalConfig,
    /// Metrics.
    pub metrics: SignalConfig,
    /// The attribute limits (`OTEL_ATTRIBUTE_COUNT_LIMIT` and the rest).
    pub limits: Limits,
    /// `OTEL_SERVICE_NAME`, if set.
    pub service_name: Option<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES`, parsed (`key=value` pairs, values
    /// percent-decoded).
    pub resource_attributes: Vec<(String, String)>,
}

/// The default export timeout (the specification's 10 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl OtlpConfig {
    /// Reads the process environment.
    ///
    /// ```
    /// let config = wasi_otel_host::otlp::config::OtlpConfig::from_env()?;
    /// println!("spans go to {}", config.traces.endpoint);
    /// # Ok::<(), wasi_otel_host::otlp::config::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<OtlpConfig, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup`; an empty value counts as unset,
    /// as the specification says.
    ///
    /// ```
    /// use wasi_otel_host::otlp::config::{OtlpConfig, Protocol};
    /// let config = OtlpConfig::from_lookup(|name| match name {
    ///     "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://collector:4318".into()),
    ///     "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL" => Some("http/json".into()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(config.traces.endpoint, "http://collector:4318/v1/traces");
    /// assert_eq!(config.metrics.protocol, Protocol::HttpJson);
    /// # Ok::<(), wasi_otel_host::otlp::config::ConfigError>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<OtlpConfig, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let signal = |s: Signal| resolve(&get, s);
        let resource_attributes = match get("OTEL_RESOURCE_ATTRIBUTES") {
            Some(text) => pairs("OTEL_RESOURCE_ATTRIBUTES", &text)?,
            None => Vec::new(),
        };
        Ok(OtlpConfig {
            traces: signal(Signal::Traces)?,
            logs: signal(Signal::Logs)?,
            metrics: signal(Signal::Metrics)?,
            service_name: get("OTEL_SERVICE_NAME"),
            resource_attributes,
            limits: Limits::from_lookup(&lookup)?,
        })
    }

    /// Every signal sent to `endpoint` (an OTLP/HTTP base URL, or a gRPC
    /// server), the rest as resolved: what `--endpoint URL` means.
    pub fn with_endpoint(mut self, endpoint: &str) -> OtlpConfig {
        for s in Signal::ALL {
            let c = self.signal_mut(s);
            c.endpoint = signal_url(endpoint, c.protocol, s);
        }
        self
    }

    /// The configuration of `signal`.
    pub fn signal(&self, signal: Signal) -> &SignalConfig {
        match signal {
            Signal::Traces => &self.traces,
            Signal::Logs => &self.logs,
            Signal::Metrics => &self.metrics,
        }
    }

    fn signal_mut(&mut self, signal: Signal) -> &mut SignalConfig {
        match signal {
            Signal::Traces => &mut self.traces,
            Signal::Logs => &mut self.logs,
            Signal::Metrics => &mut self.metrics,
        }
    }

    /// True when a variable names an endpoint (so the user asked for OTLP
    /// export), for any signal.
    pub fn endpoint_set(lookup: impl Fn(&str) -> Option<String>) -> bool {
        std::iter::once("OTEL_EXPORTER_OTLP_ENDPOINT".to_string())
            .chain(Signal::ALL.iter().map(|s| s.var("ENDPOINT")))
            .any(|name| lookup(&name).is_some_and(|v| !v.trim().is_empty()))
    }
}

fn resolve(get: &impl Fn(&str) -> Option<String>, s: Signal) -> Result<SignalConfig, ConfigError> {
    let error = |variable: String, value: String, reason| ConfigError {
        variable,
        value,
        reason,
    };
    let mut protocol = Protocol::HttpProtobuf;
    for name in [s.var("PROTOCOL"), "OTEL_EXPORTER_OTLP_PROTOCOL".into()] {
        if let Some(text) = get(&name) {
            protocol = Protocol::parse(&text)
                .ok_or_else(|| error(name, text, "not http/protobuf, http/json or grpc"))?;
            break;
        }
    }
    // A per-signal endpoint is used as it is; the general one gets the
    // signal's path appended (for OTLP/HTTP).
    let endpoint = match (get(&s.var("ENDPOINT")), get("OTEL_EXPORTER_OTLP_ENDPOINT")) {
        (Some(url), _) => url,
        (None, Some(base)) => signal_url(&base, protocol, s),
        (None, None) => signal_url(protocol.default_endpoint(), protocol, s),
    };
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        return Err(error(
            s.var("ENDPOINT"),
            endpoint,
            "an endpoint is an http:// or https:// URL",
        ));
    }
    let mut timeout = DEFAULT_TIMEOUT;
    for name in [s.var("TIMEOUT"), "OTEL_EXPORTER_OTLP_TIMEOUT".into()] {
        if let Some(text) = get(&name) {
            let ms: u64 = text
                .trim()
                .parse()
                .map_err(|_| error(name, text, "a timeout is a whole number of milliseconds"))?;
            timeout = Duration::from_millis(ms);
            break;
        }
    }
    let headers = match [s.var("HEADERS"), "OTEL_EXPORTER_OTLP_HEADERS".into()]
        .into_iter()
        .find_map(|name| get(&name).map(|v| (name, v)))
    {
        Some((name, text)) => pairs(&name, &text)?,
        None => Vec::new(),
    };
    Ok(SignalConfig {
        endpoint,
        protocol,
        headers,
        timeout,
    })
}

fn signal_url(base: &str, protocol: Protocol, s: Signal) -> String {
    match protocol {
        Protocol::Grpc => base.to_string(),
        _ => format!("{}/v1/{}", base.trim_end_matches('/'), s.name()),
    }
}

/// `key=value,key2=value2`, values percent-decoded (the W3C Baggage form
/// `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES` use).
fn pairs(variable: &str, text: &str) -> Result<Vec<(String, String)>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let bad = |reason| ConfigError {
                variable: variable.to_string(),
                value: text.to_string(),
                reason,
            };
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| bad("an entry is key=value"))?;
            let value = percent_decode(value.trim()).ok_or_else(|| bad("bad %-escape"))?;
            if key.trim().is_empty() {
                return Err(bad("an entry has no key"));
            }
            Ok((key.trim().to_string(), value))
        })
        .collect()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<OtlpConfig, ConfigError> {
        OtlpConfig::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_are_the_specifications() {
        let c = config(&[]).unwrap();
        assert_eq!(c.traces.endpoint, "http://localhost:4318/v1/traces");
        assert_eq!(c.metrics.endpoint, "http://localhost:4318/v1/metrics");
        assert_eq!(c.logs.protocol, Protocol::HttpProtobuf);
        assert_eq!(c.logs.timeout, Duration::from_secs(10));
        assert!(c.traces.headers.is_empty());
    }

    #[test]
    fn per_signal_settings_win_and_are_used_as_they_are() {
        let c = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318/"),
            (
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                "http://logs:9000/custom",
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "100"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x=1"),
        ])
        .unwrap();
        assert_eq!(c.traces.endpoint, "http://base:4318/");
        assert_eq!(c.traces.protocol, Protocol::Grpc);
        assert_eq!(c.logs.endpoint, "http://logs:9000/custom");
        assert_eq!(c.metrics.endpoint, "http://base:4318/v1/metrics");
        assert_eq!(c.metrics.protocol, Protocol::HttpJson);
        assert_eq!(c.logs.timeout, Duration::from_millis(2500));
        assert_eq!(c.metrics.timeout, Duration::from_millis(100));
        assert_eq!(
            c.traces.headers,
            vec![("api-key".into(), "a b".into()), ("x".into(), "1".into())]
        );
    }

    #[test]
    fn nonsense_is_a_typed_error_naming_the_variable() {
        let e = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "udp")]).unwrap_err();
        assert_eq!(e.variable, "OTEL_EXPORTER_OTLP_PROTOCOL");
        let e = config(&[("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "5s")]).unwrap_err();
        assert_eq!(e.variable, "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT");
        let e = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318")]).unwrap_err();
        assert!(e.to_string().contains("http://"), "{}", e);
        let e = config(&[("OTEL_RESOURCE_ATTRIBUTES", "novalue")]).unwrap_err();
        assert_eq!(e.variable, "OTEL_RESOURCE_ATTRIBUTES");
    }

    #[test]
    fn the_resource_variables() {
        let c = config(&[
            ("OTEL_SERVICE_NAME", "shop"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=dev,team=a%2Cb",
            ),
        ])
        .unwrap();
        assert_eq!(c.service_name.as_deref(), Some("shop"));
        assert_eq!(
            c.resource_attributes,
            vec![
                ("deployment.environment".into(), "dev".into()),
                ("team".into(), "a,b".into())
            ]
        );
    }

    #[test]
    fn an_endpoint_flag_sets_every_signal() {
        let c = config(&[("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "grpc")])
            .unwrap()
            .with_endpoint("http://127.0.0.1:4318");
        assert_eq!(c.traces.endpoint, "http://127.0.0.1:4318/v1/traces");
        assert_eq!(c.logs.endpoint, "http://127.0.0.1:4318");
    }
}
