//! The host's own span around a guest call ([`HostSpan`], [`call_in_span`]):
//! its context is what `outer-span-context` answers while the call runs,
//! and it is exported with the guest's spans, so every parent id in the
//! output names a span.

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

use crate::ctx::WasiOtelView;
use crate::tracing::{SpanContext, SpanData, SpanKind, Status, TraceFlags};
use crate::types::{InstrumentationScope, KeyValue};
use crate::Datetime;

/// The instrumentation scope of the host's spans.
pub const HOST_SCOPE: &str = "wasi-otel-host";

/// A span of the host's, in progress: started when made, ended by
/// [`call_in_span`] (or by hand, with [`end`](Self::end), to report it
/// through a sink).
///
/// ```
/// use wasi_otel_host::tracing::SpanKind;
/// use wasi_otel_host::HostSpan;
/// let mut span = HostSpan::new("POST /checkout").with_kind(SpanKind::Server);
/// span.set_attribute("http.request.method", "POST");
/// span.set_attribute("http.response.status_code", 200);
/// let child = HostSpan::child_of("retry", span.context());
/// assert_eq!(child.context().trace_id, span.context().trace_id);
/// let data = child.end();
/// assert_eq!(data.parent_span_id, span.context().span_id);
/// assert_eq!(span.end().attributes[1].value, "200");
/// ```
#[derive(Clone, Debug)]
pub struct HostSpan {
    context: SpanContext,
    pub(crate) parent_span_id: String,
    kind: SpanKind,
    name: String,
    start: Datetime,
    attributes: Vec<KeyValue>,
    status: Status,
}

impl HostSpan {
    /// A span called `name`, kind internal, starting now, as the root of a
    /// new, sampled trace (ids from the OpenTelemetry SDK's generator).
    pub fn new(name: impl Into<String>) -> Self {
        let trace = RandomIdGenerator::default().new_trace_id();
        Self::in_trace(name, trace, String::new(), TraceFlags::SAMPLED)
    }

    /// A span called `name` whose parent is `parent` (an incoming request's
    /// context, say): same trace, same sampling decision.
    pub fn child_of(name: impl Into<String>, parent: &SpanContext) -> Self {
        let trace = crate::convert::ids::trace_id(&parent.trace_id)
            .unwrap_or_else(|| RandomIdGenerator::default().new_trace_id());
        let mut span = Self::in_trace(
            name,
            trace,
            parent.span_id.clone(),
            parent.trace_flags & TraceFlags::SAMPLED,
        );
        span.context.trace_state = parent.trace_state.clone();
        span
    }

    fn in_trace(
        name: impl Into<String>,
        trace: TraceId,
        parent: String,
        flags: TraceFlags,
    ) -> Self {
        let span: SpanId = RandomIdGenerator::default().new_span_id();
        let context = SpanContext {
            trace_id: trace.to_string(),
            span_id: span.to_string(),
            trace_flags: flags,
            is_remote: false,
            trace_state: Vec::new(),
        };
        let mut span = Self::with_context(name, context, crate::now());
        span.parent_span_id = parent;
        span
    }

    /// A span with a context and start given, no parent.
    pub(crate) fn with_context(
        name: impl Into<String>,
        context: SpanContext,
        start: Datetime,
    ) -> Self {
        HostSpan {
            context,
            parent_span_id: String::new(),
            kind: SpanKind::Internal,
            name: name.into(),
            start,
            attributes: Vec::new(),
            status: Status::Unset,
        }
    }

    /// The same span, of `kind` (server for a request a trigger received).
    pub fn with_kind(mut self, kind: SpanKind) -> Self {
        self.kind = kind;
        self
    }

    /// Its context: what the guest parents its spans on.
    pub fn context(&self) -> &SpanContext {
        &self.context
    }

    /// Adds an attribute.
    pub fn set_attribute(
        &mut self,
        key: impl Into<String>,
        value: impl Into<opentelemetry::Value>,
    ) {
        self.attributes.push(KeyValue {
            key: key.into(),
            value: json(&value.into()).to_string(),
        });
    }

    /// Sets its status ([`call_in_span`] sets ERROR when the guest traps).
    pub fn set_status(&mut self, status: Status) {
        self.status = status;
    }

    /// Ends it now: the record to hand a [`TelemetrySink`](crate::TelemetrySink).
    pub fn end(self) -> SpanData {
        SpanData {
            span_context: self.context,
            parent_span_id: self.parent_span_id,
            span_kind: self.kind,
            name: self.name,
            start_time: self.start,
            end_time: crate::now(),
            attributes: self.attributes,
            events: Vec::new(),
            links: Vec::new(),
            status: self.status,
            instrumentation_scope: InstrumentationScope {
                name: HOST_SCOPE.to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
                schema_url: None,
                attributes: Vec::new(),
            },
            dropped_attributes: 0,
            dropped_events: 0,
            dropped_links: 0,
        }
    }
}

/// rc.2's JSON text of a value.
fn json(value: &opentelemetry::Value) -> serde_json::Value {
    use opentelemetry::{Array, Value};
    fn all<T: Clone + Into<serde_json::Value>>(items: &[T]) -> serde_json::Value {
        items.iter().cloned().map(Into::into).collect()
    }
    match value {
        Value::Bool(b) => (*b).into(),
        Value::I64(i) => (*i).into(),
        Value::F64(f) => (*f).into(),
        Value::String(s) => s.as_str().into(),
        Value::Array(Array::Bool(a)) => all(a),
        Value::Array(Array::I64(a)) => all(a),
        Value::Array(Array::F64(a)) => all(a),
        Value::Array(Array::String(a)) => a.iter().map(|s| s.as_str()).collect(),
        // Variants added to the SDK later: their text.
        other => other.to_string().into(),
    }
}

/// Runs `call` inside `span`, the host's span for this guest call, then
/// ends `span` and reports it through the store's sink.
///
/// While `call` runs, `outer-span-context` answers `span`'s context, so a
/// guest parents its spans on it (and a guest SDK with a `ParentBased`
/// sampler records them). `call` may add attributes or a status to the
/// span. If `call` fails (the guest trapped), the spans the guest started
/// and did not end are ended with status ERROR and the cause
/// ([`WasiOtelCtx::end_open_spans`](crate::WasiOtelCtx::end_open_spans)),
/// `span` gets the same status, and the error is returned: the instance is
/// poisoned, so the next call needs a new one. The host's span in effect
/// before the call is restored after it, so calls nest.
///
/// ```no_run
/// # use wasi_otel_host::{call_in_span, HostSpan, WasiOtelView};
/// # fn f<T: WasiOtelView>(store: &mut wasmtime::Store<T>) -> wasmtime::Result<()> {
/// let answer = call_in_span(store, HostSpan::new("GET /"), |store, span| {
///     let status = 200; // e.g. the generated `call_handle(store, &request)?`
///     span.set_attribute("http.response.status_code", status);
///     Ok(status)
/// })?;
/// # let _ = answer; Ok(()) }
/// ```
pub fn call_in_span<T: WasiOtelView, R>(
    store: &mut wasmtime::Store<T>,
    mut span: HostSpan,
    call: impl FnOnce(&mut wasmtime::Store<T>, &mut HostSpan) -> wasmtime::Result<R>,
) -> wasmtime::Result<R> {
    let otel = store.data_mut().otel();
    let before = otel.outer.take();
    otel.set_outer_span_context(Some(span.context().clone()));
    let result = call(store, &mut span);
    let otel = store.data_mut().otel();
    otel.outer = before;
    if let Err(trap) = &result {
        // The root cause says what trapped; the top is a backtrace.
        let reason = format!("the guest trapped: {}", trap.root_cause());
        otel.end_open_spans(&reason);
        span.set_status(Status::Error(reason));
    }
    otel.sink.span_ended(span.end());
    result
}
