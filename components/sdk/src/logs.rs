//! The exported `logs` interface: a logger turns each record into a
//! `wasi:otel` log record, with the trace and span id of the span it belongs
//! to, and reports it at once.

use crate::clock;
use crate::context;
use crate::convert;
use crate::exports::wrr::otel::logs::{Guest, GuestLogger, LogContext, LogRecord, OtelError};
use crate::spans::SpanImpl;
use crate::store::ProviderRef;
use crate::wasi::otel::logs::{self as wasi, on_emit};
use crate::wasi::otel::types::InstrumentationScope;
use crate::Component;

/// The implementation of the `logger` resource.
pub(crate) struct LoggerImpl {
    provider: ProviderRef,
    scope: InstrumentationScope,
}

impl LoggerImpl {
    pub(crate) fn new(provider: ProviderRef, scope: InstrumentationScope) -> Self {
        LoggerImpl { provider, scope }
    }
}

impl GuestLogger for LoggerImpl {
    fn emit(&self, record: LogRecord<'_>) -> Result<(), OtelError> {
        if self.provider.shared.is_shut_down() {
            return Err(OtelError::ShutDown);
        }
        if record.severity_number > 24 {
            return Err(OtelError::Invalid(format!(
                "severity number {} is above 24",
                record.severity_number
            )));
        }
        let span = match record.context {
            LogContext::Current => context::current(),
            LogContext::Span(span) => Some(span.get::<SpanImpl>().identity().context.clone()),
            LogContext::Context(c) => Some(c),
            LogContext::None => None,
        };
        if self.provider.shared.silent {
            return Ok(());
        }
        let data = wasi::LogRecord {
            timestamp: record.timestamp,
            observed_timestamp: Some(clock::or_now(record.observed_timestamp)),
            severity_text: record.severity_text,
            severity_number: (record.severity_number > 0).then_some(record.severity_number),
            body: record.body.as_ref().map(crate::json::encode),
            attributes: Some(convert::key_values(&record.attributes)),
            event_name: record.event_name,
            resource: Some(self.provider.shared.resource.clone()),
            instrumentation_scope: Some(self.scope.clone()),
            trace_id: span.as_ref().map(|c| crate::ids::trace_hex(c.trace_id)),
            span_id: span.as_ref().map(|c| crate::ids::span_hex(c.span_id)),
            trace_flags: span.as_ref().map(convert::flags),
        };
        on_emit(&data);
        Ok(())
    }
}

impl Guest for Component {
    type Logger = LoggerImpl;
}
