//! `wasi:otel` log records as records of the OpenTelemetry SDK's `Logger`.
//!
//! The SDK takes a record's severity text and event name as
//! `&'static str`. The standard severity texts (`TRACE` to `FATAL4`) map to
//! the SDK's own; other texts and event names are interned, a bounded
//! number of them ([`MAX_INTERNED`] of at most [`MAX_INTERNED_LEN`]
//! bytes) for the process's life. Past that bound, a record keeps the text
//! as an attribute instead (`log.severity_text`, `event.name`).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, Severity};
use opentelemetry::Key;
use opentelemetry_sdk::logs::SdkLogger;

use super::limits::{self, Budget, Limits};
use super::values::{any_value, cut_any_value, Read};
use super::{spans, system_time, Drops};
use crate::logs as wasi;

/// How many distinct severity texts and event names are interned at most.
pub const MAX_INTERNED: usize = 1024;
/// The longest text interned.
pub const MAX_INTERNED_LEN: usize = 128;

const SEVERITIES: [Severity; 24] = [
    Severity::Trace,
    Severity::Trace2,
    Severity::Trace3,
    Severity::Trace4,
    Severity::Debug,
    Severity::Debug2,
    Severity::Debug3,
    Severity::Debug4,
    Severity::Info,
    Severity::Info2,
    Severity::Info3,
    Severity::Info4,
    Severity::Warn,
    Severity::Warn2,
    Severity::Warn3,
    Severity::Warn4,
    Severity::Error,
    Severity::Error2,
    Severity::Error3,
    Severity::Error4,
    Severity::Fatal,
    Severity::Fatal2,
    Severity::Fatal3,
    Severity::Fatal4,
];

/// `text` as a `&'static str`: a standard severity name, or an interned
/// copy; `None` past the bound.
pub(crate) fn intern(text: &str) -> Option<&'static str> {
    if let Some(s) = SEVERITIES.iter().find(|s| s.name() == text) {
        return Some(s.name());
    }
    if text.len() > MAX_INTERNED_LEN {
        return None;
    }
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(s) = table.get(text) {
        return Some(s);
    }
    if table.len() >= MAX_INTERNED {
        return None;
    }
    // Bounded above: at most MAX_INTERNED × MAX_INTERNED_LEN bytes, once.
    let leaked: &'static str = Box::leak(text.to_string().into_boxed_str());
    table.insert(leaked);
    Some(leaked)
}

fn value(json: &str, drops: &mut Drops) -> AnyValue {
    match any_value(json) {
        Read::Typed(v) => v,
        Read::AsText(v) => {
            drops.not_json += 1;
            v
        }
    }
}

/// Emits `r` through `logger` (the logger of the record's scope).
pub(crate) fn emit(logger: &SdkLogger, r: wasi::LogRecord, limits: &Limits, drops: &mut Drops) {
    let length = limits.log_attribute_value_length;
    let mut budget = Budget::new(limits);
    let mut record = logger.create_log_record();
    if let Some(t) = r.timestamp {
        record.set_timestamp(system_time(t));
    }
    if let Some(t) = r.observed_timestamp {
        record.set_observed_timestamp(system_time(t));
    }
    match r.severity_number {
        Some(n @ 1..=24) => record.set_severity_number(SEVERITIES[n as usize - 1]),
        Some(_) => drops.bad_severities += 1,
        None => {}
    }
    if let Some(text) = r.severity_text {
        match intern(&text) {
            Some(t) => record.set_severity_text(t),
            None => {
                let text = limits::cut(text, length, &mut drops.truncated);
                record.add_attribute("log.severity_text", text)
            }
        }
    }
    if let Some(name) = r.event_name {
        match intern(&name) {
            Some(n) => record.set_event_name(n),
            None => {
                let name = limits::cut(name, length, &mut drops.truncated);
                record.add_attribute("event.name", name)
            }
        }
    }
    if let Some(body) = &r.body {
        let (value, size) = cut_any_value(value(body, drops), length, &mut drops.truncated);
        if budget.take(size) {
            record.set_body(value);
        } else {
            // Too large even with each text cut (a list of a million
            // items, say): its text's beginning, as a string.
            let text = limits::cut(body.clone(), length, &mut drops.truncated);
            budget.take(text.len());
            record.set_body(AnyValue::String(text.into()));
        }
    }
    let attributes = r.attributes.unwrap_or_default();
    let mut kept = 0;
    for kv in attributes.iter().take(limits.log_attribute_count) {
        let mut truncated = 0;
        let (v, size) = cut_any_value(value(&kv.value, drops), length, &mut truncated);
        if !budget.take(kv.key.len() + size) {
            break;
        }
        drops.truncated += truncated;
        kept += 1;
        record.add_attribute(Key::from(kv.key.clone()), v);
    }
    drops.over_limits += (attributes.len() - kept) as u64;
    if let (Some(trace), Some(span)) = (&r.trace_id, &r.span_id) {
        let context = crate::tracing::SpanContext {
            trace_id: trace.clone(),
            span_id: span.clone(),
            trace_flags: r.trace_flags.unwrap_or(wasi::TraceFlags::empty()),
            is_remote: false,
            trace_state: Vec::new(),
        };
        match spans::context(&context, drops) {
            Some(c) => record.set_trace_context(c.trace_id(), c.span_id(), Some(c.trace_flags())),
            None => drops.bad_log_ids += 1,
        }
    }
    logger.emit(record);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_texts_are_the_sdks_and_others_are_interned_once() {
        assert!(std::ptr::eq(intern("INFO").unwrap(), Severity::Info.name()));
        let a = intern("checkout.done").unwrap();
        let b = intern("checkout.done").unwrap();
        assert!(std::ptr::eq(a, b));
        assert_eq!(intern(&"x".repeat(MAX_INTERNED_LEN + 1)), None);
    }
}
