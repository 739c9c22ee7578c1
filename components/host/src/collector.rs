//! What the guest reported through `wasi:otel`, as it arrived, until the
//! host exports it.

use crate::bindings::sdk::wasi::otel::{logs::LogRecord, metrics::ResourceMetrics, tracing};

/// Spans, log records and metric exports received, in arrival order.
#[derive(Default)]
pub struct Collector {
    /// Contexts of `on-start` calls.
    pub started: Vec<tracing::SpanContext>,
    /// Ended spans (`on-end`), plus the host's own server spans.
    pub spans: Vec<tracing::SpanData>,
    /// Emitted log records (`on-emit`).
    pub logs: Vec<LogRecord>,
    /// Metric exports (`export`).
    pub metrics: Vec<ResourceMetrics>,
}

impl Collector {
    /// Everything collected so far; the collector starts empty again.
    pub fn take(&mut self) -> Collector {
        std::mem::take(self)
    }

    /// True when nothing arrived.
    pub fn is_empty(&self) -> bool {
        self.started.is_empty()
            && self.spans.is_empty()
            && self.logs.is_empty()
            && self.metrics.is_empty()
    }
}
