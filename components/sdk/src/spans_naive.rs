//! The negative control: spans kept the way the seed README suggested, in a
//! `HashMap` keyed by the handle number, registered right after `Span::new`.
//! Providers and meters still use the registry; only the span store differs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use crate::exports::wrr::otel::tracing::{OtelError, Span};
use crate::span_state::{Identity, SpanState};
use crate::store::ProviderRef;
use crate::wasi::clocks::wall_clock::Datetime;

static SPANS: Mutex<Option<HashMap<u32, SpanState>>> = Mutex::new(None);

fn spans() -> std::sync::MutexGuard<'static, Option<HashMap<u32, SpanState>>> {
    crate::lock::lock(&SPANS)
}

/// Remembers the handle number it was registered under: the bug.
pub(crate) struct SpanImpl {
    handle: AtomicU32,
    identity: Identity,
}

impl SpanImpl {
    pub(crate) fn identity(&self) -> &Identity {
        &self.identity
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut SpanState) -> R) -> Option<R> {
        let handle = self.handle.load(Ordering::Relaxed);
        spans().as_mut()?.get_mut(&handle).map(f)
    }
}

pub(crate) fn start(provider: &ProviderRef, state: SpanState) -> Result<Span, OtelError> {
    if provider.shared.is_shut_down() {
        return Err(OtelError::ShutDown);
    }
    let span = Span::new(SpanImpl {
        handle: AtomicU32::new(0),
        identity: state.identity(),
    });
    let handle = span.handle();
    span.get::<SpanImpl>()
        .handle
        .store(handle, Ordering::Relaxed);
    crate::span_state::started(&state.context, state.origin.silent);
    spans()
        .get_or_insert_with(HashMap::new)
        .insert(handle, state);
    Ok(span)
}

/// The seed's `end`: looks the span up by the handle it arrived under.
pub(crate) fn end(this: Span, end_time: Option<Datetime>) {
    let handle = this.handle();
    let state = spans().as_mut().and_then(|map| map.remove(&handle));
    drop(this);
    if let Some(state) = state {
        state.end(end_time);
    }
}

/// Every span of `provider` still in the map (shutdown).
pub(crate) fn take_unregistered(provider: u64) -> Vec<SpanState> {
    let mut map = spans();
    let Some(map) = map.as_mut() else {
        return Vec::new();
    };
    let handles: Vec<u32> = map
        .iter()
        .filter(|(_, s)| s.origin.provider == provider)
        .map(|(&h, _)| h)
        .collect();
    handles.iter().filter_map(|h| map.remove(h)).collect()
}
