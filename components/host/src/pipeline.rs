//! The OpenTelemetry pipeline guests report into: each span that ends goes
//! to the SDK's span processors (a `BatchSpanProcessor` in front of
//! `opentelemetry-otlp`'s `SpanExporter`), each log record to an
//! `SdkLoggerProvider` (batch processor, `LogExporter`), and each metric
//! export to a [`MetricsExporter`](crate::otlp::metrics_client::MetricsExporter).
//!
//! A [`Pipeline`] is a handle: clones share one pipeline, so every store of
//! an embedder (one per instance, say) can report into the same processors.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry::logs::LoggerProvider as _;
use opentelemetry::InstrumentationScope;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{BatchLogProcessor, LogProcessor, SdkLogger, SdkLoggerProvider};
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SpanProcessor};
use opentelemetry_sdk::Resource;

use crate::bindings::sdk::wasi::otel::{logs, metrics, tracing};
use crate::convert::{self, spans::Ended, Drops};
use crate::otlp::config::{OtlpConfig, Signal};
use crate::otlp::memory::MemoryExporter;
use crate::otlp::metrics_client::{MetricsClient, MetricsExporter};
use crate::otlp::reporting::{Failures, Reporting};
use crate::otlp::{exporters, metrics as metrics_request};
use crate::sink::TelemetrySink;

/// Metric export requests kept before a flush sends them anyway.
const MAX_PENDING_METRICS: usize = 64;

/// The host's resource: the SDK's `telemetry.sdk.*` attributes,
/// `OTEL_RESOURCE_ATTRIBUTES`, and `service.name` from `OTEL_SERVICE_NAME`
/// (else `OTEL_RESOURCE_ATTRIBUTES`, else `default_service`).
///
/// ```
/// use telemetry_host::otlp::config::OtlpConfig;
/// let config = OtlpConfig::from_lookup(|v| (v == "OTEL_RESOURCE_ATTRIBUTES").then(|| "team=a".into()))?;
/// let resource = telemetry_host::resource(&config, "checkout");
/// assert_eq!(resource.get(&"service.name".into()).unwrap().as_str(), "checkout");
/// assert_eq!(resource.get(&"team".into()).unwrap().as_str(), "a");
/// # Ok::<(), telemetry_host::otlp::config::ConfigError>(())
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
}

impl PipelineBuilder {
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
    /// and the metrics client, as `config` says. gRPC gets a Tokio runtime of
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
        let spans = exporters::span_exporter(&config.traces)?;
        let spans = BatchSpanProcessor::builder(Reporting::new(spans, &traces)).build();
        let logs_exporter = exporters::log_exporter(&config.logs)?;
        let logs = BatchLogProcessor::builder(Reporting::new(logs_exporter, &logs)).build();
        drop(entered);
        let metrics = MetricsClient::new(&config.metrics, self.runtime.as_ref())
            .map_err(exporters::BuildError::InternalFailure)?;
        let mut builder = self
            .with_span_processor(spans)
            .with_log_processor(logs)
            .with_metrics_exporter(metrics);
        for s in Signal::ALL {
            let c = config.signal(s);
            builder =
                builder.with_destination(s, format!("{} to {}", c.protocol.name(), c.endpoint));
        }
        Ok(builder)
    }

    /// Adds batch processors in front of `exports`, which keeps every
    /// request in memory.
    pub fn with_memory(self, exports: &MemoryExporter) -> Self {
        self.with_span_processor(BatchSpanProcessor::builder(exports.clone()).build())
            .with_log_processor(BatchLogProcessor::builder(exports.clone()).build())
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
        Pipeline(Arc::new(Mutex::new(Inner {
            logs: self.logs.with_resource(self.resource.clone()).build(),
            proto_resource,
            spans: self.spans,
            loggers: HashMap::new(),
            metrics: self.metrics,
            pending: Vec::new(),
            ended: Ended::default(),
            drops: Drops::default(),
            destinations: self.destinations,
            failures: self.failures,
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
    ended: Ended,
    drops: Drops,
    destinations: Destinations,
    failures: HashMap<Signal, Failures>,
    // Last: the gRPC exporters above run on it until they are dropped.
    _runtime: Option<tokio::runtime::Runtime>,
}

/// One signal that did not reach its destination.
#[derive(Clone, Debug)]
pub struct ExportFailure {
    /// Which signal.
    pub signal: Signal,
    /// Where it was going (protocol and endpoint), if known.
    pub destination: Option<String>,
    /// What the exporter said.
    pub error: String,
}

/// What a flush or shutdown achieved: the signals that failed, if any.
#[derive(Clone, Debug, Default)]
pub struct ExportReport {
    /// One entry per failed signal.
    pub failures: Vec<ExportFailure>,
}

impl ExportReport {
    /// `Ok` when every signal was exported.
    pub fn into_result(self) -> Result<(), ExportReport> {
        if self.failures.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for ExportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, failure) in self.failures.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{} were not exported", failure.signal)?;
            if let Some(d) = &failure.destination {
                write!(f, " ({})", d)?;
            }
            write!(f, ": {}", failure.error)?;
        }
        Ok(())
    }
}

impl std::error::Error for ExportReport {}

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
        // A signal the flush already reported is not reported twice.
        shut.failures
            .retain(|f| !report.failures.iter().any(|r| r.signal == f.signal));
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

    /// Adds `signal`'s failure to `report`: what its exporter recorded since
    /// the last report (the exporter's own words), else the error a
    /// processor returned.
    fn report(&self, report: &mut ExportReport, signal: Signal, returned: Option<impl ToString>) {
        let recorded = self
            .failures
            .get(&signal)
            .map(Failures::take)
            .unwrap_or_default();
        let error = match (recorded.first(), returned) {
            (Some(first), _) if recorded.len() > 1 => {
                format!("{} (and {} more failed exports)", first, recorded.len() - 1)
            }
            (Some(first), _) => first.clone(),
            (None, Some(e)) => e.to_string(),
            (None, None) => return,
        };
        // The exporters' words for a refused connection name no cause.
        let error = if error.contains("network error") || error.contains("tcp connect error") {
            format!("{} (no OTLP receiver answered at that address)", error)
        } else {
            error
        };
        report.failures.push(ExportFailure {
            signal,
            destination: self.destinations.get(&signal).cloned(),
            error,
        });
    }

    /// Sends the pending metric requests; those that fail are dropped (their
    /// failure is what the caller reports), so a dead endpoint cannot make
    /// them pile up.
    fn send_metrics(&mut self) -> Result<(), String> {
        let pending = std::mem::take(&mut self.pending);
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

    fn logger(&mut self, scope: InstrumentationScope) -> &SdkLogger {
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
        let Some(data) = convert::spans::span_data(span, &mut inner.ended, &mut inner.drops) else {
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
            Some(s) => convert::spans::scope(s, &mut inner.drops),
            None => InstrumentationScope::builder("wasi:otel").build(),
        };
        let mut drops = inner.drops;
        convert::logs::emit(inner.logger(scope), record, &mut drops);
        inner.drops = drops;
    }

    fn metrics_exported(&mut self, m: metrics::ResourceMetrics) -> Result<(), String> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let request = metrics_request(&m, &inner.proto_resource, &mut inner.drops);
        inner.pending.push(request);
        if inner.pending.len() >= MAX_PENDING_METRICS {
            inner.send_metrics()?;
        }
        Ok(())
    }
}
