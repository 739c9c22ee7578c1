//! Log records: a builder resource kept in a registry until `emit`.

use std::sync::{Arc, Mutex};

use wit_resource_registry::{Registration, ResourceRegistry};

use crate::clock::tick;
use crate::exports::wrr::telemetry::logs::{
    Guest, GuestLogRecord, LogData, LogRecord, Severity, SpanBorrow, TelemetryError,
};
use crate::wrr::telemetry::types::Attribute;
use crate::Component;

pub(crate) static LOG_RECORDS: ResourceRegistry<LogInner> = ResourceRegistry::with_limit(10_000);

#[derive(Clone)]
pub(crate) struct LogInner {
    severity: Severity,
    body: String,
    attributes: Vec<Attribute>,
    span: Option<u32>,
}

impl LogInner {
    fn into_data(self, id: u32, emitted: bool) -> LogData {
        LogData {
            id,
            severity: self.severity,
            body: self.body,
            attributes: self.attributes,
            span: self.span,
            at: tick(),
            emitted,
        }
    }
}

pub(crate) struct MyLogRecord {
    entry: Registration<'static, LogInner>,
}

impl MyLogRecord {
    fn with(&self, f: impl FnOnce(&mut LogInner)) {
        self.entry.with(f);
    }
}

impl GuestLogRecord for MyLogRecord {
    fn create(severity: Severity, body: String) -> Result<LogRecord, TelemetryError> {
        if crate::exporting::is_shut_down() {
            return Err(TelemetryError::ShutDown);
        }
        let inner = Arc::new(Mutex::new(LogInner {
            severity,
            body,
            attributes: Vec::new(),
            span: None,
        }));
        match LOG_RECORDS.register_guarded(inner) {
            Ok(entry) => Ok(LogRecord::new(MyLogRecord { entry })),
            Err(refused) => Err(crate::refused(refused.error())),
        }
    }

    fn set_attribute(&self, key: String, value: String) {
        self.with(|r| r.attributes.push(Attribute { key, value }));
    }

    fn set_span(&self, span: SpanBorrow<'_>) {
        let id = crate::spans::id_of(&span);
        self.with(|r| r.span = Some(id));
    }

    fn emit(this: LogRecord) -> LogData {
        let record: MyLogRecord = this.into_inner();
        let id = record.entry.key().into_raw();
        let data = match record.entry.take() {
            Ok(taken) => taken.into_owned().into_data(id, true),
            Err(_) => LogData {
                id,
                severity: Severity::Info,
                body: String::new(),
                attributes: Vec::new(),
                span: None,
                at: tick(),
                emitted: false,
            },
        };
        crate::exporting::emitted_log(data.clone());
        data
    }
}

impl Guest for Component {
    type LogRecord = MyLogRecord;
}

/// Takes every record never emitted, exactly once (shutdown).
pub(crate) fn drain_unemitted() -> Vec<LogData> {
    let mut out = Vec::new();
    LOG_RECORDS.drain_with(|key, taken| {
        out.push(taken.into_owned().into_data(key.into_raw(), false));
    });
    out
}
