//! The API's types in `wasi:otel` form: attribute values as JSON text, ids as
//! hex, and back for the host's span context.

use crate::exports::wrr::otel::tracing::{
    Link, SpanContext, SpanKind, Status, TraceFlags as ApiFlags,
};
use crate::exports::wrr::otel::types::{InstrumentationScope, KeyValue};
use crate::ids;
use crate::wasi::otel::tracing as wasi;
use crate::wasi::otel::types as wasi_types;

/// Attributes as `wasi:otel` key-values.
pub(crate) fn key_values(attributes: &[KeyValue]) -> Vec<wasi_types::KeyValue> {
    attributes.iter().map(key_value).collect()
}

/// One attribute as a `wasi:otel` key-value.
pub(crate) fn key_value(kv: &KeyValue) -> wasi_types::KeyValue {
    wasi_types::KeyValue {
        key: kv.key.clone(),
        value: crate::json::encode(&kv.value),
    }
}

/// A scope as `wasi:otel` has it.
pub(crate) fn scope(scope: &InstrumentationScope) -> wasi_types::InstrumentationScope {
    wasi_types::InstrumentationScope {
        name: scope.name.clone(),
        version: scope.version.clone(),
        schema_url: scope.schema_url.clone(),
        attributes: key_values(&scope.attributes),
    }
}

/// A span context with hex ids.
pub(crate) fn span_context(c: &SpanContext) -> wasi::SpanContext {
    let mut flags = wasi::TraceFlags::empty();
    if c.trace_flags.contains(ApiFlags::SAMPLED) {
        flags |= wasi::TraceFlags::SAMPLED;
    }
    wasi::SpanContext {
        trace_id: ids::trace_hex(c.trace_id),
        span_id: ids::span_hex(c.span_id),
        trace_flags: flags,
        is_remote: c.is_remote,
        trace_state: c.trace_state.clone(),
    }
}

/// The host's span context in the API's form; `None` when it is invalid
/// (a host with no span of its own returns all-zero ids).
pub(crate) fn from_wasi_context(c: &wasi::SpanContext) -> Option<SpanContext> {
    let mut flags = ApiFlags::empty();
    if c.trace_flags.contains(wasi::TraceFlags::SAMPLED) {
        flags |= ApiFlags::SAMPLED;
    }
    Some(SpanContext {
        trace_id: ids::parse_trace(&c.trace_id)?,
        span_id: ids::parse_span(&c.span_id)?,
        trace_flags: flags,
        is_remote: c.is_remote,
        trace_state: c.trace_state.clone(),
    })
}

/// The trace flags in `wasi:otel` form.
pub(crate) fn flags(c: &SpanContext) -> wasi::TraceFlags {
    span_context(c).trace_flags
}

pub(crate) fn kind(kind: SpanKind) -> wasi::SpanKind {
    match kind {
        SpanKind::Internal => wasi::SpanKind::Internal,
        SpanKind::Server => wasi::SpanKind::Server,
        SpanKind::Client => wasi::SpanKind::Client,
        SpanKind::Producer => wasi::SpanKind::Producer,
        SpanKind::Consumer => wasi::SpanKind::Consumer,
    }
}

pub(crate) fn status(status: &Status) -> wasi::Status {
    match status {
        Status::Unset => wasi::Status::Unset,
        Status::Ok => wasi::Status::Ok,
        Status::Error(message) => wasi::Status::Error(message.clone()),
    }
}

pub(crate) fn link(link: &Link) -> wasi::Link {
    wasi::Link {
        span_context: span_context(&link.context),
        attributes: key_values(&link.attributes),
    }
}
