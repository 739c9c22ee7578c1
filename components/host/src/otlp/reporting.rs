//! Exporters that also keep their failures for the pipeline's report.
//!
//! The SDK's batch processors log an export failure through the SDK's
//! internal logs (silent unless the embedder installs a subscriber), and a
//! batch exported from the processor's own thread before a flush fails
//! without the flush seeing it. Wrapping the exporter records every failed
//! export where it happens, so a flush reports each one to the user.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use opentelemetry::logs::Severity;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

/// Failed exports since the last [`take`](Failures::take); clones share them.
#[derive(Clone, Debug, Default)]
pub struct Failures(Arc<Mutex<Vec<String>>>);

impl Failures {
    fn push(&self, error: String) {
        self.lock().push(error);
    }

    /// The failures recorded so far; the list starts empty again.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        // A push or a swap cannot leave the list half-written.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `E`, recording its failed exports in [`Failures`].
#[derive(Debug)]
pub struct Reporting<E> {
    inner: E,
    failures: Failures,
}

impl<E> Reporting<E> {
    /// Wraps `inner`; its failures go to `failures`.
    pub fn new(inner: E, failures: &Failures) -> Self {
        Reporting {
            inner,
            failures: failures.clone(),
        }
    }

    fn record(&self, result: OTelSdkResult) -> OTelSdkResult {
        if let Err(e) = &result {
            self.failures.push(e.to_string());
        }
        result
    }
}

impl<E: SpanExporter> SpanExporter for Reporting<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.record(self.inner.export(batch).await)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource)
    }
}

impl<E: LogExporter> LogExporter for Reporting<E> {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        self.record(self.inner.export(batch).await)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn event_enabled(&self, level: Severity, target: &str, name: Option<&str>) -> bool {
        self.inner.event_enabled(level, target, name)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource)
    }
}
