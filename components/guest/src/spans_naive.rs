//! The negative control: spans kept the way the seed README suggests, in a
//! `HashMap` keyed by the handle number, registered right after `Span::new`.
//! Everything else (logs, metrics, exporter) is the same as the real guest.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::exports::wrr::telemetry::admin::KindStats;
use crate::exports::wrr::telemetry::trace::{
    Guest, GuestSpan, Span, SpanBorrow, SpanData, StatusCode, TelemetryError,
};
use crate::span_inner::{already_ended, SpanInner};
use crate::Component;

static SPAN_REGISTRY: Mutex<Option<HashMap<u32, Arc<Mutex<SpanInner>>>>> = Mutex::new(None);
static LIMIT: AtomicU32 = AtomicU32::new(10_000);
static REGISTERED: AtomicU64 = AtomicU64::new(0);
static REMOVED: AtomicU64 = AtomicU64::new(0);
static HIGH_WATER: AtomicU32 = AtomicU32::new(0);

fn registry() -> std::sync::MutexGuard<'static, Option<HashMap<u32, Arc<Mutex<SpanInner>>>>> {
    crate::lock(&SPAN_REGISTRY)
}

fn lookup(handle: u32) -> Option<Arc<Mutex<SpanInner>>> {
    registry()
        .as_ref()
        .and_then(|map| map.get(&handle).cloned())
}

/// Remembers the handle number it was registered under: the bug.
pub(crate) struct MySpan {
    handle: AtomicU32,
}

impl MySpan {
    fn with(&self, f: impl FnOnce(&mut SpanInner)) {
        if let Some(inner) = lookup(self.handle.load(Ordering::Relaxed)) {
            f(&mut crate::lock(&inner));
        }
    }
}

pub(crate) fn start(
    tracer: &str,
    name: String,
    parent: Option<u32>,
) -> Result<Span, TelemetryError> {
    if crate::exporting::is_shut_down() {
        return Err(TelemetryError::ShutDown);
    }
    let limit = LIMIT.load(Ordering::Relaxed);
    let live = registry().as_ref().map_or(0, |m| m.len()) as u32;
    if live >= limit {
        return Err(TelemetryError::LimitReached(limit));
    }
    let span = Span::new(MySpan {
        handle: AtomicU32::new(0),
    });
    let handle = span.handle();
    span.get::<MySpan>().handle.store(handle, Ordering::Relaxed);
    let inner = Arc::new(Mutex::new(SpanInner::new(tracer, name, parent)));
    let mut map = registry();
    let map = map.get_or_insert_with(HashMap::new);
    map.insert(handle, inner);
    REGISTERED.fetch_add(1, Ordering::Relaxed);
    HIGH_WATER.fetch_max(map.len() as u32, Ordering::Relaxed);
    Ok(span)
}

impl GuestSpan for MySpan {
    fn id(&self) -> u32 {
        self.handle.load(Ordering::Relaxed)
    }

    fn set_attribute(&self, key: String, value: String) {
        self.with(|s| s.set_attribute(key, value));
    }

    fn add_event(&self, name: String) {
        self.with(|s| s.add_event(name));
    }

    fn set_status(&self, code: StatusCode, message: String) {
        self.with(|s| s.set_status(code, message));
    }

    fn end(this: Span) -> SpanData {
        // The seed pattern: look the span up by the handle it arrived under.
        let handle = this.handle();
        let removed = registry().as_mut().and_then(|map| map.remove(&handle));
        let data = match removed {
            Some(inner) => {
                REMOVED.fetch_add(1, Ordering::Relaxed);
                SpanInner::from_shared(inner).finish(handle, false)
            }
            None => already_ended(handle),
        };
        drop(this);
        crate::exporting::finished_span(data.clone());
        data
    }
}

impl Guest for Component {
    type Tracer = crate::tracer::MyTracer;
    type Span = MySpan;
}

pub(crate) fn id_of(span: &SpanBorrow<'_>) -> u32 {
    span.get::<MySpan>().handle.load(Ordering::Relaxed)
}

pub(crate) fn drain_open() -> Vec<SpanData> {
    let taken = registry().take().unwrap_or_default();
    let mut ended = Vec::new();
    for (handle, inner) in taken {
        REMOVED.fetch_add(1, Ordering::Relaxed);
        let inner = match Arc::try_unwrap(inner) {
            Ok(mutex) => mutex.into_inner().unwrap_or_else(|p| p.into_inner()),
            Err(_) => continue,
        };
        ended.push(inner.finish(handle, true));
    }
    ended
}

pub(crate) fn set_limit(max: u32) {
    LIMIT.store(max, Ordering::Relaxed);
}

pub(crate) fn stats() -> KindStats {
    let map = registry();
    let live: Vec<u32> = map
        .as_ref()
        .map(|m| m.keys().copied().collect())
        .unwrap_or_default();
    KindStats {
        kind: "spans".to_string(),
        live: live.len() as u32,
        high_water: HIGH_WATER.load(Ordering::Relaxed),
        registered: REGISTERED.load(Ordering::Relaxed),
        removed: REMOVED.load(Ordering::Relaxed),
        rejected: 0,
        stale_lookups: 0,
        leaked: live,
    }
}

/// Ends a span the way `end` does, without reporting it (for `churn`).
pub(crate) fn end_quietly(this: Span) -> bool {
    let handle = this.handle();
    let removed = registry().as_mut().and_then(|map| map.remove(&handle));
    drop(this);
    match removed.map(Arc::try_unwrap) {
        Some(Ok(inner)) => {
            let inner = inner.into_inner().unwrap_or_else(|p| p.into_inner());
            std::hint::black_box(inner.finish(handle, false));
            true
        }
        _ => false,
    }
}
