//! An exporter that keeps each export request in memory, as the OTLP
//! exporters would have sent it: for the `--otlp FILE` output, the readable
//! tree, and tests. The spans and log records come from the SDK's batch
//! processors; they become OTLP with `opentelemetry-proto`'s own
//! transformations, as they do in `opentelemetry-otlp`.

use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::logs::tonic::group_logs_by_resource_and_scope;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

use super::metrics_client::MetricsExporter;
use super::Export;

/// Export requests kept in memory; clones share them.
///
/// ```
/// use wasi_otel_host::otlp::memory::MemoryExporter;
/// use wasi_otel_host::{resource, Pipeline};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let exports = MemoryExporter::default();
/// let config = wasi_otel_host::otlp::config::OtlpConfig::from_lookup(|_| None)?;
/// let mut pipeline = Pipeline::memory(&exports, resource(&config, "demo"));
/// // ... a store's WasiOtelCtx reports into the pipeline ...
/// pipeline.force_flush().into_result()?;
/// assert!(exports.take().is_empty());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryExporter {
    exports: Arc<Mutex<Vec<Export>>>,
    resource: Arc<Mutex<ResourceAttributesWithSchema>>,
}

impl MemoryExporter {
    /// Every request exported so far, in order; the list starts empty again.
    pub fn take(&self) -> Vec<Export> {
        std::mem::take(&mut *lock(&self.exports))
    }

    fn push(&self, export: Export) {
        lock(&self.exports).push(export);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A push or a swap cannot leave the value half-written.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SpanExporter for MemoryExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let resource_spans = group_spans_by_resource_and_scope(batch, &lock(&self.resource));
        self.push(Export::Traces(ExportTraceServiceRequest { resource_spans }));
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        *lock(&self.resource) = resource.into();
    }
}

impl LogExporter for MemoryExporter {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let resource_logs = group_logs_by_resource_and_scope(&batch, &lock(&self.resource));
        self.push(Export::Logs(ExportLogsServiceRequest { resource_logs }));
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        *lock(&self.resource) = resource.into();
    }
}

impl MetricsExporter for MemoryExporter {
    fn export(&mut self, request: &ExportMetricsServiceRequest) -> Result<(), String> {
        self.push(Export::Metrics(request.clone()));
        Ok(())
    }
}
