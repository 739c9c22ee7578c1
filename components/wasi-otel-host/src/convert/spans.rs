//! `wasi:otel` spans as `opentelemetry_sdk::trace::SpanData`.

use std::borrow::Cow;

use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use super::ids;
use super::limits::{self, Budget, Limits};
use super::values::{key_values, Cut};
use super::{system_time, Drops};
use crate::recent::Recent;
use crate::{tracing as wasi, types};

/// Attributes, events and links a span keeps at most (each) when no
/// variable says otherwise: the OpenTelemetry SDK's default span limit
/// ([`Limits`]).
pub const MAX_ATTRIBUTES: usize = super::limits::DEFAULT_COUNT;

/// Bytes an event or a link takes besides its attributes and name.
const ITEM_OVERHEAD: usize = 32;

/// How many ended span ids a pipeline remembers to refuse a second end.
pub const RECENT_ENDS: usize = 4096;

/// Remembers the last [`RECENT_ENDS`] ended spans.
pub(crate) struct Ended(Recent<(TraceId, SpanId)>);

impl Default for Ended {
    fn default() -> Self {
        Ended(Recent::new(RECENT_ENDS))
    }
}

impl Ended {
    /// False when this span already ended.
    fn first_end(&mut self, id: (TraceId, SpanId)) -> bool {
        self.0.insert(id)
    }
}

/// A `wasi:otel` span context; `None` when its ids name no span.
pub(crate) fn context(c: &wasi::SpanContext, drops: &mut Drops) -> Option<SpanContext> {
    let (trace, span) = (ids::trace_id(&c.trace_id)?, ids::span_id(&c.span_id)?);
    ids::count_repairs(&c.trace_id, ids::TRACE_DIGITS, drops);
    ids::count_repairs(&c.span_id, ids::SPAN_DIGITS, drops);
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

/// A scope, its name, version and attributes cut to `length` (and the
/// attributes' count and size to `limits`'s).
pub(crate) fn scope(
    s: &types::InstrumentationScope,
    limits: &Limits,
    length: usize,
    drops: &mut Drops,
) -> InstrumentationScope {
    let mut budget = Budget::new(limits);
    let cut = Cut::new(limits.attribute_count, length, &mut budget);
    let (attributes, _) = key_values(&s.attributes, cut, drops);
    let mut text = |t: &str| limits::cut(t.to_string(), length, &mut drops.truncated);
    let mut builder = InstrumentationScope::builder(text(&s.name)).with_attributes(attributes);
    if let Some(v) = &s.version {
        builder = builder.with_version(text(v));
    }
    if let Some(url) = &s.schema_url {
        builder = builder.with_schema_url(text(url));
    }
    builder.build()
}

/// One ended span; `None` (counted) when it is dropped.
pub(crate) fn span_data(
    span: wasi::SpanData,
    limits: &Limits,
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
        // No parent: rc.2's empty text, or W3C's invalid (all-zero) id,
        // which opentelemetry-wasi sends for a root.
        hex if hex.bytes().all(|b| b == b'0') => SpanId::INVALID,
        hex => match ids::span_id(hex) {
            Some(id) => {
                ids::count_repairs(hex, ids::SPAN_DIGITS, drops);
                id
            }
            None => {
                drops.bad_parents += 1;
                SpanId::INVALID
            }
        },
    };
    let start_time = system_time(span.start_time);
    let mut end_time = system_time(span.end_time);
    if end_time < start_time {
        drops.clamped_ends += 1;
        end_time = start_time;
    }
    let length = limits.span_attribute_value_length;
    let mut budget = Budget::new(limits);
    let span_cut = Cut::new(limits.span_attribute_count, length, &mut budget);
    let (attributes, dropped_attributes) = key_values(&span.attributes, span_cut, drops);
    let mut events = Vec::new();
    for e in span.events.iter().take(limits.span_event_count) {
        let name = limits::cut(e.name.clone(), length, &mut drops.truncated);
        if !budget.take(name.len() + ITEM_OVERHEAD) {
            break;
        }
        let event_cut = Cut::new(limits.event_attribute_count, length, &mut budget);
        let (attrs, dropped) = key_values(&e.attributes, event_cut, drops);
        events.push(Event::new(name, system_time(e.time), attrs, dropped));
    }
    let mut links = Vec::new();
    let valid: Vec<_> = (span.links.iter())
        .filter_map(|l| Some((context(&l.span_context, drops)?, l)))
        .take(limits.span_link_count)
        .collect();
    for (c, l) in valid {
        if !budget.take(ITEM_OVERHEAD) {
            break;
        }
        let link_cut = Cut::new(limits.link_attribute_count, length, &mut budget);
        let (attrs, dropped) = key_values(&l.attributes, link_cut, drops);
        links.push(Link::new(c, attrs, dropped));
    }
    let dropped_events = (span.events.len() - events.len()) as u32;
    let dropped_links = (span.links.len() - links.len()) as u32;
    drops.over_limits += dropped_events as u64 + dropped_links as u64;
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
        name: Cow::Owned(limits::cut(span.name, length, &mut drops.truncated)),
        start_time,
        end_time,
        attributes,
        dropped_attributes_count: span.dropped_attributes.saturating_add(dropped_attributes),
        events: span_events,
        links: span_links,
        status: match span.status {
            wasi::Status::Unset => Status::Unset,
            wasi::Status::Ok => Status::Ok,
            wasi::Status::Error(description) => {
                Status::error(limits::cut(description, length, &mut drops.truncated))
            }
        },
        instrumentation_scope: scope(&span.instrumentation_scope, limits, length, drops),
    })
}
