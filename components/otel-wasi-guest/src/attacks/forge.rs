//! `forge`: the guest reads the host's span context and reports a span
//! with exactly that context: an `on-start`, then an `on-end` named
//! "forged", kind client, with an attribute. Were it accepted, the host's
//! own span would be replaced by the guest's.

use crate::bindings::wasi::otel::tracing;

pub fn run() {
    let host = tracing::outer_span_context();
    tracing::on_start(&host);
    let now = super::now();
    tracing::on_end(&tracing::SpanData {
        span_context: host,
        parent_span_id: String::new(),
        span_kind: tracing::SpanKind::Client,
        name: "forged".to_string(),
        start_time: now,
        end_time: now,
        attributes: vec![super::key_value("forged", "true")],
        events: Vec::new(),
        links: Vec::new(),
        status: tracing::Status::Ok,
        instrumentation_scope: super::scope("attack-forge"),
        dropped_attributes: 0,
        dropped_events: 0,
        dropped_links: 0,
    });
}
