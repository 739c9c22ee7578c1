//! Trace and span ids as guests write them.
//!
//! rc.2 has them as text, and W3C trace context writes them as 32 and 16
//! lower-case hex digits. Guests on the ecosystem's SDKs do not all do so:
//! `opentelemetry-wasi` writes `format!("{:x}", id)`, which drops leading
//! zeros, so one span id in sixteen arrives with 15 digits or fewer. Such an
//! id has one meaning, so it is read, left-padded, and counted:
//!
//! | text | read as |
//! |---|---|
//! | 1 to 32 (trace) or 16 (span) hex digits | the number they write, left-padded with zeros (`padded_ids` when shorter) |
//! | upper-case or mixed-case digits | the same number (`uppercase_ids`) |
//! | empty, longer, a sign, `0x`, spaces or any other character | not an id |
//! | all zeros | W3C's invalid id: not an id |

use opentelemetry::trace::{SpanId, TraceId};

use super::Drops;
use crate::tracing::SpanContext;

/// An id's number, if `hex` writes one in at most `digits` hex digits.
fn number(hex: &str, digits: usize) -> Option<u128> {
    if hex.is_empty() || hex.len() > digits || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    // Only hex digits are left, so no sign reaches from_str_radix.
    u128::from_str_radix(hex, 16).ok().filter(|n| *n != 0)
}

/// Hex digits of a trace id and of a span id, written in full.
pub(crate) const TRACE_DIGITS: usize = 32;
/// See [`TRACE_DIGITS`].
pub(crate) const SPAN_DIGITS: usize = 16;

/// Counts what reading `hex`, a valid id of `digits` digits, repaired.
pub(crate) fn count_repairs(hex: &str, digits: usize, drops: &mut Drops) {
    if hex.len() < digits {
        drops.padded_ids += 1;
    }
    if hex.bytes().any(|b| b.is_ascii_uppercase()) {
        drops.uppercase_ids += 1;
    }
}

/// A valid trace id, read liberally (see the module docs).
pub(crate) fn trace_id(hex: &str) -> Option<TraceId> {
    number(hex, TRACE_DIGITS).map(TraceId::from)
}

/// A valid span id, read liberally (see the module docs).
pub(crate) fn span_id(hex: &str) -> Option<SpanId> {
    number(hex, SPAN_DIGITS).map(|n| SpanId::from(n as u64))
}

/// A span's identity, for the host's own bookkeeping (nothing counted).
pub(crate) fn key(c: &SpanContext) -> Option<(TraceId, SpanId)> {
    Some((trace_id(&c.trace_id)?, span_id(&c.span_id)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_id_counted(hex: &str, drops: &mut Drops) -> Option<SpanId> {
        let id = span_id(hex)?;
        count_repairs(hex, SPAN_DIGITS, drops);
        Some(id)
    }

    fn trace_id_counted(hex: &str, drops: &mut Drops) -> Option<TraceId> {
        let id = trace_id(hex)?;
        count_repairs(hex, TRACE_DIGITS, drops);
        Some(id)
    }

    #[test]
    fn short_and_upper_case_ids_are_read_and_counted() {
        let mut drops = Drops::default();
        let short = span_id_counted("abc", &mut drops).unwrap();
        assert_eq!(short, SpanId::from_hex("0000000000000abc").unwrap());
        assert_eq!(drops.padded_ids, 1);
        let upper = trace_id_counted("0AF7651916CD43DD8448EB211C80319C", &mut drops).unwrap();
        assert_eq!(upper.to_string(), "0af7651916cd43dd8448eb211c80319c");
        assert_eq!((drops.padded_ids, drops.uppercase_ids), (1, 1));
        let full = span_id_counted("00f067aa0ba902b7", &mut drops).unwrap();
        assert_eq!(full.to_string(), "00f067aa0ba902b7");
        assert_eq!((drops.padded_ids, drops.uppercase_ids), (1, 1));
    }

    #[test]
    fn what_writes_no_id_is_refused_and_not_counted() {
        let mut drops = Drops::default();
        for bad in [
            "",
            "+abc",
            "-1",
            "0x1f",
            " 1f",
            "1f ",
            "g1",
            "00000000000000000",
            "0000",
            "é",
        ] {
            assert_eq!(span_id_counted(bad, &mut drops), None, "{:?}", bad);
        }
        assert_eq!(trace_id_counted(&"1".repeat(33), &mut drops), None);
        assert_eq!(trace_id_counted(&"0".repeat(32), &mut drops), None);
        assert!(drops.is_empty());
    }
}
