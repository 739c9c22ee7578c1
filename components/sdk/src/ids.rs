//! Trace and span ids: random, from `wasi:random` (never a registry key or a
//! handle number), and their hex form for `wasi:otel`.

use crate::exports::wrr::otel::tracing::{SpanId, TraceId};
use crate::wasi::random::random::get_random_u64;

/// A new trace id; never all zero (the invalid id).
pub(crate) fn trace_id() -> TraceId {
    loop {
        let id = TraceId {
            high: get_random_u64(),
            low: get_random_u64(),
        };
        if id.high != 0 || id.low != 0 {
            return id;
        }
    }
}

/// A new span id; never zero (the invalid id).
pub(crate) fn span_id() -> SpanId {
    loop {
        let id = get_random_u64();
        if id != 0 {
            return id;
        }
    }
}

/// 32 lowercase hex digits.
pub(crate) fn trace_hex(id: TraceId) -> String {
    format!("{:016x}{:016x}", id.high, id.low)
}

/// 16 lowercase hex digits; empty for the invalid id 0 (no parent).
pub(crate) fn span_hex(id: SpanId) -> String {
    if id == 0 {
        String::new()
    } else {
        format!("{:016x}", id)
    }
}

/// Parses 32 hex digits; `None` for anything else or the all-zero id.
pub(crate) fn parse_trace(hex: &str) -> Option<TraceId> {
    if hex.len() != 32 {
        return None;
    }
    let high = u64::from_str_radix(hex.get(..16)?, 16).ok()?;
    let low = u64::from_str_radix(hex.get(16..)?, 16).ok()?;
    (high != 0 || low != 0).then_some(TraceId { high, low })
}

/// Parses 16 hex digits; `None` for anything else or zero.
pub(crate) fn parse_span(hex: &str) -> Option<SpanId> {
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok().filter(|&id| id != 0)
}
