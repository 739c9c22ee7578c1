//! The telemetry WIT (`../wit/telemetry.wit`) implemented the way the
//! `wit-resource-registry` docs recommend: every span, log record and metric
//! instrument is kept in a `static` registry; the implementation struct of
//! each resource holds a `Registration` (its key travels with it across every
//! boundary crossing, and dropping the handle removes the entry); `end` and
//! `emit` recover the struct with `into_inner` and take the entry exactly
//! once; the exporter's `shutdown` drains what the caller forgot.
//!
//! Built with `--features naive`, spans are instead kept in the seed README's
//! `HashMap` keyed by `handle()`: the negative control the host tests expect
//! to fail.

wit_bindgen::generate!({ world: "telemetry", path: "../wit" });

mod clock;
mod exporting;
mod floor;
mod held;
mod logs;
mod metrics;
mod reentrancy;
mod span_inner;
#[cfg(not(feature = "naive"))]
mod spans;
#[cfg(feature = "naive")]
#[path = "spans_naive.rs"]
mod spans;
mod tracer;

use exports::wrr::telemetry::admin::{self, KindStats};
use wit_resource_registry::{Error, ResourceRegistry};
use wrr::telemetry::types::TelemetryError;

struct Component;

export!(Component);

/// Locks `mutex`, taking the data even if a panic poisoned it: a trap ends
/// the instance anyway, and every caller here leaves the data consistent.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// The WIT error for a registry that refused a new resource.
pub(crate) fn refused(error: Error) -> TelemetryError {
    match error {
        Error::Full { limit } => TelemetryError::LimitReached(limit as u32),
        _ => TelemetryError::LimitReached(u32::MAX),
    }
}

/// One `kind-stats` record from a registry's stats and leak report.
pub(crate) fn kind_stats<T>(kind: &str, registry: &ResourceRegistry<T>) -> KindStats {
    let s = registry.stats();
    KindStats {
        kind: kind.to_string(),
        live: s.live as u32,
        high_water: s.high_water as u32,
        registered: s.registered,
        removed: s.removed,
        rejected: s.rejected,
        stale_lookups: s.stale_lookups,
        leaked: registry
            .leak_report()
            .entries
            .iter()
            .map(|leak| leak.key.into_raw())
            .collect(),
    }
}

impl admin::Guest for Component {
    type PlainSpan = floor::MyPlainSpan;

    fn set_max_spans(max: u32) {
        spans::set_limit(max);
    }

    fn stats() -> Vec<KindStats> {
        vec![
            spans::stats(),
            kind_stats("log-records", &logs::LOG_RECORDS),
            kind_stats("instruments", &metrics::INSTRUMENTS),
        ]
    }

    fn hold_spans(n: u32) {
        held::hold(n, spans::start);
    }

    fn release_held_spans() {
        held::release();
    }

    fn churn(n: u32) -> u64 {
        held::churn::<spans::MySpan>(n, spans::start, spans::end_quietly)
    }

    fn churn_floor(n: u32) -> u64 {
        floor::churn(n)
    }

    fn reentrancy_check() -> u32 {
        reentrancy::check()
    }

    fn trap(message: String) {
        panic!("trap requested by the host: {}", message);
    }
}
