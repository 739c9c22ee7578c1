//! `flood N`: N `on-end` calls, as fast as the guest can make them, each of
//! a distinct, valid span named `flood`: children of the host's span, in
//! its trace, started and ended now.

use opentelemetry_sdk::trace::RandomIdGenerator;

use crate::bindings::wasi::otel::tracing;

pub fn run(n: u64) {
    let host = tracing::outer_span_context();
    let ids = RandomIdGenerator::default();
    let now = super::now();
    let scope = super::scope("attack-flood");
    for _ in 0..n {
        tracing::on_end(&tracing::SpanData {
            span_context: tracing::SpanContext {
                span_id: super::span_id(&ids),
                ..host.clone()
            },
            parent_span_id: host.span_id.clone(),
            span_kind: tracing::SpanKind::Internal,
            name: "flood".to_string(),
            start_time: now,
            end_time: now,
            attributes: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
            status: tracing::Status::Unset,
            instrumentation_scope: scope.clone(),
            dropped_attributes: 0,
            dropped_events: 0,
            dropped_links: 0,
        });
    }
}
