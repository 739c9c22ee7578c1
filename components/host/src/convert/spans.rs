//! `wasi:otel` spans as `opentelemetry_sdk::trace::SpanData`.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};

use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use super::values::key_values;
use super::{system_time, Drops};
use crate::bindings::sdk::wasi::otel::{tracing as wasi, types};

/// Attributes, events and links a span keeps at most (each; the
/// OpenTelemetry SDK's default span limit).
pub const MAX_ATTRIBUTES: usize = 128;

/// How many ended span ids a pipeline remembers to refuse a second end.
pub const RECENT_ENDS: usize = 4096;

/// Remembers the last [`RECENT_ENDS`] ended spans.
#[derive(Default)]
pub(crate) struct Ended {
    order: VecDeque<(TraceId, SpanId)>,
    set: HashSet<(TraceId, SpanId)>,
}

impl Ended {
    /// False when this span already ended.
    fn first_end(&mut self, id: (TraceId, SpanId)) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > RECENT_ENDS {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

fn trace_id(hex: &str) -> Option<TraceId> {
    (hex.len() == 32)
        .then(|| TraceId::from_hex(hex).ok())
        .flatten()
        .filter(|id| *id != TraceId::INVALID)
}

fn span_id(hex: &str) -> Option<SpanId> {
    (hex.len() == 16)
        .then(|| SpanId::from_hex(hex).ok())
        .flatten()
        .filter(|id| *id != SpanId::INVALID)
}

/// A `wasi:otel` span context; `None` when its ids name no span.
pub(crate) fn context(c: &wasi::SpanContext, drops: &mut Drops) -> Option<SpanContext> {
    let (trace, span) = (trace_id(&c.trace_id)?, span_id(&c.span_id)?);
    let flags = if c.trace_flags.contains(wasi::TraceFlags::SAMPLED) {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    let state =
        TraceState::from_key_value(c.trace_state.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .unwrap_or_else(|_| {
                drops.bad_trace_states += 1;
                TraceState::default()
            });
    Some(SpanContext::new(trace, span, flags, c.is_remote, state))
}

pub(crate) fn scope(s: &types::InstrumentationScope, drops: &mut Drops) -> InstrumentationScope {
    let (attributes, _) = key_values(&s.attributes, MAX_ATTRIBUTES, &mut drops.not_json);
    let mut builder = InstrumentationScope::builder(s.name.clone()).with_attributes(attributes);
    if let Some(v) = &s.version {
        builder = builder.with_version(v.clone());
    }
    if let Some(url) = &s.schema_url {
        builder = builder.with_schema_url(url.clone());
    }
    builder.build()
}

/// One ended span; `None` (counted) when it is dropped.
pub(crate) fn span_data(
    span: wasi::SpanData,
    ended: &mut Ended,
    drops: &mut Drops,
) -> Option<SpanData> {
    let Some(span_context) = context(&span.span_context, drops) else {
        drops.invalid_ids += 1;
        return None;
    };
    if !ended.first_end((span_context.trace_id(), span_context.span_id())) {
        drops.ended_twice += 1;
        return None;
    }
    let parent_span_id = match span.parent_span_id.as_str() {
        "" => SpanId::INVALID,
        hex => span_id(hex).unwrap_or_else(|| {
            drops.bad_parents += 1;
            SpanId::INVALID
        }),
    };
    let start_time = system_time(span.start_time);
    let mut end_time = system_time(span.end_time);
    if end_time < start_time {
        drops.clamped_ends += 1;
        end_time = start_time;
    }
    let mut over = 0u64;
    let (attributes, dropped_attributes) =
        key_values(&span.attributes, MAX_ATTRIBUTES, &mut drops.not_json);
    over += dropped_attributes as u64;
    let events: Vec<Event> = span
        .events
        .iter()
        .take(MAX_ATTRIBUTES)
        .map(|e| {
            let (attrs, dropped) = key_values(&e.attributes, MAX_ATTRIBUTES, &mut drops.not_json);
            over += dropped as u64;
            Event::new(e.name.clone(), system_time(e.time), attrs, dropped)
        })
        .collect();
    let linked: Vec<_> = span
        .links
        .iter()
        .filter_map(|l| Some((context(&l.span_context, drops)?, l)))
        .take(MAX_ATTRIBUTES)
        .collect();
    let links: Vec<Link> = linked
        .into_iter()
        .map(|(c, l)| {
            let (attrs, dropped) = key_values(&l.attributes, MAX_ATTRIBUTES, &mut drops.not_json);
            over += dropped as u64;
            Link::new(c, attrs, dropped)
        })
        .collect();
    let dropped_events = span.events.len().saturating_sub(MAX_ATTRIBUTES) as u32;
    let dropped_links = span.links.len().saturating_sub(links.len()) as u32;
    over += dropped_events as u64 + dropped_links as u64;
    drops.over_limits += over;
    // Both are non-exhaustive: filled field by field.
    let mut span_events = SpanEvents::default();
    span_events.events = events;
    span_events.dropped_count = span.dropped_events.saturating_add(dropped_events);
    let mut span_links = SpanLinks::default();
    span_links.links = links;
    span_links.dropped_count = span.dropped_links.saturating_add(dropped_links);
    Some(SpanData {
        span_context,
        parent_span_id,
        parent_span_is_remote: false,
        span_kind: match span.span_kind {
            wasi::SpanKind::Client => SpanKind::Client,
            wasi::SpanKind::Server => SpanKind::Server,
            wasi::SpanKind::Producer => SpanKind::Producer,
            wasi::SpanKind::Consumer => SpanKind::Consumer,
            wasi::SpanKind::Internal => SpanKind::Internal,
        },
        name: Cow::Owned(span.name),
        start_time,
        end_time,
        attributes,
        dropped_attributes_count: span.dropped_attributes.saturating_add(dropped_attributes),
        events: span_events,
        links: span_links,
        status: match span.status {
            wasi::Status::Unset => Status::Unset,
            wasi::Status::Ok => Status::Ok,
            wasi::Status::Error(description) => Status::error(description),
        },
        instrumentation_scope: scope(&span.instrumentation_scope, drops),
    })
}
