//! The host's own span for each request (kind server): its context is what
//! `outer-span-context` returns while the request runs, and it is exported
//! with the guest's spans, so every parent id in the output names a span.

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

use crate::bindings::sdk::wasi::clocks::wall_clock::Datetime;
use crate::bindings::sdk::wasi::otel::tracing::{
    SpanContext, SpanData, SpanKind, Status, TraceFlags,
};
use crate::bindings::sdk::wasi::otel::types::{InstrumentationScope, KeyValue};

/// The scope of the host's spans.
pub const HOST_SCOPE: &str = "telemetry-host";

/// A server span in progress.
pub struct ServerSpan {
    context: SpanContext,
    name: String,
    start: Datetime,
    attributes: Vec<KeyValue>,
}

impl ServerSpan {
    /// Starts a span for a request called `name`, in a new trace, with ids
    /// from the OpenTelemetry SDK's generator.
    pub fn start(name: &str) -> Self {
        let ids = RandomIdGenerator::default();
        let (trace, span): (TraceId, SpanId) = (ids.new_trace_id(), ids.new_span_id());
        ServerSpan {
            context: SpanContext {
                trace_id: trace.to_string(),
                span_id: span.to_string(),
                trace_flags: TraceFlags::SAMPLED,
                is_remote: false,
                trace_state: Vec::new(),
            },
            name: name.to_string(),
            start: crate::wasi_otel::now(),
            attributes: Vec::new(),
        }
    }

    /// Its context (what the guest parents its spans on).
    pub fn context(&self) -> &SpanContext {
        &self.context
    }

    /// Adds an attribute; `json` is rc.2's JSON text of the value.
    pub fn set_attribute(&mut self, key: &str, json: String) {
        self.attributes.push(KeyValue {
            key: key.to_string(),
            value: json,
        });
    }

    /// Ends it, with `status`.
    pub fn end(self, status: Status) -> SpanData {
        SpanData {
            span_context: self.context,
            parent_span_id: String::new(),
            span_kind: SpanKind::Server,
            name: self.name,
            start_time: self.start,
            end_time: crate::wasi_otel::now(),
            attributes: self.attributes,
            events: Vec::new(),
            links: Vec::new(),
            status,
            instrumentation_scope: InstrumentationScope {
                name: HOST_SCOPE.to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
                schema_url: None,
                attributes: Vec::new(),
            },
            dropped_attributes: 0,
            dropped_events: 0,
            dropped_links: 0,
        }
    }
}
