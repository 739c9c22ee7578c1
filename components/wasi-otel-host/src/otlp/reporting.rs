//! The pipeline's own exporters and batch processors, counted, so that
//! every loss reaches the pipeline's report with its count and reason.
//!
//! The SDK's batch processors drop spans and log records when their queue
//! is full, and log an export failure, only through the SDK's internal logs
//! (silent unless the embedder installs a subscriber); a batch exported
//! from the processor's own thread before a flush fails without the flush
//! seeing it. So each exporter the pipeline builds (`with_otlp`,
//! `with_memory`) is wrapped ([`Reporting`]) and so is the batch processor
//! in front of it ([`Counted`]), sharing one set of counts:
//!
//! - items handed to the processor, and those handed after its shutdown;
//! - items that reached the exporter: after a flush the queue is empty, so
//!   the difference is what the full queue dropped;
//! - items in failed exports, with the exporter's words.
//!
//! [`Reporting`] also cuts each batch into requests of at most
//! [`MAX_BATCH_BYTES`] (see [`batches`]), exported one after another.
//!
//! Processors and exporters an embedder adds itself
//! (`PipelineBuilder::with_span_processor`, `with_log_processor`,
//! `with_metrics_exporter`) are not counted: only the errors they return
//! from a flush are reported.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use opentelemetry::logs::Severity;
use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::logs::{
    BatchLogProcessor, LogBatch, LogExporter, LogProcessor, SdkLogRecord, OTEL_BLRP_MAX_QUEUE_SIZE,
    OTEL_BLRP_MAX_QUEUE_SIZE_DEFAULT,
};
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, Span, SpanData, SpanExporter, SpanProcessor, OTEL_BSP_MAX_QUEUE_SIZE,
    OTEL_BSP_MAX_QUEUE_SIZE_DEFAULT,
};
use opentelemetry_sdk::Resource;

use super::metrics_client::MetricsExporter;

use super::batches;
pub use super::batches::MAX_BATCH_BYTES;

/// The counted exporters of one signal; clones share them.
#[derive(Clone, Debug, Default)]
pub struct Failures(Arc<Mutex<Vec<Arc<Counts>>>>);

/// What one counted exporter lost since the last [`Failures::take`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Loss {
    /// Where the exporter sends (e.g. `http/protobuf to http://…`).
    pub destination: String,
    /// Items lost (0 when unknown).
    pub lost: u64,
    /// Why.
    pub reason: String,
    /// True when `reason` is what a failed export said, rather than a
    /// drop before export.
    pub export: bool,
}

impl Failures {
    /// `exporter` behind the SDK's `BatchSpanProcessor` (its default
    /// configuration, `OTEL_BSP_*`), both counted here; `destination` names
    /// where it sends, for the report.
    pub fn batch_spans<E: SpanExporter + 'static>(
        &self,
        exporter: E,
        destination: impl Into<String>,
    ) -> Counted<BatchSpanProcessor> {
        let queue = queue_size(OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_QUEUE_SIZE_DEFAULT);
        let counts = self.add(destination.into(), Some(queue));
        let exporter = Reporting::counted(exporter, counts.clone());
        Counted {
            inner: BatchSpanProcessor::builder(exporter).build(),
            counts,
        }
    }

    /// `exporter` behind the SDK's `BatchLogProcessor` (`OTEL_BLRP_*`), both
    /// counted here.
    pub fn batch_logs<E: LogExporter + 'static>(
        &self,
        exporter: E,
        destination: impl Into<String>,
    ) -> Counted<BatchLogProcessor> {
        let queue = queue_size(OTEL_BLRP_MAX_QUEUE_SIZE, OTEL_BLRP_MAX_QUEUE_SIZE_DEFAULT);
        let counts = self.add(destination.into(), Some(queue));
        let exporter = Reporting::counted(exporter, counts.clone());
        Counted {
            inner: BatchLogProcessor::builder(exporter).build(),
            counts,
        }
    }

    fn add(&self, destination: String, queue: Option<usize>) -> Arc<Counts> {
        let counts = Arc::new(Counts {
            destination,
            queue,
            ..Counts::default()
        });
        lock(&self.0).push(counts.clone());
        counts
    }

    /// What each counted exporter lost since the last take: its failed
    /// exports (the first one's words, their items), what its processor's
    /// full queue dropped, what was handed to it after its shutdown.
    pub(crate) fn take(&self) -> Vec<Loss> {
        lock(&self.0).iter().flat_map(|c| c.take()).collect()
    }
}

/// The processor's queue bound, as the SDK reads it.
fn queue_size(variable: &str, default: usize) -> usize {
    std::env::var(variable)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each update completes or leaves the previous value whole.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One counted exporter (and its processor, if any).
#[derive(Debug, Default)]
struct Counts {
    destination: String,
    /// The processor's queue bound; `None` for an exporter with no queue.
    queue: Option<usize>,
    /// Items handed to the processor before its shutdown.
    handed: AtomicU64,
    /// Items handed to it after.
    after_shutdown: AtomicU64,
    shut: AtomicBool,
    /// Items that reached the exporter.
    reached: AtomicU64,
    /// Exports under way.
    exporting: AtomicUsize,
    /// The last flush or shutdown of the processor timed out: its queue
    /// may still hold items.
    timed_out: AtomicBool,
    said: Mutex<Said>,
}

/// What [`Counts::take`] has said, and what it has yet to.
#[derive(Debug, Default)]
struct Said {
    /// Failed exports since the last take: their errors, their items.
    errors: Vec<String>,
    failed: u64,
    /// Queue drops and items after shutdown said so far.
    dropped: u64,
    after_shutdown: u64,
}

impl Counts {
    fn hand(&self) {
        if self.shut.load(Ordering::Acquire) {
            self.after_shutdown.fetch_add(1, Ordering::Relaxed);
        } else {
            self.handed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Notes how a flush or shutdown of the processor ended.
    fn settle(&self, result: OTelSdkResult) -> OTelSdkResult {
        let timed_out = matches!(result, Err(OTelSdkError::Timeout(_)));
        self.timed_out.store(timed_out, Ordering::Release);
        result
    }

    fn failed(&self, error: &OTelSdkError, items: usize) {
        let mut said = lock(&self.said);
        said.errors.push(error.to_string());
        said.failed += items as u64;
    }

    fn take(&self) -> Vec<Loss> {
        let mut said = lock(&self.said);
        let mut losses = Vec::new();
        let loss = |lost, reason, export| Loss {
            destination: self.destination.clone(),
            lost,
            reason,
            export,
        };
        let errors = std::mem::take(&mut said.errors);
        if let Some(first) = errors.first() {
            let reason = match errors.len() {
                1 => first.clone(),
                n => format!("{} (and {} more failed exports)", first, n - 1),
            };
            losses.push(loss(std::mem::take(&mut said.failed), reason, true));
        }
        let Some(queue) = self.queue else {
            return losses;
        };
        // Only once the queue is empty: no flush timed out, no export under
        // way (a flush holds the pipeline, so nothing is handed meanwhile).
        let settled =
            !self.timed_out.load(Ordering::Acquire) && self.exporting.load(Ordering::Acquire) == 0;
        if settled {
            let handed = self.handed.load(Ordering::Acquire);
            let dropped = handed.saturating_sub(self.reached.load(Ordering::Acquire));
            if dropped > said.dropped {
                let reason = format!(
                    "the {}-item batch queue was full, they were dropped before export",
                    thousands(queue as u64)
                );
                losses.push(loss(dropped - said.dropped, reason, false));
                said.dropped = dropped;
            }
        }
        let after = self.after_shutdown.load(Ordering::Acquire);
        if after > said.after_shutdown {
            let reason = "handed to the pipeline after its shutdown".to_string();
            losses.push(loss(after - said.after_shutdown, reason, false));
            said.after_shutdown = after;
        }
        losses
    }
}

/// `n` with a comma between each group of three digits: `2,048`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A batch processor of the pipeline's own, counting what it is handed
/// (see the module docs); made by [`Failures::batch_spans`] and
/// [`Failures::batch_logs`].
#[derive(Debug)]
pub struct Counted<P> {
    inner: P,
    counts: Arc<Counts>,
}

impl<P> Counted<P> {
    fn shutting_down(&self) {
        self.counts.shut.store(true, Ordering::Release);
    }
}

impl<P: SpanProcessor> SpanProcessor for Counted<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx)
    }

    fn on_end(&self, span: SpanData) {
        self.counts.hand();
        self.inner.on_end(span)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.counts.settle(self.inner.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.shutting_down();
        self.counts
            .settle(self.inner.shutdown_with_timeout(timeout))
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource)
    }
}

impl<P: LogProcessor> LogProcessor for Counted<P> {
    fn emit(&self, record: &mut SdkLogRecord, scope: &InstrumentationScope) {
        self.counts.hand();
        self.inner.emit(record, scope)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.counts.settle(self.inner.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.shutting_down();
        self.counts
            .settle(self.inner.shutdown_with_timeout(timeout))
    }

    fn event_enabled(&self, level: Severity, target: &str, name: Option<&str>) -> bool {
        self.inner.event_enabled(level, target, name)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource)
    }
}

/// `E`, counted: for spans and log records, each batch cut into requests
/// of at most [`MAX_BATCH_BYTES`] (estimated), exported one after another,
/// all of them whatever fails (the export fails with the first failure);
/// each failed request's error and items are recorded for the report.
#[derive(Debug)]
pub struct Reporting<E> {
    inner: E,
    counts: Arc<Counts>,
    /// What the resource takes in each request, estimated.
    resource_bytes: usize,
}

impl<E> Reporting<E> {
    /// Wraps `inner`, an exporter with no batch processor in front of it
    /// (such as the metrics client); `destination` names where it sends.
    /// Its failures go to `failures`.
    pub fn new(inner: E, failures: &Failures, destination: impl Into<String>) -> Self {
        Reporting::counted(inner, failures.add(destination.into(), None))
    }

    fn counted(inner: E, counts: Arc<Counts>) -> Self {
        Reporting {
            inner,
            counts,
            resource_bytes: 0,
        }
    }

    fn exporting(&self, items: usize) -> Exporting<'_> {
        self.counts
            .reached
            .fetch_add(items as u64, Ordering::AcqRel);
        self.counts.exporting.fetch_add(1, Ordering::AcqRel);
        Exporting(&self.counts)
    }

    /// Records `result` of a request of `items` items.
    fn record(&self, result: OTelSdkResult, items: usize) -> OTelSdkResult {
        if let Err(e) = &result {
            self.counts.failed(e, items);
        }
        result
    }

    fn budget(&self) -> usize {
        batches::budget(self.resource_bytes)
    }
}

/// An export under way, until dropped.
struct Exporting<'a>(&'a Counts);

impl Drop for Exporting<'_> {
    fn drop(&mut self) {
        self.0.exporting.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<E: SpanExporter> SpanExporter for Reporting<E> {
    async fn export(&self, mut batch: Vec<SpanData>) -> OTelSdkResult {
        let _exporting = self.exporting(batch.len());
        let runs = batches::cut(
            &batch,
            self.budget(),
            batches::span_bytes,
            |s| &s.instrumentation_scope,
            |s| batches::scope_bytes(&s.instrumentation_scope, None),
        );
        if runs.len() <= 1 {
            let items = batch.len();
            return self.record(self.inner.export(batch).await, items);
        }
        // Split from the end, so that each split moves only its own run.
        let mut parts: Vec<Vec<SpanData>> = runs
            .iter()
            .rev()
            .map(|run| batch.split_off(run.start))
            .collect();
        parts.reverse();
        let mut result = Ok(());
        for part in parts {
            let items = part.len();
            let sent = self.record(self.inner.export(part).await, items);
            result = result.and(sent);
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource_bytes = batches::resource_bytes(resource);
        self.inner.set_resource(resource)
    }
}

impl<E: LogExporter> LogExporter for Reporting<E> {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let items: Vec<(&SdkLogRecord, &InstrumentationScope)> = batch.iter().collect();
        let _exporting = self.exporting(items.len());
        let runs = batches::cut(
            &items,
            self.budget(),
            |(r, _)| batches::log_bytes(r),
            |(r, s)| (*s, r.target()),
            |(r, s)| batches::scope_bytes(s, r.target().map(|t| t.as_ref())),
        );
        if runs.len() <= 1 {
            let count = items.len();
            drop(items);
            return self.record(self.inner.export(batch).await, count);
        }
        let mut result = Ok(());
        for run in runs {
            let part = &items[run];
            let sent = self.inner.export(LogBatch::new(part)).await;
            result = result.and(self.record(sent, part.len()));
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn event_enabled(&self, level: Severity, target: &str, name: Option<&str>) -> bool {
        self.inner.event_enabled(level, target, name)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource_bytes = batches::resource_bytes(resource);
        self.inner.set_resource(resource)
    }
}

impl<E: MetricsExporter> MetricsExporter for Reporting<E> {
    /// Sends `request` as it is (the pipeline cuts metric requests itself,
    /// see [`split`](super::split)); a failure is recorded with its points.
    fn export(&mut self, request: &ExportMetricsServiceRequest) -> Result<(), String> {
        let result = self.inner.export(request);
        if let Err(e) = &result {
            let mut said = lock(&self.counts.said);
            said.errors.push(e.clone());
            said.failed += super::split::points(request) as u64;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::SystemTime;

    use opentelemetry::trace::{
        SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    /// Counts what it is given; blocks each export until `release` says.
    #[derive(Debug)]
    struct Gate {
        arrived: Arc<AtomicU64>,
        exports: Arc<AtomicU64>,
        release: Mutex<mpsc::Receiver<()>>,
        fail: bool,
    }

    impl SpanExporter for Gate {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            let _ = lock(&self.release).recv();
            self.exports.fetch_add(1, Ordering::Relaxed);
            if self.fail {
                return Err(OTelSdkError::InternalFailure("refused".into()));
            }
            self.arrived
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            Ok(())
        }
    }

    fn span(i: u64, text: usize) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(u128::from(i) + 1),
                SpanId::from(i + 1),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: "s".into(),
            start_time: SystemTime::UNIX_EPOCH,
            end_time: SystemTime::UNIX_EPOCH,
            attributes: vec![opentelemetry::KeyValue::new("a", "x".repeat(text))],
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("t").build(),
        }
    }

    /// A processor over a gated exporter, its counts, the gate's key.
    fn gated(
        fail: bool,
    ) -> (
        Counted<BatchSpanProcessor>,
        Failures,
        mpsc::Sender<()>,
        Arc<AtomicU64>,
        Arc<AtomicU64>,
    ) {
        let (release, gate) = mpsc::channel();
        let (arrived, exports) = (Arc::default(), Arc::default());
        let exporter = Gate {
            arrived: Arc::clone(&arrived),
            exports: Arc::clone(&exports),
            release: Mutex::new(gate),
            fail,
        };
        let failures = Failures::default();
        let processor = failures.batch_spans(exporter, "gate");
        (processor, failures, release, arrived, exports)
    }

    #[test]
    fn what_a_full_queue_drops_is_counted_exactly() {
        let (processor, failures, release, arrived, _) = gated(false);
        let queue = OTEL_BSP_MAX_QUEUE_SIZE_DEFAULT as u64;
        // The first export blocks: the processor holds at most one batch
        // (512) in the exporter and its queue, the rest is dropped.
        let sent = 3 * queue;
        for i in 0..sent {
            processor.on_end(span(i, 1));
        }
        // Every export may go now (the gate's channel lets them through).
        drop(release);
        processor.force_flush().unwrap();
        let losses = failures.take();
        assert_eq!(losses.len(), 1, "{:?}", losses);
        let dropped = losses[0].lost;
        assert!(dropped >= sent - queue - 512, "{} dropped", dropped);
        assert_eq!(arrived.load(Ordering::Relaxed) + dropped, sent);
        assert!(losses[0].reason.contains("2,048-item batch queue was full"));
        assert!(!losses[0].export);
        assert!(failures.take().is_empty(), "said once");
        processor.shutdown().unwrap();
        processor.on_end(span(sent, 1));
        let after = failures.take();
        assert_eq!(after[0].lost, 1);
        assert!(after[0].reason.contains("after its shutdown"));
    }

    #[test]
    fn a_large_batch_is_cut_and_each_failed_request_counted() {
        let (processor, failures, release, _, exports) = gated(true);
        drop(release);
        // 40 spans of 100 KB: at least four requests of at most 1 MiB.
        for i in 0..40 {
            processor.on_end(span(i, 100_000));
        }
        assert!(processor.force_flush().is_err());
        assert!(exports.load(Ordering::Relaxed) >= 4);
        let losses = failures.take();
        assert_eq!(losses.len(), 1, "{:?}", losses);
        assert_eq!(losses[0].lost, 40);
        assert!(losses[0].export);
        assert!(
            losses[0]
                .reason
                .starts_with("Operation failed: refused (and "),
            "{}",
            losses[0].reason
        );
        let _ = processor.shutdown();
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2048), "2,048");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
