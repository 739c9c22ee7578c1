//! Where what a guest reports through `wasi:otel` goes: a [`TelemetrySink`].
//! The host's [`Pipeline`](crate::Pipeline) is one (the OpenTelemetry SDK's
//! processors and exporters); a [`Collector`] keeps the records as they
//! arrived, for tests of the guest itself.

use std::sync::{Arc, Mutex, PoisonError};

use crate::{logs::LogRecord, metrics::ResourceMetrics, tracing};

/// Receives the `wasi:otel` calls of one store's guests, in order.
///
/// ```
/// use wasi_otel_host::{logs, metrics, tracing};
/// use wasi_otel_host::TelemetrySink;
///
/// /// Counts spans and drops everything else.
/// struct Count(usize);
/// impl TelemetrySink for Count {
///     fn span_ended(&mut self, _span: tracing::SpanData) {
///         self.0 += 1;
///     }
///     fn log_emitted(&mut self, _record: logs::LogRecord) {}
///     fn metrics_exported(&mut self, _m: metrics::ResourceMetrics) -> Result<(), String> {
///         Ok(())
///     }
/// }
/// let ctx = wasi_otel_host::WasiOtelCtx::new(Count(0));
/// # drop(ctx);
/// ```
pub trait TelemetrySink: Send + 'static {
    /// `tracing.on-start`: a span began (its end comes through
    /// [`span_ended`](Self::span_ended), or never).
    fn span_started(&mut self, context: &tracing::SpanContext) {
        let _ = context;
    }
    /// `tracing.on-end`, and the host's own spans.
    fn span_ended(&mut self, span: tracing::SpanData);
    /// `logs.on-emit`.
    fn log_emitted(&mut self, record: LogRecord);
    /// `metrics.export`: the guest's already aggregated metrics. An `Err` is
    /// handed back to the guest.
    fn metrics_exported(&mut self, metrics: ResourceMetrics) -> Result<(), String>;
    /// A call of the guest's that the store refused before it reached the
    /// sink, and why (a [`Pipeline`](crate::Pipeline) counts it in its
    /// [`Drops`](crate::Drops)).
    fn refused(&mut self, refusal: Refusal) {
        let _ = refusal;
    }
}

/// Why a store refused a guest's call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// An `on-start` or `on-end` with the context of a span of the host's
    /// (one `outer-span-context` answered): the guest may parent on it, not
    /// start, end, rename or re-attribute it.
    HostSpan,
}

/// What a [`Collector`] received, in arrival order.
#[derive(Default)]
pub struct Collected {
    /// Contexts of `on-start` calls.
    pub started: Vec<tracing::SpanContext>,
    /// Ended spans (`on-end`), plus the host's own server spans.
    pub spans: Vec<tracing::SpanData>,
    /// Emitted log records (`on-emit`).
    pub logs: Vec<LogRecord>,
    /// Metric exports (`export`).
    pub metrics: Vec<ResourceMetrics>,
    /// Calls the store refused.
    pub refused: Vec<Refusal>,
}

impl Collected {
    /// True when nothing arrived.
    pub fn is_empty(&self) -> bool {
        self.started.is_empty()
            && self.spans.is_empty()
            && self.logs.is_empty()
            && self.metrics.is_empty()
            && self.refused.is_empty()
    }
}

/// A sink that keeps every record as it arrived; clones share what they
/// keep, so a test holds one clone while the store owns another.
///
/// ```
/// use wasi_otel_host::logs::LogRecord;
/// use wasi_otel_host::{Collector, TelemetrySink};
/// let collector = Collector::default();
/// let mut in_store = collector.clone();
/// in_store.log_emitted(LogRecord {
///     timestamp: None, observed_timestamp: None, severity_text: None,
///     severity_number: Some(9), body: Some("\"hello\"".into()), attributes: None,
///     event_name: None, resource: None, instrumentation_scope: None,
///     trace_id: None, span_id: None, trace_flags: None,
/// });
/// assert_eq!(collector.take().logs.len(), 1);
/// assert!(collector.take().is_empty());
/// ```
#[derive(Clone, Default)]
pub struct Collector(Arc<Mutex<Collected>>);

impl Collector {
    /// Everything collected so far; the collector starts empty again.
    pub fn take(&self) -> Collected {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Collected> {
        // Plain pushes cannot leave the lists half-written.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TelemetrySink for Collector {
    fn span_started(&mut self, context: &tracing::SpanContext) {
        self.lock().started.push(context.clone());
    }

    fn span_ended(&mut self, span: tracing::SpanData) {
        self.lock().spans.push(span);
    }

    fn log_emitted(&mut self, record: LogRecord) {
        self.lock().logs.push(record);
    }

    fn metrics_exported(&mut self, metrics: ResourceMetrics) -> Result<(), String> {
        self.lock().metrics.push(metrics);
        Ok(())
    }

    fn refused(&mut self, refusal: Refusal) {
        self.lock().refused.push(refusal);
    }
}
