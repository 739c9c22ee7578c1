//! Logs: upstream `rust/src/logs/{processor,conversion}.rs`.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};

use super::tracing::trace_flags;
use super::{datetime, resource, scope};
use crate::bindings::wasi::otel::{logs, types};

/// A log-record body or attribute value as JSON text (upstream
/// `AnyValueWrapper`): bytes become a `data:application/octet-stream;base64,`
/// string, lists arrays, maps objects. (Upstream writes map entries in the
/// map's own order; serde_json's `Value` sorts them. Same JSON value.)
fn any_value_json(value: &opentelemetry::logs::AnyValue) -> serde_json::Value {
    use base64::Engine;
    use opentelemetry::logs::AnyValue;
    use serde_json::Value as Json;
    match value {
        AnyValue::Boolean(v) => Json::from(*v),
        AnyValue::Int(v) => Json::from(*v),
        AnyValue::Double(v) => Json::from(*v),
        AnyValue::String(v) => Json::from(v.as_str()),
        AnyValue::Bytes(bytes) => Json::from(format!(
            "data:application/octet-stream;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes.as_slice())
        )),
        AnyValue::ListAny(list) => list.iter().map(any_value_json).collect(),
        AnyValue::Map(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.to_string(), any_value_json(v)))
                .collect(),
        ),
        _ => unimplemented!(),
    }
}

/// Upstream `to_wasi_log_record`. `attributes` is always `some` (an empty
/// list when there are none); scope always `some`; `resource` is the one
/// given to the processor (not the provider's); `timestamp` only if the app
/// set one, `observed-timestamp` is set by the SDK at emit. The trace
/// context is the SDK's: that of whatever span is active in the current
/// context (a non-recording one, or the outer remote context itself,
/// included), ids again with `{:x}`.
fn log_record_to_wit(
    record: &opentelemetry_sdk::logs::SdkLogRecord,
    instrumentation_scope: &opentelemetry::InstrumentationScope,
    res: Option<&opentelemetry_sdk::Resource>,
) -> logs::LogRecord {
    let (trace_id, span_id, flags) = match record.trace_context() {
        Some(tc) => (
            Some(format!("{:x}", tc.trace_id)),
            Some(format!("{:x}", tc.span_id)),
            tc.trace_flags.map(trace_flags),
        ),
        None => (None, None, None),
    };
    logs::LogRecord {
        timestamp: record.timestamp().map(datetime),
        observed_timestamp: record.observed_timestamp().map(datetime),
        severity_text: record.severity_text().map(|s| s.to_string()),
        severity_number: record.severity_number().map(|s| s as u8),
        body: record.body().map(|b| any_value_json(b).to_string()),
        attributes: Some(
            record
                .attributes_iter()
                .map(|(k, v)| types::KeyValue {
                    key: k.to_string(),
                    value: any_value_json(v).to_string(),
                })
                .collect(),
        ),
        event_name: record.event_name().map(|s| s.to_string()),
        resource: res.map(resource),
        instrumentation_scope: Some(scope(instrumentation_scope)),
        trace_id,
        span_id,
        trace_flags: flags,
    }
}

/// Upstream `WasiLogProcessor`: one `on-emit` per record, synchronously.
/// Like upstream it keeps its own optional resource (upstream does not
/// override `set_resource`, so the provider's is not used).
#[derive(Debug)]
pub struct WasiLogProcessor {
    is_shutdown: AtomicBool,
    resource: Option<opentelemetry_sdk::Resource>,
}

impl WasiLogProcessor {
    pub fn new(resource: Option<opentelemetry_sdk::Resource>) -> Self {
        Self {
            is_shutdown: AtomicBool::new(false),
            resource,
        }
    }
}

impl opentelemetry_sdk::logs::LogProcessor for WasiLogProcessor {
    // Upstream does not check `is_shutdown` here; the SDK's logger stops
    // calling processors once its provider is shut down.
    fn emit(
        &self,
        record: &mut opentelemetry_sdk::logs::SdkLogRecord,
        instrumentation_scope: &opentelemetry::InstrumentationScope,
    ) {
        logs::on_emit(&log_record_to_wit(
            record,
            instrumentation_scope,
            self.resource.as_ref(),
        ));
    }

    fn force_flush(&self) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        let result = self.force_flush();
        if self.is_shutdown.swap(true, Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        result
    }
}
