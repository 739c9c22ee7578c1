//! The per-store state of `wasi:otel` ([`WasiOtelCtx`]) and the trait that
//! finds it in an embedder's store data ([`WasiOtelView`]).

use std::collections::HashMap;

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

use crate::convert::ids;
use crate::recent::Recent;
use crate::sink::TelemetrySink;
use crate::{tracing, Datetime};

/// How many started, not yet ended spans a store remembers (past that, a
/// span's start is not remembered, and a trap cannot end it). Each takes
/// about a kilobyte at most (ids, flags, a tracestate of at most 512
/// characters, the host's span then), so a store holds at most about
/// 100 MiB of them.
pub const MAX_OPEN_SPANS: usize = 65_536;

/// The longest tracestate (in characters) a store keeps for an open span.
const MAX_TRACE_STATE: usize = 512;

/// How many of the host's span contexts a store remembers having handed
/// its guest, to refuse a guest's `on-start` or `on-end` of one of them.
pub const MAX_HOST_SPANS: usize = 1024;

/// The name the host gives a span it ends for a guest that cannot: rc.2's
/// `on-start` carries only the span's context, not its name.
pub const UNENDED_SPAN_NAME: &str = "unended span";

/// The per-store state of `wasi:otel`: where telemetry goes, the host's
/// current span (what `outer-span-context` answers), the spans that started
/// and have not ended, and the instance's `service.instance.id`.
///
/// ```
/// use wasi_otel_host::{Collector, WasiOtelCtx};
/// let ctx = WasiOtelCtx::new(Collector::default());
/// assert_eq!(ctx.open_spans(), 0);
/// assert_eq!(ctx.instance_id().len(), 36); // a random UUID
/// let named = WasiOtelCtx::new(Collector::default()).with_instance_id("worker-7");
/// assert_eq!(named.instance_id(), "worker-7");
/// ```
pub struct WasiOtelCtx {
    pub(crate) sink: Box<dyn TelemetrySink>,
    pub(crate) outer: Option<tracing::SpanContext>,
    open: HashMap<(TraceId, SpanId), Open>,
    /// The host's spans the guest was handed.
    host_spans: Recent<(TraceId, SpanId)>,
    pub(crate) instance_id: String,
}

/// A started span: its context, when it started, and the host's span then.
struct Open {
    context: tracing::SpanContext,
    start: Datetime,
    outer: Option<tracing::SpanContext>,
}

impl WasiOtelCtx {
    /// Reports go to `sink`. The instance gets a random UUID as its
    /// `service.instance.id` ([`with_instance_id`](Self::with_instance_id)).
    pub fn new(sink: impl TelemetrySink) -> Self {
        WasiOtelCtx {
            sink: Box::new(sink),
            outer: None,
            open: HashMap::new(),
            host_spans: Recent::new(MAX_HOST_SPANS),
            instance_id: random_uuid(),
        }
    }

    /// Names this store's guest instance: the `service.instance.id` its
    /// metric exports carry, replacing whatever the guest or the pipeline
    /// set. Each instance must have its own, or the cumulative streams of
    /// two instances become one stream that seems to restart (the data
    /// model's single-writer rule).
    pub fn with_instance_id(mut self, id: impl Into<String>) -> Self {
        self.instance_id = id.into();
        self
    }

    /// This instance's `service.instance.id`.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Ends, with status ERROR and `reason`, every span that started and
    /// has not ended: what an embedder calls when a guest trapped (its
    /// instance is gone, and so are the spans it held), so that no span whose
    /// start reached the host goes unexported. [`call_in_span`](crate::call_in_span)
    /// calls it on a trap. Each is named [`UNENDED_SPAN_NAME`], starts when
    /// its `on-start` arrived, ends now, and is a child of the host's span of
    /// that moment, if in its trace. Returns how many were ended.
    ///
    /// ```
    /// use wasi_otel_host::{Collector, WasiOtelCtx};
    /// let mut ctx = WasiOtelCtx::new(Collector::default());
    /// assert_eq!(ctx.end_open_spans("the guest trapped"), 0);
    /// ```
    pub fn end_open_spans(&mut self, reason: &str) -> usize {
        let open: Vec<Open> = self.open.drain().map(|(_, o)| o).collect();
        let n = open.len();
        for o in open {
            let parent = o
                .outer
                .filter(|p| same_trace(p, &o.context))
                .map(|p| p.span_id)
                .unwrap_or_default();
            let mut span = crate::HostSpan::with_context(UNENDED_SPAN_NAME, o.context, o.start);
            span.parent_span_id = parent;
            span.set_status(tracing::Status::Error(reason.to_string()));
            self.sink.span_ended(span.end());
        }
        n
    }

    /// How many spans started and have not ended.
    pub fn open_spans(&self) -> usize {
        self.open.len()
    }

    /// Sets (or clears) the host's current span, what `outer-span-context`
    /// answers: while it is set, the guest's spans with no parent of their
    /// own become its children. [`call_in_span`](crate::call_in_span) sets it
    /// for the call; set it by hand to parent guest spans on a context the
    /// host does not export itself (an incoming request's, say).
    ///
    /// With none set, `outer-span-context` answers the invalid, all-zero
    /// context, W3C's "no parent". Guests on `opentelemetry_sdk` with its
    /// default `ParentBased` sampler read that as an unsampled parent and
    /// record nothing: run guest calls in a span.
    ///
    /// The guest may parent spans on this context but not start or end a
    /// span with it: such an `on-start` or `on-end` is refused
    /// ([`Refusal::HostSpan`](crate::Refusal::HostSpan)), so the host's own
    /// end of its span is the one exported.
    pub fn set_outer_span_context(&mut self, context: Option<tracing::SpanContext>) {
        if let Some(key) = context.as_ref().and_then(ids::key) {
            self.host_spans.insert(key);
        }
        self.outer = context;
    }

    /// True when `context` is a span of the host's that the guest was
    /// handed: refused, and the sink told.
    pub(crate) fn refuse_host_span(&mut self, context: &tracing::SpanContext) -> bool {
        let forged = ids::key(context).is_some_and(|key| self.host_spans.contains(&key));
        if forged {
            self.sink.refused(crate::Refusal::HostSpan);
        }
        forged
    }

    /// The host's current span, if any (what `outer-span-context` answers
    /// when set).
    pub fn outer_span(&self) -> Option<&tracing::SpanContext> {
        self.outer.as_ref()
    }

    /// The sink, e.g. to report a span the host made itself.
    pub fn sink(&mut self) -> &mut dyn TelemetrySink {
        &mut *self.sink
    }

    /// Remembers a started span, so that a trap can end it.
    pub(crate) fn started(&mut self, context: &tracing::SpanContext) {
        let Some(key) = ids::key(context) else {
            return;
        };
        if self.open.len() < MAX_OPEN_SPANS {
            let mut context = context.clone();
            // Kept only as W3C asks vendors to keep it (512 characters), so
            // that what a store remembers per open span stays small.
            let state: usize = context
                .trace_state
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum();
            if state > MAX_TRACE_STATE {
                context.trace_state.clear();
            }
            let open = Open {
                context,
                start: crate::now(),
                outer: self.outer.clone(),
            };
            self.open.insert(key, open);
        }
    }

    /// Forgets an ended span.
    pub(crate) fn ended(&mut self, context: &tracing::SpanContext) {
        if let Some(key) = ids::key(context) {
            self.open.remove(&key);
        }
    }
}

fn same_trace(a: &tracing::SpanContext, b: &tracing::SpanContext) -> bool {
    ids::trace_id(&a.trace_id).is_some() && ids::trace_id(&a.trace_id) == ids::trace_id(&b.trace_id)
}

/// A random (version 4) UUID, from the OpenTelemetry SDK's id generator.
fn random_uuid() -> String {
    let bits = u128::from_be_bytes(RandomIdGenerator::default().new_trace_id().to_bytes());
    let bits = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{:032x}", bits);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Gives `wasi:otel` its state out of the embedder's store data.
///
/// ```
/// use wasi_otel_host::{WasiOtelCtx, WasiOtelView};
/// struct MyState {
///     otel: WasiOtelCtx,
/// }
/// impl WasiOtelView for MyState {
///     fn otel(&mut self) -> &mut WasiOtelCtx {
///         &mut self.otel
///     }
/// }
/// ```
pub trait WasiOtelView: Send {
    /// The store's `wasi:otel` state.
    fn otel(&mut self) -> &mut WasiOtelCtx;
}

#[cfg(test)]
mod tests {
    #[test]
    fn instance_ids_are_version_4_uuids_and_differ() {
        let (a, b) = (super::random_uuid(), super::random_uuid());
        assert_ne!(a, b);
        for id in [a, b] {
            let groups: Vec<&str> = id.split('-').collect();
            let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            assert_eq!(lens, [8, 4, 4, 4, 12], "{}", id);
            assert!(groups[2].starts_with('4'), "{}", id);
            assert!("89ab".contains(&groups[3][..1]), "{}", id);
        }
    }
}
