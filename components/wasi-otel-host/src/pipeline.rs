//! The OpenTelemetry pipeline guests report into: each span that ends goes
//! to the SDK's span processors (a `BatchSpanProcessor` in front of
//! `opentelemetry-otlp`'s `SpanExporter`), each log record to an
//! `SdkLoggerProvider` (batch processor, `LogExporter`), and each metric
//! export to a [`MetricsExporter`].
//!
//! A [`Pipeline`] is a handle: clones share one pipeline, so every store of
//! an embedder (one per instance, say) can report into the same processors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry::logs::LoggerProvider as _;
use opentelemetry::InstrumentationScope;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogProcessor, SdkLogger, SdkLoggerProvider};
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::trace::SpanProcessor;
use opentelemetry_sdk::Resource;

use crate::convert::limits::Limits;
use crate::convert::{self, spans::Ended, Drops};
use crate::otlp::config::{OtlpConfig, Signal};
use crate::otlp::memory::MemoryExporter;
use crate::otlp::metrics_client::{MetricsClient, MetricsExporter};
use crate::otlp::reporting::{Failures, Reporting};
use crate::otlp::{exporters, metrics as metrics_request, split};
use crate::report::{ExportFailure, ExportReport};
use crate::sink::{Refusal, TelemetrySink};
use crate::{logs, metrics, tracing};

/// Metric export requests kept before a flush sends them anyway.
pub const MAX_PENDING_METRICS: usize = 64;

/// Metric data points kept before a flush sends them anyway: with
/// [`MAX_PENDING_METRICS`], what bounds the memory pending metrics hold,
/// whatever the guests send.
pub const MAX_PENDING_POINTS: usize = 65_536;

/// Distinct log scopes a pipeline keeps a logger for. A record of a new
/// scope when that many are kept starts the table over (the loggers are
/// made again as records need them): a guest cannot grow the host by
/// inventing scopes, and every record keeps its own scope.
pub const MAX_LOG_SCOPES: usize = 1024;

/// The scope of log records that name none.
pub const DEFAULT_LOG_SCOPE: &str = "wasi:otel";

/// The host's resource: the SDK's `telemetry.sdk.*` attributes,
/// `OTEL_RESOURCE_ATTRIBUTES`, and `service.name` from `OTEL_SERVICE_NAME`
/// (else `OTEL_RESOURCE_ATTRIBUTES`, else `default_service`).
///
/// ```
/// use wasi_otel_host::otlp::config::OtlpConfig;
/// let config = OtlpConfig::from_lookup(|v| (v == "OTEL_RESOURCE_ATTRIBUTES").then(|| "team=a".into()))?;
/// let resource = wasi_otel_host::resource(&config, "checkout");
/// assert_eq!(resource.get(&"service.name".into()).unwrap().as_str(), "checkout");
/// assert_eq!(resource.get(&"team".into()).unwrap().as_str(), "a");
/// # Ok::<(), wasi_otel_host::otlp::config::ConfigError>(())
/// ```
pub fn resource(config: &OtlpConfig, default_service: &str) -> Resource {
    let from_attributes = config
        .resource_attributes
        .iter()
        .find(|(k, _)| k == "service.name")
        .map(|(_, v)| v.clone());
    let service = config
        .service_name
        .clone()
        .or(from_attributes)
        .unwrap_or_else(|| default_service.to_string());
    Resource::builder_empty()
        .with_detector(Box::new(TelemetryResourceDetector))
        .with_attributes(
            config
                .resource_attributes
                .iter()
                .map(|(k, v)| opentelemetry::KeyValue::new(k.clone(), v.clone())),
        )
        .with_service_name(service)
        .build()
}

/// Where each signal goes, for messages (e.g. `http/protobuf to http://…`).
type Destinations = HashMap<Signal, String>;

/// A pipeline under construction: the processors and exporters the
/// embedder wants.
pub struct PipelineBuilder {
    resource: Resource,
    spans: Vec<Box<dyn SpanProcessor>>,
    logs: opentelemetry_sdk::logs::LoggerProviderBuilder,
    metrics: Vec<Box<dyn MetricsExporter>>,
    destinations: Destinations,
    failures: HashMap<Signal, Failures>,
    runtime: Option<tokio::runtime::Runtime>,
    limits: Limits,
}

impl PipelineBuilder {
    /// Applies `limits` to what guests send (by default
    /// [`Limits::default`]; [`with_otlp`](Self::with_otlp) takes the
    /// configuration's, from the `OTEL_*_LIMIT` variables).
    ///
    /// ```
    /// use wasi_otel_host::convert::limits::Limits;
    /// use wasi_otel_host::opentelemetry_sdk::Resource;
    /// let limits = Limits::from_lookup(|v| (v == "OTEL_ATTRIBUTE_COUNT_LIMIT").then(|| "16".into()))?;
    /// let pipeline = wasi_otel_host::Pipeline::builder(Resource::builder_empty().build())
    ///     .with_limits(limits)
    ///     .build();
    /// # drop(pipeline);
    /// # Ok::<(), wasi_otel_host::otlp::config::ConfigError>(())
    /// ```
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Adds a span processor (it is given the pipeline's resource).
    pub fn with_span_processor(mut self, mut processor: impl SpanProcessor + 'static) -> Self {
        processor.set_resource(&self.resource);
        self.spans.push(Box::new(processor));
        self
    }

    /// Adds a log processor.
    pub fn with_log_processor(mut self, processor: impl LogProcessor + 'static) -> Self {
        self.logs = self.logs.with_log_processor(processor);
        self
    }

    /// Adds a destination of metric export requests.
    pub fn with_metrics_exporter(mut self, exporter: impl MetricsExporter) -> Self {
        self.metrics.push(Box::new(exporter));
        self
    }

    /// Adds batch processors in front of `opentelemetry-otlp`'s exporters,
    /// and the metrics client, as `config` says. Each batch goes out as
    /// requests of at most [`MAX_BATCH_BYTES`](crate::otlp::reporting::MAX_BATCH_BYTES),
    /// and every span, log record and metric point these lose (a full
    /// queue, a failed export) is counted in the [`ExportReport`] of the
    /// next flush ([`reporting`](crate::otlp::reporting)). gRPC gets a Tokio runtime of
    /// the pipeline's own (the tonic exporters are built and run on it).
    pub fn with_otlp(mut self, config: &OtlpConfig) -> Result<Self, exporters::BuildError> {
        let grpc = Signal::ALL
            .iter()
            .any(|s| config.signal(*s).protocol == crate::otlp::config::Protocol::Grpc);
        if grpc && self.runtime.is_none() {
            self.runtime = Some(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .map_err(|e| exporters::BuildError::InternalFailure(e.to_string()))?,
            );
        }
        let entered = self.runtime.as_ref().map(|r| r.enter());
        let mut failures = |s| self.failures.entry(s).or_default().clone();
        let (traces, logs) = (failures(Signal::Traces), failures(Signal::Logs));
        let metrics = failures(Signal::Metrics);
        let to = exporters::destination;
        let spans = exporters::span_exporter(&config.traces)?;
        let spans = traces.batch_spans(spans, to(&config.traces));
        let logs_exporter = exporters::log_exporter(&config.logs)?;
        let logs = logs.batch_logs(logs_exporter, to(&config.logs));
        drop(entered);
        let client = MetricsClient::new(&config.metrics, self.runtime.as_ref())
            .map_err(exporters::BuildError::InternalFailure)?;
        let metrics = Reporting::new(client, &metrics, to(&config.metrics));
        let mut builder = self
            .with_limits(config.limits)
            .with_span_processor(spans)
            .with_log_processor(logs)
            .with_metrics_exporter(metrics);
        for s in Signal::ALL {
            builder = builder.with_destination(s, exporters::destination(config.signal(s)));
        }
        Ok(builder)
    }

    /// Adds batch processors in front of `exports`, which keeps every
    /// request in memory: requests cut and losses counted as
    /// [`with_otlp`](Self::with_otlp)'s are.
    pub fn with_memory(mut self, exports: &MemoryExporter) -> Self {
        let mut failures = |s| self.failures.entry(s).or_default().clone();
        let spans = failures(Signal::Traces).batch_spans(exports.clone(), "in memory");
        let logs = failures(Signal::Logs).batch_logs(exports.clone(), "in memory");
        self.with_span_processor(spans)
            .with_log_processor(logs)
            .with_metrics_exporter(exports.clone())
    }

    /// Names where `signal` goes, for failure messages.
    pub fn with_destination(mut self, signal: Signal, destination: String) -> Self {
        self.destinations.insert(signal, destination);
        self
    }

    /// The pipeline.
    pub fn build(self) -> Pipeline {
        let attributes = ResourceAttributesWithSchema::from(&self.resource);
        let proto_resource = ProtoResource {
            attributes: attributes.attributes.0,
            ..Default::default()
        };
        let logs = self.logs.with_resource(self.resource.clone()).build();
        Pipeline(Arc::new(Mutex::new(Inner {
            logs,
            proto_resource,
            spans: self.spans,
            loggers: HashMap::new(),
            metrics: self.metrics,
            pending: Vec::new(),
            pending_points: 0,
            ended: Ended::default(),
            drops: Drops::default(),
            destinations: self.destinations,
            failures: self.failures,
            limits: self.limits,
            _runtime: self.runtime,
        })))
    }
}

/// The OpenTelemetry pipeline (see the module docs); clones share it.
#[derive(Clone)]
pub struct Pipeline(Arc<Mutex<Inner>>);

struct Inner {
    proto_resource: ProtoResource,
    spans: Vec<Box<dyn SpanProcessor>>,
    logs: SdkLoggerProvider,
    loggers: HashMap<InstrumentationScope, SdkLogger>,
    metrics: Vec<Box<dyn MetricsExporter>>,
    pending: Vec<ExportMetricsServiceRequest>,
    /// Data points in `pending`.
    pending_points: usize,
    ended: Ended,
    drops: Drops,
    destinations: Destinations,
    failures: HashMap<Signal, Failures>,
    limits: Limits,
    // Last: the gRPC exporters above run on it until they are dropped.
    _runtime: Option<tokio::runtime::Runtime>,
}

impl Pipeline {
    /// An empty pipeline for `resource`: add processors and exporters.
    pub fn builder(resource: Resource) -> PipelineBuilder {
        PipelineBuilder {
            resource,
            spans: Vec::new(),
            logs: SdkLoggerProvider::builder(),
            metrics: Vec::new(),
            destinations: HashMap::new(),
            failures: HashMap::new(),
            runtime: None,
            limits: Limits::default(),
        }
    }

    /// A pipeline exporting over OTLP as `config` says
    /// ([`PipelineBuilder::with_otlp`]).
    pub fn otlp(
        config: &OtlpConfig,
        resource: Resource,
    ) -> Result<Pipeline, exporters::BuildError> {
        Ok(Pipeline::builder(resource).with_otlp(config)?.build())
    }

    /// A pipeline keeping every request in `exports`
    /// ([`PipelineBuilder::with_memory`]).
    pub fn memory(exports: &MemoryExporter, resource: Resource) -> Pipeline {
        Pipeline::builder(resource).with_memory(exports).build()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every update below completes or leaves the previous state whole.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exports everything received so far, and says what failed.
    pub fn force_flush(&self) -> ExportReport {
        let mut inner = self.lock();
        let mut report = ExportReport::default();
        inner.each_processor(&mut report, |p| p.force_flush(), |l| l.force_flush());
        let metrics = inner.send_metrics().err();
        inner.report(&mut report, Signal::Metrics, metrics);
        report
    }

    /// Flushes, then shuts every processor and exporter down.
    pub fn shutdown(&self) -> ExportReport {
        let mut report = self.force_flush();
        let inner = self.lock();
        let mut shut = ExportReport::default();
        inner.each_processor(&mut shut, |p| p.shutdown(), |l| l.shutdown());
        // A signal the flush already reported is not reported twice, but
        // for what shutting down lost.
        shut.failures
            .retain(|f| f.lost > 0 || !report.failures.iter().any(|r| r.signal == f.signal));
        report.failures.extend(shut.failures);
        report
    }

    /// What the guests sent that was dropped or changed, so far.
    pub fn drops(&self) -> Drops {
        self.lock().drops
    }
}

impl Inner {
    /// Runs `spans` on every span processor (all of them, whatever fails)
    /// and `logs` on the logger provider, adding their failures to `report`.
    fn each_processor(
        &self,
        report: &mut ExportReport,
        spans: impl Fn(&dyn SpanProcessor) -> OTelSdkResult,
        logs: impl FnOnce(&SdkLoggerProvider) -> OTelSdkResult,
    ) {
        let results: Vec<OTelSdkResult> = self.spans.iter().map(|p| spans(p.as_ref())).collect();
        self.report(
            report,
            Signal::Traces,
            results.into_iter().find_map(Result::err),
        );
        let logs = logs(&self.logs).err();
        self.report(report, Signal::Logs, logs);
    }

    /// Adds `signal`'s losses to `report`: what its counted exporters lost
    /// since the last report (failed exports in the exporter's own words, a
    /// full queue's drops), and the error a processor returned unless a
    /// failed export already says it.
    fn report(&self, report: &mut ExportReport, signal: Signal, returned: Option<impl ToString>) {
        // The exporters' words for a refused connection name no cause.
        let explained = |error: String| {
            if error.contains("network error") || error.contains("tcp connect error") {
                format!("{} (no OTLP receiver answered at that address)", error)
            } else {
                error
            }
        };
        let losses = self
            .failures
            .get(&signal)
            .map(Failures::take)
            .unwrap_or_default();
        let exported = losses.iter().any(|l| l.export);
        for loss in losses {
            report.failures.push(ExportFailure {
                signal,
                destination: Some(loss.destination),
                error: explained(loss.reason),
                lost: loss.lost,
            });
        }
        if let (false, Some(e)) = (exported, returned) {
            report.failures.push(ExportFailure {
                signal,
                destination: self.destinations.get(&signal).cloned(),
                error: explained(e.to_string()),
                lost: 0,
            });
        }
    }

    /// Sends the pending metric requests; those that fail are dropped (their
    /// failure is what the caller reports), so a dead endpoint cannot make
    /// them pile up.
    fn send_metrics(&mut self) -> Result<(), String> {
        let pending = std::mem::take(&mut self.pending);
        self.pending_points = 0;
        let mut first_error = None;
        for exporter in &mut self.metrics {
            for request in &pending {
                if let Err(e) = exporter.export(request) {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The logger of `scope`, made when needed; the table starts over
    /// rather than grow past [`MAX_LOG_SCOPES`].
    fn logger(&mut self, scope: InstrumentationScope) -> &SdkLogger {
        if self.loggers.len() >= MAX_LOG_SCOPES && !self.loggers.contains_key(&scope) {
            self.loggers.clear();
        }
        let provider = &self.logs;
        self.loggers
            .entry(scope.clone())
            .or_insert_with(|| provider.logger_with_scope(scope))
    }
}

impl TelemetrySink for Pipeline {
    fn span_ended(&mut self, span: tracing::SpanData) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let limits = inner.limits;
        let Some(data) =
            convert::spans::span_data(span, &limits, &mut inner.ended, &mut inner.drops)
        else {
            return;
        };
        if let Some((last, rest)) = inner.spans.split_last() {
            for p in rest {
                p.on_end(data.clone());
            }
            last.on_end(data);
        }
    }

    fn log_emitted(&mut self, record: logs::LogRecord) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let scope = match &record.instrumentation_scope {
            Some(s) => {
                let length = inner.limits.log_attribute_value_length;
                convert::spans::scope(s, &inner.limits, length, &mut inner.drops)
            }
            None => InstrumentationScope::builder(DEFAULT_LOG_SCOPE).build(),
        };
        let (mut drops, limits) = (inner.drops, inner.limits);
        convert::logs::emit(inner.logger(scope), record, &limits, &mut drops);
        inner.drops = drops;
    }

    fn metrics_exported(&mut self, m: metrics::ResourceMetrics) -> Result<(), String> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let request = metrics_request(&m, &inner.proto_resource, &inner.limits, &mut inner.drops);
        drop(m);
        inner.pending_points += split::points(&request);
        inner
            .pending
            .extend(split::split(request, split::MAX_REQUEST_BYTES));
        if inner.pending.len() >= MAX_PENDING_METRICS || inner.pending_points >= MAX_PENDING_POINTS
        {
            inner.send_metrics()?;
        }
        Ok(())
    }

    fn refused(&mut self, refusal: Refusal) {
        match refusal {
            Refusal::HostSpan => self.lock().drops.host_spans_refused += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_log_scopes_never_grow_the_loggers_past_the_bound() {
        let mut pipeline = Pipeline::builder(Resource::builder_empty().build()).build();
        for i in 0..3 * MAX_LOG_SCOPES {
            pipeline.log_emitted(logs::LogRecord {
                timestamp: None,
                observed_timestamp: None,
                severity_text: None,
                severity_number: None,
                body: None,
                attributes: None,
                event_name: None,
                resource: None,
                instrumentation_scope: Some(crate::types::InstrumentationScope {
                    name: format!("scope-{}", i),
                    version: None,
                    schema_url: None,
                    attributes: Vec::new(),
                }),
                trace_id: None,
                span_id: None,
                trace_flags: None,
            });
            assert!(pipeline.lock().loggers.len() <= MAX_LOG_SCOPES);
        }
    }
}
