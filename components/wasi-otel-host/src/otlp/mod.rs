//! OTLP: the standard configuration ([`config`]), the exporters the
//! pipeline uses ([`exporters`] for spans and logs, [`metrics_client`] for the
//! guest's metrics), an in-memory exporter ([`memory`]) and OTLP/JSON lines
//! (what a collector's file receiver reads), written and read back.

use std::io::Write;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::trace::v1::Span;

pub mod batches;
pub mod config;
pub mod exporters;
pub mod memory;
mod metrics;
pub mod metrics_client;
pub mod reporting;
pub mod split;

pub use metrics::metrics;

/// One export request, as sent; one line of an OTLP/JSON file.
#[derive(Clone, Debug, PartialEq)]
pub enum Export {
    /// `ExportTraceServiceRequest`.
    Traces(ExportTraceServiceRequest),
    /// `ExportLogsServiceRequest`.
    Logs(ExportLogsServiceRequest),
    /// `ExportMetricsServiceRequest`.
    Metrics(ExportMetricsServiceRequest),
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
    scoped_spans(exports).into_iter().map(|(_, s)| s).collect()
}

/// Every span of every traces request in `exports`, with the name of its
/// instrumentation scope.
pub fn scoped_spans(exports: &[Export]) -> Vec<(&str, &Span)> {
    exports
        .iter()
        .filter_map(|e| match e {
            Export::Traces(t) => Some(t),
            _ => None,
        })
        .flat_map(|t| &t.resource_spans)
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| s.spans.iter().map(move |span| (scope_name(&s.scope), span)))
        .collect()
}

/// Every log record of every logs request in `exports`.
pub fn log_records(exports: &[Export]) -> Vec<&LogRecord> {
    scoped_log_records(exports)
        .into_iter()
        .map(|(_, r)| r)
        .collect()
}

/// Every log record of every logs request in `exports`, with the name of
/// its instrumentation scope.
pub fn scoped_log_records(exports: &[Export]) -> Vec<(&str, &LogRecord)> {
    exports
        .iter()
        .filter_map(|e| match e {
            Export::Logs(l) => Some(l),
            _ => None,
        })
        .flat_map(|l| &l.resource_logs)
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| s.log_records.iter().map(move |r| (scope_name(&s.scope), r)))
        .collect()
}

fn scope_name(scope: &Option<InstrumentationScope>) -> &str {
    scope.as_ref().map_or("", |s| s.name.as_str())
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
