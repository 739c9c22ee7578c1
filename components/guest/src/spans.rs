//! Tracers and spans, kept in a `ResourceRegistry` (the recommended way).

use std::sync::{Arc, Mutex};

use wit_resource_registry::{Registration, ResourceRegistry};

use crate::exports::wrr::telemetry::admin::KindStats;
use crate::exports::wrr::telemetry::trace::{
    Guest, GuestSpan, Span, SpanBorrow, SpanData, StatusCode, TelemetryError,
};
use crate::span_inner::{already_ended, SpanInner};
use crate::Component;

/// The default bound on live spans; `admin.set-max-spans` changes it.
const DEFAULT_MAX_SPANS: usize = 10_000;

pub(crate) static SPANS: ResourceRegistry<SpanInner> =
    ResourceRegistry::with_limit(DEFAULT_MAX_SPANS);

/// The span resource's implementation: only its registry entry. The key in
/// it is the span's identity; `Span::handle()` is not.
pub(crate) struct MySpan {
    entry: Registration<'static, SpanInner>,
}

impl MySpan {
    fn with(&self, f: impl FnOnce(&mut SpanInner)) {
        // `None` once shutdown ended the span: later calls are no-ops.
        self.entry.with(f);
    }
}

/// Starts a span: registers its data, then wraps it in a handle.
pub(crate) fn start(
    tracer: &str,
    name: String,
    parent: Option<u32>,
) -> Result<Span, TelemetryError> {
    if crate::exporting::is_shut_down() {
        return Err(TelemetryError::ShutDown);
    }
    let inner = Arc::new(Mutex::new(SpanInner::new(tracer, name, parent)));
    match SPANS.register_guarded(inner) {
        Ok(entry) => Ok(Span::new(MySpan { entry })),
        Err(refused) => Err(crate::refused(refused.error())),
    }
}

impl GuestSpan for MySpan {
    fn id(&self) -> u32 {
        self.entry.key().into_raw()
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
        let span: MySpan = this.into_inner();
        let id = span.entry.key().into_raw();
        let data = match span.entry.take() {
            // Ended whatever else holds it: owned or shared, never lost.
            Ok(taken) => SpanInner::from_taken(taken).finish(id, false),
            // Already ended by `shutdown`: nothing is reported twice.
            Err(_) => already_ended(id),
        };
        crate::exporting::finished_span(data.clone());
        data
    }
}

impl Guest for Component {
    type Tracer = crate::tracer::MyTracer;
    type Span = MySpan;
}

/// The identity of a borrowed span, for parents and log records.
pub(crate) fn id_of(span: &SpanBorrow<'_>) -> u32 {
    span.get::<MySpan>().entry.key().into_raw()
}

/// Ends every span still open, exactly once (shutdown).
pub(crate) fn drain_open() -> Vec<SpanData> {
    let mut ended = Vec::new();
    SPANS.drain_with(|key, taken| {
        ended.push(SpanInner::from_taken(taken).finish(key.into_raw(), true));
    });
    ended
}

pub(crate) fn set_limit(max: u32) {
    // A limit above what the registry can hold means "as many as it can".
    let _ = SPANS.set_limit((max as usize).min(wit_resource_registry::MAX_ISSUED));
}

pub(crate) fn stats() -> KindStats {
    crate::kind_stats("spans", &SPANS)
}

/// Ends a span the way `end` does, without reporting it (for `churn`).
pub(crate) fn end_quietly(this: Span) -> bool {
    let span: MySpan = this.into_inner();
    let id = span.entry.key().into_raw();
    match span.entry.take() {
        Ok(taken) => {
            std::hint::black_box(SpanInner::from_taken(taken).finish(id, false));
            true
        }
        Err(_) => false,
    }
}
