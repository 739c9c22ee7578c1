//! Tracing: upstream `rust/src/tracing/{propagation,processor,conversion}.rs`.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};

use super::{attributes, datetime, scope};
use crate::bindings::wasi::otel::tracing;

/// Upstream `TraceContextPropagator::extract` (trait `WasiPropagator`): asks
/// the host for `outer-span-context` and puts it into `cx` as the active
/// (remote) span. Attaching the result parents every later span on it.
///
/// With opentelemetry_sdk 0.31's default sampler `ParentBased(AlwaysOn)`, a
/// child of that context is recorded iff the context's `sampled` flag is set
/// (the SDK looks only at the flag, not at whether the ids are valid): the
/// all-zero, unsampled context makes every span a non-recording one, so the
/// host sees no `on-start` and no `on-end` at all. A *sampled* all-zero
/// context would instead give spans with trace id 0, written as `"0"`.
pub fn extract_outer_context(cx: &Context) -> Context {
    cx.with_remote_span_context(span_context_from_wit(tracing::outer_span_context()))
}

/// Host to guest: upstream parses the ids with `from_hex` (so any number of
/// hex digits up to 32/16 is accepted; anything unparsable, "" included,
/// becomes the invalid all-zero id), keeps the flag bits and `is-remote` as
/// the host sent them, and drops the whole trace state if one entry is not
/// valid W3C.
fn span_context_from_wit(sc: tracing::SpanContext) -> opentelemetry::trace::SpanContext {
    use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState};
    opentelemetry::trace::SpanContext::new(
        TraceId::from_hex(&sc.trace_id).unwrap_or(TraceId::INVALID),
        SpanId::from_hex(&sc.span_id).unwrap_or(SpanId::INVALID),
        TraceFlags::new(sc.trace_flags.bits()),
        sc.is_remote,
        TraceState::from_key_value(sc.trace_state).unwrap_or_default(),
    )
}

/// Guest to host. Note `{:x}`: no zero padding (see the `wasi` module
/// comment). Spans the SDK makes always have `is-remote` false; the trace
/// state is the outer context's, inherited; it is re-split from its header
/// text.
fn span_context_to_wit(sc: &opentelemetry::trace::SpanContext) -> tracing::SpanContext {
    tracing::SpanContext {
        trace_id: format!("{:x}", sc.trace_id()),
        span_id: format!("{:x}", sc.span_id()),
        trace_flags: trace_flags(sc.trace_flags()),
        is_remote: sc.is_remote(),
        trace_state: sc
            .trace_state()
            .header()
            .split(',')
            .filter_map(|entry| entry.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// Only the `sampled` bit crosses. Log records' trace flags go through here
/// too, hence `pub(super)`.
pub(super) fn trace_flags(flags: opentelemetry::trace::TraceFlags) -> tracing::TraceFlags {
    if flags.is_sampled() {
        tracing::TraceFlags::SAMPLED
    } else {
        tracing::TraceFlags::empty()
    }
}

fn span_data_to_wit(span: opentelemetry_sdk::trace::SpanData) -> tracing::SpanData {
    use opentelemetry::trace::{SpanKind, Status};
    tracing::SpanData {
        span_context: span_context_to_wit(&span.span_context),
        // `to_string()`, i.e. `{:016x}`: the full 16 digits, unlike the ids
        // above; a root span (no parent) would send "0000000000000000".
        parent_span_id: span.parent_span_id.to_string(),
        span_kind: match span.span_kind {
            SpanKind::Client => tracing::SpanKind::Client,
            SpanKind::Server => tracing::SpanKind::Server,
            SpanKind::Producer => tracing::SpanKind::Producer,
            SpanKind::Consumer => tracing::SpanKind::Consumer,
            SpanKind::Internal => tracing::SpanKind::Internal,
        },
        name: span.name.to_string(),
        start_time: datetime(span.start_time),
        end_time: datetime(span.end_time),
        attributes: attributes(&span.attributes),
        events: span
            .events
            .events
            .iter()
            .map(|e| tracing::Event {
                name: e.name.to_string(),
                time: datetime(e.timestamp),
                attributes: attributes(&e.attributes),
            })
            .collect(),
        links: span
            .links
            .links
            .iter()
            .map(|l| tracing::Link {
                span_context: span_context_to_wit(&l.span_context),
                attributes: attributes(&l.attributes),
            })
            .collect(),
        status: match &span.status {
            Status::Unset => tracing::Status::Unset,
            Status::Ok => tracing::Status::Ok,
            Status::Error { description } => tracing::Status::Error(description.to_string()),
        },
        instrumentation_scope: scope(&span.instrumentation_scope),
        dropped_attributes: span.dropped_attributes_count,
        dropped_events: span.events.dropped_count,
        dropped_links: span.links.dropped_count,
    }
}

/// Upstream `WasiSpanProcessor`: `on-start` with the new span's context only
/// (the SDK calls processors only for recording spans), `on-end` with all of
/// it, synchronously. Nothing is buffered, so flush has nothing to do; after
/// shutdown it reports nothing more.
#[derive(Debug, Default)]
pub struct WasiSpanProcessor {
    is_shutdown: AtomicBool,
}

impl opentelemetry_sdk::trace::SpanProcessor for WasiSpanProcessor {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, _cx: &Context) {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return;
        }
        if let Some(data) = span.exported_data() {
            tracing::on_start(&span_context_to_wit(&data.span_context));
        }
    }

    fn on_end(&self, span: opentelemetry_sdk::trace::SpanData) {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return;
        }
        tracing::on_end(&span_data_to_wit(span));
    }

    fn force_flush(&self) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        let result = self.force_flush();
        if self.is_shutdown.swap(true, Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        result
    }
}
