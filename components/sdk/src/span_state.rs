//! A span's data while it is open, and what happens when it ends: the
//! `wasi:otel` `on-start` / `on-end` reports.

use std::sync::Arc;

use crate::clock;
use crate::context;
use crate::convert;
use crate::exports::wrr::otel::tracing::{Link, SpanContext, SpanId, SpanKind, Status};
use crate::exports::wrr::otel::types::{KeyValue, Value};
use crate::wasi::clocks::wall_clock::Datetime;
use crate::wasi::otel::tracing::{self as wasi, on_end, on_start};
use crate::wasi::otel::types::InstrumentationScope;

/// The most attributes, events and links a span keeps (OpenTelemetry's
/// default span limits); more are counted as dropped.
const MAX_PER_SPAN: usize = 128;

/// The message of a span that shutdown had to end.
pub(crate) const NEVER_ENDED: &str = "span was never ended; ended by the provider's shutdown";

/// What a span resource's implementation keeps inline, in both span stores:
/// immutable, so readable even after shutdown took the span's data.
pub(crate) struct Identity {
    pub(crate) context: SpanContext,
    pub(crate) parent: SpanId,
}

/// Who a span belongs to, and whether it reports to the host.
#[derive(Clone)]
pub(crate) struct Origin {
    /// The provider's id (see `store::ProviderShared`).
    pub(crate) provider: u64,
    /// Its tracer's scope.
    pub(crate) scope: Arc<InstrumentationScope>,
    /// True for the SDK's own benchmark spans: nothing goes to the host.
    pub(crate) silent: bool,
}

/// Reports the start of the span `context` to the host (unless `silent`)
/// and makes it current. From the context alone, so that a span whose state
/// is already in the registry needs no lookup for it.
pub(crate) fn started(context: &SpanContext, silent: bool) {
    if !silent {
        on_start(&convert::span_context(context));
    }
    context::push(context.clone());
}

/// An open span.
pub(crate) struct SpanState {
    pub(crate) origin: Origin,
    pub(crate) context: SpanContext,
    pub(crate) parent: SpanId,
    pub(crate) kind: SpanKind,
    pub(crate) name: String,
    pub(crate) start: Datetime,
    attributes: Vec<KeyValue>,
    events: Vec<wasi::Event>,
    links: Vec<wasi::Link>,
    pub(crate) status: Status,
    dropped: [u32; 3],
}

impl SpanState {
    /// A span starting now (or at `start`).
    pub(crate) fn new(
        origin: Origin,
        context: SpanContext,
        parent: SpanId,
        name: String,
        kind: SpanKind,
        start: Option<Datetime>,
    ) -> Self {
        SpanState {
            origin,
            context,
            parent,
            kind,
            name,
            start: clock::or_now(start),
            attributes: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
            status: Status::Unset,
            dropped: [0; 3],
        }
    }

    /// Sets an attribute, replacing one with the same key.
    pub(crate) fn set_attribute(&mut self, key: String, value: Value) {
        if let Some(kv) = self.attributes.iter_mut().find(|kv| kv.key == key) {
            kv.value = value;
        } else if self.attributes.len() < MAX_PER_SPAN {
            self.attributes.push(KeyValue { key, value });
        } else {
            self.dropped[0] += 1;
        }
    }

    pub(crate) fn add_event(&mut self, name: String, attributes: &[KeyValue], time: Datetime) {
        if self.events.len() < MAX_PER_SPAN {
            self.events.push(wasi::Event {
                name,
                time,
                attributes: convert::key_values(attributes),
            });
        } else {
            self.dropped[1] += 1;
        }
    }

    pub(crate) fn add_link(&mut self, link: &Link) {
        if self.links.len() < MAX_PER_SPAN {
            self.links.push(convert::link(link));
        } else {
            self.dropped[2] += 1;
        }
    }

    /// OpenTelemetry's rules: `ok` is final, `unset` never overrides.
    pub(crate) fn set_status(&mut self, status: Status) {
        match (&self.status, &status) {
            (Status::Ok, _) | (_, Status::Unset) => {}
            _ => self.status = status,
        }
    }

    /// The identity its resource keeps.
    pub(crate) fn identity(&self) -> Identity {
        Identity {
            context: self.context.clone(),
            parent: self.parent,
        }
    }

    /// Ends the span: no longer current, reported to the host with all of
    /// its data.
    pub(crate) fn end(self, end: Option<Datetime>) {
        context::remove(self.context.span_id);
        if self.origin.silent {
            return;
        }
        let end_time = clock::or_now(end);
        let data = wasi::SpanData {
            span_context: convert::span_context(&self.context),
            parent_span_id: crate::ids::span_hex(self.parent),
            span_kind: convert::kind(self.kind),
            name: self.name,
            start_time: self.start,
            end_time,
            attributes: convert::key_values(&self.attributes),
            events: self.events,
            links: self.links,
            status: convert::status(&self.status),
            instrumentation_scope: (*self.origin.scope).clone(),
            dropped_attributes: self.dropped[0],
            dropped_events: self.dropped[1],
            dropped_links: self.dropped[2],
        };
        on_end(&data);
    }

    /// Ends a span its caller never ended (shutdown): status error.
    pub(crate) fn end_forgotten(mut self) {
        self.status = Status::Error(NEVER_ENDED.to_string());
        self.end(None);
    }
}
