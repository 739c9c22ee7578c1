//! `big N`: a span (a child of the host's) whose name, status message and
//! 100 attribute values (`big.00` to `big.99`) are N bytes each, and a log
//! record whose body is N bytes. The name starts with `big`, the message
//! with `message`, the body with `body`, each filled up with `x`.

use opentelemetry_sdk::trace::RandomIdGenerator;

use crate::bindings::wasi::otel::{logs, tracing};

/// `prefix`, filled up with `x` to `n` bytes (cut to `n` if longer).
fn text(prefix: &str, n: u64) -> String {
    let n = n as usize;
    let mut s = String::with_capacity(n.max(prefix.len()));
    s.push_str(prefix);
    s.truncate(n);
    s.extend(std::iter::repeat_n('x', n - s.len()));
    s
}

pub fn run(n: u64) {
    let host = tracing::outer_span_context();
    let ids = RandomIdGenerator::default();
    let context = tracing::SpanContext {
        span_id: super::span_id(&ids),
        ..host.clone()
    };
    let now = super::now();
    // JSON strings of N bytes: the quotes around N-2 characters.
    let value = format!("\"{}\"", text("value", n.saturating_sub(2)));
    let attributes = (0..100)
        .map(|i| super::key_value(&format!("big.{i:02}"), &value))
        .collect();
    drop(value);
    tracing::on_end(&tracing::SpanData {
        span_context: context,
        parent_span_id: host.span_id,
        span_kind: tracing::SpanKind::Internal,
        name: text("big", n),
        start_time: now,
        end_time: now,
        attributes,
        events: Vec::new(),
        links: Vec::new(),
        status: tracing::Status::Error(text("message", n)),
        instrumentation_scope: super::scope("attack-big"),
        dropped_attributes: 0,
        dropped_events: 0,
        dropped_links: 0,
    });
    logs::on_emit(&logs::LogRecord {
        timestamp: Some(now),
        observed_timestamp: Some(now),
        severity_text: Some("WARN".to_string()),
        severity_number: Some(13),
        body: Some(format!("\"{}\"", text("body", n.saturating_sub(2)))),
        attributes: None,
        event_name: None,
        resource: None,
        instrumentation_scope: Some(super::scope("attack-big")),
        trace_id: None,
        span_id: None,
        trace_flags: None,
    });
}
