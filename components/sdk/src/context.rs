//! The current span: what `parent::current` and `log-context::current` mean.
//!
//! A stack of the contexts of open spans, innermost last. Only entries of the
//! host's current trace count (when the host has one), so a span forgotten in
//! one request never becomes the parent of the next request's spans.

use std::sync::Mutex;

use crate::convert;
use crate::exports::wrr::otel::tracing::{SpanContext, SpanId};
use crate::wasi::otel::tracing::outer_span_context;

static OPEN: Mutex<Vec<SpanContext>> = Mutex::new(Vec::new());

/// A span started.
pub(crate) fn push(context: SpanContext) {
    crate::lock::lock(&OPEN).push(context);
}

/// A span ended (in any order).
pub(crate) fn remove(span: SpanId) {
    let mut open = crate::lock::lock(&OPEN);
    if let Some(i) = open.iter().rposition(|c| c.span_id == span) {
        open.remove(i);
    }
}

/// The host's span context, if it has a valid one.
pub(crate) fn outer() -> Option<SpanContext> {
    convert::from_wasi_context(&outer_span_context())
}

/// The innermost open span of the host's current trace, else the host's span.
pub(crate) fn current() -> Option<SpanContext> {
    let outer = outer();
    let open = crate::lock::lock(&OPEN);
    open.iter()
        .rev()
        .find(|c| outer.as_ref().is_none_or(|o| same_trace(o, c)))
        .cloned()
        .or(outer)
}

fn same_trace(a: &SpanContext, b: &SpanContext) -> bool {
    (a.trace_id.high, a.trace_id.low) == (b.trace_id.high, b.trace_id.low)
}
