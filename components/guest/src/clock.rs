//! The component's logical clock: wasm32-unknown-unknown has no wall clock
//! (`Instant::now` panics there), and a logical one makes tests exact.

use std::sync::atomic::{AtomicU64, Ordering};

static NOW: AtomicU64 = AtomicU64::new(1);

/// The next tick.
pub(crate) fn tick() -> u64 {
    NOW.fetch_add(1, Ordering::Relaxed)
}
