//! Batches cut to a size every receiver takes.
//!
//! The SDK's batch processors hand their exporter up to 512 spans or log
//! records at a time, whatever their size. OTLP receivers refuse large
//! messages whole (gRPC's usual limit is 4 MiB, and OTLP/JSON is two to
//! three times the size of protobuf), legitimate items included. So a batch
//! is cut into runs whose estimated protobuf size is at most
//! [`MAX_BATCH_BYTES`], each exported as one request.
//!
//! The estimate is read from the SDK's own types, without encoding: the
//! text and bytes an item carries, plus a fixed allowance per item, per
//! attribute and per nested value that is at least what protobuf's tags
//! and length prefixes take. It is never below the encoded size (the tests
//! below check it against `opentelemetry-proto`'s encoding), and can be
//! well above it for items of many small values.

use std::ops::Range;

use opentelemetry::logs::AnyValue;
use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::logs::SdkLogRecord;
use opentelemetry_sdk::trace::SpanData;
use opentelemetry_sdk::Resource;

/// The most protobuf bytes, estimated, that one span or log export request
/// carries: a quarter of a receiver's usual gRPC limit, so that the same
/// request as OTLP/JSON is under it too. A single item larger than this
/// goes alone.
pub const MAX_BATCH_BYTES: usize = 1 << 20;

/// A field's tag and length prefix, at most (a length prefix takes 5 bytes
/// up to 32 GiB).
const FIELD: usize = 6;

/// A span's fixed fields: ids, flags, kind, times, dropped counts, status
/// code, and the prefixes of its name, trace state and status message.
const SPAN: usize = 128;

/// An event's time, dropped count and prefixes.
const EVENT: usize = 32;

/// A link's ids, flags, dropped count and prefixes.
const LINK: usize = 64;

/// A log record's times, severity number, flags, ids and prefixes.
const LOG_RECORD: usize = 96;

/// A scope's (or resource's) envelope: the `ScopeSpans` or `ScopeLogs`
/// message around the scope, its prefixes, its schema URL's prefix.
const SCOPE: usize = 48;

/// The request's own envelope around the resource.
const REQUEST: usize = 48;

/// What one request may spend on items and scopes once `resource` is in it.
pub(crate) fn budget(resource: usize) -> usize {
    MAX_BATCH_BYTES.saturating_sub(resource + REQUEST)
}

/// `items` as consecutive runs whose estimated sizes add up to at most
/// `budget` each (a single larger item alone). `bytes` estimates one
/// item; `scope` names the scope an item goes under, and `scope_bytes` its
/// size, counted again at each change of scope within a run (the encoding
/// groups items by scope: counting a scope once per change is at least
/// what it takes).
pub(crate) fn cut<'a, T, K: PartialEq>(
    items: &'a [T],
    budget: usize,
    bytes: impl Fn(&T) -> usize,
    scope: impl Fn(&'a T) -> K,
    scope_bytes: impl Fn(&T) -> usize,
) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut used, mut last) = (0, 0, None);
    for (i, item) in items.iter().enumerate() {
        let key = scope(item);
        let new_scope = last.as_ref() != Some(&key);
        let mut needed = bytes(item) + if new_scope { scope_bytes(item) } else { 0 };
        if i > start && used + needed > budget {
            runs.push(start..i);
            (start, used) = (i, 0);
            if !new_scope {
                needed += scope_bytes(item);
            }
        }
        used += needed;
        last = Some(key);
    }
    if start < items.len() {
        runs.push(start..items.len());
    }
    runs
}

/// A span's estimated size.
pub(crate) fn span_bytes(s: &SpanData) -> usize {
    let events: usize = s
        .events
        .events
        .iter()
        .map(|e| EVENT + e.name.len() + attributes(&e.attributes))
        .sum();
    let links: usize = s
        .links
        .links
        .iter()
        .map(|l| LINK + l.span_context.trace_state().header().len() + attributes(&l.attributes))
        .sum();
    let status = match &s.status {
        opentelemetry::trace::Status::Error { description } => description.len(),
        _ => 0,
    };
    SPAN + s.name.len()
        + s.span_context.trace_state().header().len()
        + attributes(&s.attributes)
        + events
        + links
        + status
}

/// A log record's estimated size.
pub(crate) fn log_bytes(r: &SdkLogRecord) -> usize {
    let attributes: usize = r
        .attributes_iter()
        .map(|(k, v)| 3 * FIELD + k.as_str().len() + any_value(v))
        .sum();
    LOG_RECORD
        + attributes
        + r.body().map_or(0, any_value)
        + r.severity_text().map_or(0, str::len)
        + r.event_name().map_or(0, str::len)
}

/// A scope's estimated size, with the name that replaces its own (a log
/// record's target).
pub(crate) fn scope_bytes(s: &InstrumentationScope, target: Option<&str>) -> usize {
    SCOPE
        + s.name().len()
        + target.map_or(0, str::len)
        + s.version().map_or(0, str::len)
        + s.schema_url().map_or(0, str::len)
        + s.attributes().map(attribute).sum::<usize>()
}

/// A resource's estimated size.
pub(crate) fn resource_bytes(r: &Resource) -> usize {
    SCOPE
        + r.schema_url().map_or(0, str::len)
        + r.iter()
            .map(|(k, v)| 3 * FIELD + k.as_str().len() + value(v))
            .sum::<usize>()
}

fn attributes(kvs: &[KeyValue]) -> usize {
    kvs.iter().map(attribute).sum()
}

/// A `KeyValue`: its own prefix, its key's, its value's.
fn attribute(kv: &KeyValue) -> usize {
    3 * FIELD + kv.key.as_str().len() + value(&kv.value)
}

/// An `AnyValue`'s content: the variant's field and what it holds.
fn value(v: &Value) -> usize {
    match v {
        Value::Bool(_) => 2,
        Value::I64(_) => 11,
        Value::F64(_) => 9,
        Value::String(s) => FIELD + s.as_str().len(),
        Value::Array(a) => {
            FIELD
                + match a {
                    Array::Bool(v) => v.len() * (FIELD + 2),
                    Array::I64(v) => v.len() * (FIELD + 11),
                    Array::F64(v) => v.len() * (FIELD + 9),
                    Array::String(v) => v.iter().map(|s| 2 * FIELD + s.as_str().len()).sum(),
                    _ => 0,
                }
        }
        // A kind this crate does not know yet: its text, generously.
        other => 2 * FIELD + other.as_str().len(),
    }
}

/// A log `AnyValue`'s content, nested values included (walked with a stack
/// of its own: no recursion, however deep the value).
fn any_value(v: &AnyValue) -> usize {
    let mut total = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        total += match v {
            AnyValue::Int(_) => 11,
            AnyValue::Double(_) => 9,
            AnyValue::Boolean(_) => 2,
            AnyValue::String(s) => FIELD + s.as_str().len(),
            AnyValue::Bytes(b) => FIELD + b.len(),
            AnyValue::ListAny(list) => {
                stack.extend(list.iter());
                FIELD + list.len() * FIELD
            }
            AnyValue::Map(map) => {
                stack.extend(map.values());
                FIELD
                    + map
                        .keys()
                        .map(|k| 3 * FIELD + k.as_str().len())
                        .sum::<usize>()
            }
            // A kind this crate does not know yet: its debug text, generously.
            other => 2 * FIELD + format!("{:?}", other).len(),
        };
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::SystemTime;

    use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
    use opentelemetry::trace::{
        Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry::Key;
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::logs::tonic::group_logs_by_resource_and_scope;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::logs::{LogBatch, SdkLoggerProvider};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use prost::Message;

    fn context(i: u64) -> SpanContext {
        let state = TraceState::from_key_value([("vendor", "x".repeat(i as usize % 7))]).unwrap();
        SpanContext::new(
            TraceId::from(u128::from(i) + 1),
            SpanId::from(i + 1),
            TraceFlags::SAMPLED,
            false,
            state,
        )
    }

    fn kvs(i: usize, text: usize) -> Vec<KeyValue> {
        vec![
            KeyValue::new("text", "t".repeat(text)),
            KeyValue::new("int", -(i as i64)),
            KeyValue::new("float", i as f64 / 3.0),
            KeyValue::new("flag", i.is_multiple_of(2)),
            KeyValue::new(
                "texts",
                Value::Array(Array::String(vec!["a".into(), "bc".repeat(i % 5).into()])),
            ),
            KeyValue::new("ints", Value::Array(Array::I64(vec![i64::MIN; i % 4]))),
        ]
    }

    fn span(i: usize, text: usize, scope: &InstrumentationScope) -> SpanData {
        let mut events = SpanEvents::default();
        events.events = (0..i % 3)
            .map(|e| Event::new(format!("event {}", e), SystemTime::now(), kvs(e, 10), 3))
            .collect();
        events.dropped_count = u32::MAX;
        let mut links = SpanLinks::default();
        links.links = (0..i % 2)
            .map(|l| Link::new(context(l as u64 + 9), kvs(l, 3), u32::MAX))
            .collect();
        links.dropped_count = 1;
        SpanData {
            span_context: context(i as u64),
            parent_span_id: SpanId::from(7),
            parent_span_is_remote: i.is_multiple_of(2),
            span_kind: SpanKind::Server,
            name: format!("span {}", i).into(),
            start_time: SystemTime::UNIX_EPOCH,
            end_time: SystemTime::now(),
            attributes: kvs(i, text),
            dropped_attributes_count: u32::MAX,
            events,
            links,
            status: Status::error("x".repeat(i % 11)),
            instrumentation_scope: scope.clone(),
        }
    }

    fn scope(name: &str) -> InstrumentationScope {
        InstrumentationScope::builder(name.to_string())
            .with_version("1.2.3")
            .with_schema_url("https://opentelemetry.io/schemas/1.30.0")
            .with_attributes(kvs(1, 20))
            .build()
    }

    fn resource() -> Resource {
        Resource::builder_empty()
            .with_service_name("sizes")
            .with_attributes(kvs(3, 100))
            .build()
    }

    #[test]
    fn every_run_of_spans_encodes_within_its_budget() {
        let scopes = [scope("a"), scope("b")];
        let spans: Vec<SpanData> = (0..400)
            .map(|i| span(i, (i * 997) % 40_000, &scopes[i / 7 % 2]))
            .collect();
        let resource = resource();
        let budget = budget(resource_bytes(&resource));
        let runs = cut(
            &spans,
            budget,
            span_bytes,
            |s| &s.instrumentation_scope,
            |s| scope_bytes(&s.instrumentation_scope, None),
        );
        assert!(runs.len() > 3, "{} runs", runs.len());
        let mut next = 0;
        for run in runs {
            assert_eq!(run.start, next, "runs are consecutive");
            next = run.end;
            let request = ExportTraceServiceRequest {
                resource_spans: group_spans_by_resource_and_scope(
                    spans[run].to_vec(),
                    &ResourceAttributesWithSchema::from(&resource),
                ),
            };
            assert!(request.encoded_len() <= MAX_BATCH_BYTES);
        }
        assert_eq!(next, spans.len(), "every span in one run");
        for s in &spans {
            let encoded =
                opentelemetry_proto::tonic::trace::v1::Span::from(s.clone()).encoded_len();
            assert!(
                span_bytes(s) >= encoded + 6,
                "{} < {}",
                span_bytes(s),
                encoded
            );
        }
    }

    #[test]
    fn every_run_of_log_records_encodes_within_its_budget() {
        let provider = SdkLoggerProvider::builder().build();
        let logger = provider.logger("sizes");
        let records: Vec<SdkLogRecord> = (0..300)
            .map(|i| {
                let mut r = logger.create_log_record();
                r.set_observed_timestamp(SystemTime::now());
                r.set_severity_number(Severity::Warn);
                r.set_severity_text("WARN");
                r.set_event_name("checkout.done");
                let mut map = HashMap::new();
                map.insert(
                    Key::from("deep"),
                    AnyValue::ListAny(Box::new(vec![
                        AnyValue::Bytes(Box::new(vec![1; i % 13])),
                        AnyValue::Double(1.5),
                        AnyValue::String("s".repeat(i * 331 % 20_000).into()),
                    ])),
                );
                map.insert(Key::from("n"), AnyValue::Int(-1));
                r.set_body(AnyValue::Map(Box::new(map)));
                for kv in kvs(i, 50) {
                    r.add_attribute(kv.key, AnyValue::from(kv.value.as_str().into_owned()));
                }
                r.add_attribute("on", AnyValue::Boolean(true));
                r
            })
            .collect();
        let scopes = [scope("a"), scope("b")];
        let items: Vec<(&SdkLogRecord, &InstrumentationScope)> = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r, &scopes[i % 2]))
            .collect();
        let resource = resource();
        let runs = cut(
            &items,
            budget(resource_bytes(&resource)),
            |(r, _)| log_bytes(r),
            |(r, s)| (*s, r.target()),
            |(r, s)| scope_bytes(s, r.target().map(|t| t.as_ref())),
        );
        assert!(runs.len() > 1, "{} runs", runs.len());
        assert_eq!(runs.iter().map(|r| r.len()).sum::<usize>(), items.len());
        for run in runs {
            let batch = LogBatch::new(&items[run]);
            let request = ExportLogsServiceRequest {
                resource_logs: group_logs_by_resource_and_scope(
                    &batch,
                    &ResourceAttributesWithSchema::from(&resource),
                ),
            };
            assert!(request.encoded_len() <= MAX_BATCH_BYTES);
        }
        for r in &records {
            let encoded = opentelemetry_proto::tonic::logs::v1::LogRecord::from(r).encoded_len();
            assert!(
                log_bytes(r) >= encoded + 6,
                "{} < {}",
                log_bytes(r),
                encoded
            );
        }
    }

    #[test]
    fn a_single_large_item_goes_alone_and_small_ones_stay_together() {
        let sizes = [10, 2_000, 10, 10, 500, 500, 1];
        let runs = cut(&sizes, 1_000, |s| *s, |_| (), |_| 0);
        assert_eq!(runs, [0..1, 1..2, 2..5, 5..7]);
        assert!(cut(&[0usize; 0], 1_000, |s| *s, |_| (), |_| 0).is_empty());
    }
}
