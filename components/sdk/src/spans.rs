//! The span store: each span's data is a registry entry (a child of its
//! provider), and the span resource's implementation holds the registration.
//! The registration, not the handle number, is the span's identity, so it
//! survives every crossing of a component boundary.

use crate::exports::wrr::otel::tracing::{OtelError, Span};
use crate::span_state::{self, Identity, SpanState};
use crate::store::{self, Entry, Node, ProviderRef};
use crate::wasi::clocks::wall_clock::Datetime;

/// The implementation of the `span` resource.
pub(crate) struct SpanImpl {
    /// `None` once ended (by `end`, or by a drop).
    entry: Option<Entry>,
    identity: Identity,
}

impl SpanImpl {
    pub(crate) fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Runs `f` on the span's data; `None` once it ended (shutdown may end it
    /// behind the caller's back: later calls are then no-ops).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut SpanState) -> R) -> Option<R> {
        self.entry
            .as_ref()?
            .with(|node| match node {
                Node::Span(state) => Some(f(state)),
                _ => None,
            })
            .flatten()
    }

    /// Takes the span's data out, exactly once.
    fn take(&mut self) -> Option<SpanState> {
        match store::take(self.entry.take()?)? {
            Node::Span(state) => Some(state),
            _ => None,
        }
    }
}

/// Dropping the handle without `end` ends the span (as OpenTelemetry's Rust
/// API does), so nothing open is left behind; after `end` there is nothing
/// left to take.
impl Drop for SpanImpl {
    fn drop(&mut self) {
        if let Some(state) = self.take() {
            state.end(None);
        }
    }
}

/// Registers a new span under its provider and reports its start.
pub(crate) fn start(provider: &ProviderRef, state: SpanState) -> Result<Span, OtelError> {
    let identity = state.identity();
    let silent = state.origin.silent;
    // Refused: the caller is told, and the span handed back, which has not
    // started (nothing was reported), is dropped.
    let entry = store::register(provider, Node::Span(state))
        .map_err(|refused| OtelError::LimitReached(store::limit_reached(refused)))?;
    // From the identity kept inline: no lookup of the state just stored.
    span_state::started(&identity.context, silent);
    let span = SpanImpl {
        entry: Some(entry),
        identity,
    };
    Ok(Span::new(span))
}

/// `end(this)`: the struct comes back whole through `into_inner`, its
/// registration takes the data exactly once; if shutdown already ended the
/// span there is nothing to do.
pub(crate) fn end(this: Span, end_time: Option<Datetime>) {
    let mut span: SpanImpl = this.into_inner();
    if let Some(state) = span.take() {
        state.end(end_time);
    }
}

/// Spans this store keeps outside the registry tree: none.
pub(crate) fn take_unregistered(_provider: u64) -> Vec<SpanState> {
    Vec::new()
}
