//! A readable rendering of OTLP export requests: each trace as a tree of
//! spans with their durations and the log records emitted under them, then
//! the metric points.

use std::fmt::Write;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
use opentelemetry_proto::tonic::trace::v1::Span;

use wasi_otel_host::otlp::Export;

/// The whole rendering.
pub fn render(exports: &[Export]) -> String {
    let mut spans = wasi_otel_host::otlp::spans(exports);
    let logs = wasi_otel_host::otlp::log_records(exports);
    let mut out = String::new();
    spans.sort_by_key(|s| s.start_time_unix_nano);
    let mut traces: Vec<&[u8]> = spans.iter().map(|s| s.trace_id.as_slice()).collect();
    traces.dedup();
    let mut seen = Vec::new();
    for trace in traces {
        if seen.contains(&trace) {
            continue;
        }
        seen.push(trace);
        let _ = writeln!(out, "trace {}", hex(trace));
        let in_trace: Vec<&Span> = spans
            .iter()
            .copied()
            .filter(|s| s.trace_id == trace)
            .collect();
        for root in in_trace
            .iter()
            .filter(|s| !in_trace.iter().any(|p| p.span_id == s.parent_span_id))
        {
            span_tree(&mut out, root, &in_trace, &logs, 1);
        }
    }
    let loose: Vec<_> = logs
        .iter()
        .filter(|l| !spans.iter().any(|s| s.span_id == l.span_id))
        .collect();
    if !loose.is_empty() {
        let _ = writeln!(out, "logs outside any span");
        for log in loose {
            log_line(&mut out, log, 1);
        }
    }
    metric_points(&mut out, exports);
    out
}

fn span_tree(out: &mut String, span: &Span, all: &[&Span], logs: &[&LogRecord], depth: usize) {
    let ms = span
        .end_time_unix_nano
        .saturating_sub(span.start_time_unix_nano) as f64
        / 1e6;
    let status = match span.status.as_ref().map(|s| (s.code, s.message.as_str())) {
        Some((1, _)) => " [OK]".to_string(),
        Some((2, message)) => format!(" [ERROR: {}]", message),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "{}{} {:.3} ms{}{}",
        "  ".repeat(depth),
        span.name,
        ms,
        status,
        attributes(&span.attributes)
    );
    for log in logs.iter().filter(|l| l.span_id == span.span_id) {
        log_line(out, log, depth + 1);
    }
    for child in all.iter().filter(|c| c.parent_span_id == span.span_id) {
        span_tree(out, child, all, logs, depth + 1);
    }
}

fn log_line(out: &mut String, log: &LogRecord, depth: usize) {
    let body = log.body.as_ref().map(value).unwrap_or_default();
    let _ = writeln!(
        out,
        "{}· {} {}{}",
        "  ".repeat(depth),
        log.severity_text,
        body,
        attributes(&log.attributes)
    );
}

fn metric_points(out: &mut String, exports: &[Export]) {
    for metric in wasi_otel_host::otlp::all_metrics(exports) {
        let _ = writeln!(out, "metric {} ({})", metric.name, metric.unit);
        let (label, points) = match &metric.data {
            Some(metric::Data::Sum(s)) => ("sum", &s.data_points),
            Some(metric::Data::Gauge(g)) => ("last", &g.data_points),
            Some(metric::Data::Histogram(h)) => {
                for p in &h.data_points {
                    let _ = writeln!(
                        out,
                        "  count {} sum {} buckets {:?} bounds {:?}{}",
                        p.count,
                        p.sum.unwrap_or_default(),
                        p.bucket_counts,
                        p.explicit_bounds,
                        attributes(&p.attributes)
                    );
                }
                continue;
            }
            _ => continue,
        };
        for p in points {
            let _ = writeln!(
                out,
                "  {} {}{}",
                label,
                number(&p.value),
                attributes(&p.attributes)
            );
        }
    }
}

fn number(value: &Option<number_data_point::Value>) -> String {
    match value {
        Some(number_data_point::Value::AsInt(i)) => i.to_string(),
        Some(number_data_point::Value::AsDouble(x)) => x.to_string(),
        None => "-".into(),
    }
}

fn attributes(kvs: &[KeyValue]) -> String {
    if kvs.is_empty() {
        return String::new();
    }
    let items: Vec<String> = kvs
        .iter()
        .map(|kv| {
            format!(
                "{}={}",
                kv.key,
                kv.value.as_ref().map(value).unwrap_or_default()
            )
        })
        .collect();
    format!(" {{{}}}", items.join(", "))
}

fn value(v: &AnyValue) -> String {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(x)) => x.to_string(),
        Some(any_value::Value::ArrayValue(a)) => {
            let items: Vec<String> = a.values.iter().map(value).collect();
            format!("[{}]", items.join(", "))
        }
        Some(any_value::Value::BytesValue(b)) => format!("0x{}", hex(b)),
        Some(other) => format!("{:?}", other),
        None => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}
