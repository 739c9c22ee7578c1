//! Test and benchmark hooks shared by both span stores: spans the component
//! keeps for itself (so the caller's handle numbers shift), and `n` span
//! lifecycles inside one call.

use std::cell::RefCell;

use crate::exports::wrr::telemetry::trace::{GuestSpan, Span, TelemetryError};

/// A span store's `start`.
pub(crate) type Start = fn(&str, String, Option<u32>) -> Result<Span, TelemetryError>;

thread_local! {
    static HELD: RefCell<Vec<Span>> = const { RefCell::new(Vec::new()) };
}

pub(crate) fn hold(n: u32, start: Start) {
    for i in 0..n {
        if let Ok(span) = start("held", format!("held-{}", i), None) {
            HELD.with(|held| held.borrow_mut().push(span));
        }
    }
}

/// Drops the held handles: the component's own `resource-drop`, which runs
/// the implementation's `Drop` (the RAII path).
pub(crate) fn release() {
    let held = HELD.with(|held| std::mem::take(&mut *held.borrow_mut()));
    drop(held);
}

/// `n` lifecycles: start, one attribute, `end` (true when the span's data
/// came back). Returns how many ended.
pub(crate) fn churn<S: GuestSpan>(n: u32, start: Start, end: fn(Span) -> bool) -> u64 {
    let mut ended = 0;
    for i in 0..n {
        if let Ok(span) = start("churn", String::new(), None) {
            span.get::<S>().set_attribute("i".into(), i.to_string());
            if end(span) {
                ended += 1;
            }
        }
    }
    ended
}
