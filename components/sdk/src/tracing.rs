//! The exported `tracing` interface: tracers start spans (ids from
//! `wasi:random`, parent from the caller, the current span or the host),
//! spans record their data in the span store ([`crate::spans`]).

use std::sync::Arc;

use crate::context;
use crate::exports::wrr::otel::tracing::{
    Guest, GuestSpan, GuestTracer, KeyValue, Link, OtelError, Parent, Span, SpanContext, SpanId,
    SpanOptions, Status, TraceFlags, Value,
};
use crate::ids;
use crate::span_state::{Origin, SpanState};
use crate::spans::{self, SpanImpl};
use crate::store::ProviderRef;
use crate::wasi::clocks::wall_clock::Datetime;
use crate::wasi::otel::types::InstrumentationScope;
use crate::Component;

/// The implementation of the `tracer` resource.
pub(crate) struct TracerImpl {
    provider: ProviderRef,
    scope: Arc<InstrumentationScope>,
}

impl TracerImpl {
    pub(crate) fn new(provider: ProviderRef, scope: InstrumentationScope) -> Self {
        TracerImpl {
            provider,
            scope: Arc::new(scope),
        }
    }

    /// Starts a span; `pub(crate)` for the test hooks, which start spans of
    /// their own without a handle round trip.
    pub(crate) fn start(
        &self,
        name: String,
        parent: Option<SpanContext>,
        options: SpanOptions,
    ) -> Result<Span, OtelError> {
        if self.provider.shared.is_shut_down() {
            return Err(OtelError::ShutDown);
        }
        // A child joins its parent's trace and inherits its flags; a root
        // starts a new, sampled trace.
        let (trace_id, trace_flags, trace_state, parent_id) = match parent {
            Some(p) => (p.trace_id, p.trace_flags, p.trace_state, p.span_id),
            None => (ids::trace_id(), TraceFlags::SAMPLED, Vec::new(), 0),
        };
        let context = SpanContext {
            trace_id,
            span_id: ids::span_id(),
            trace_flags,
            is_remote: false,
            trace_state,
        };
        let origin = Origin {
            provider: self.provider.shared.id,
            scope: self.scope.clone(),
            silent: self.provider.shared.silent,
        };
        let mut state = SpanState::new(
            origin,
            context,
            parent_id,
            name,
            options.kind,
            options.start_time,
        );
        for kv in options.attributes {
            state.set_attribute(kv.key, kv.value);
        }
        for link in &options.links {
            state.add_link(link);
        }
        spans::start(&self.provider, state)
    }
}

impl GuestTracer for TracerImpl {
    fn start_span(
        &self,
        name: String,
        parent: Parent<'_>,
        options: SpanOptions,
    ) -> Result<Span, OtelError> {
        let parent = match parent {
            Parent::Current => context::current(),
            Parent::Span(span) => Some(span.get::<SpanImpl>().identity().context.clone()),
            Parent::Remote(context) => Some(context),
            Parent::NewRoot => None,
        };
        self.start(name, parent, options)
    }
}

impl GuestSpan for SpanImpl {
    fn span_context(&self) -> SpanContext {
        self.identity().context.clone()
    }

    fn parent_span_id(&self) -> Option<SpanId> {
        Some(self.identity().parent).filter(|&id| id != 0)
    }

    fn is_recording(&self) -> bool {
        self.with(|_| ()).is_some()
    }

    fn set_attribute(&self, key: String, value: Value) {
        self.with(|s| s.set_attribute(key, value));
    }

    fn set_attributes(&self, attributes: Vec<KeyValue>) {
        self.with(|s| {
            for kv in attributes {
                s.set_attribute(kv.key, kv.value);
            }
        });
    }

    fn add_event(&self, name: String, attributes: Vec<KeyValue>, time: Option<Datetime>) {
        let time = crate::clock::or_now(time);
        self.with(|s| s.add_event(name, &attributes, time));
    }

    fn add_link(&self, link: Link) {
        self.with(|s| s.add_link(&link));
    }

    fn set_status(&self, status: Status) {
        self.with(|s| s.set_status(status));
    }

    fn update_name(&self, name: String) {
        self.with(|s| s.name = name);
    }

    fn end(this: Span, end_time: Option<Datetime>) {
        spans::end(this, end_time);
    }
}

impl Guest for Component {
    type Tracer = TracerImpl;
    type Span = SpanImpl;
}
