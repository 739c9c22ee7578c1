//! Registry bytes per live entry, counted by a `stats_alloc` global
//! allocator: shared by `benches/memory.rs` (native) and the wasm guest of
//! `components/bench-guest`, which each install the allocator.

use std::alloc::System;

use stats_alloc::{Region, StatsAlloc};

use super::contenders::{Contender, Payload};

/// Live entries held while measuring.
pub const LIVE: usize = 100_000;

/// Bytes the contender holds (allocated and not freed) per entry while it
/// holds `LIVE` of them. The values and the key list are allocated before
/// counting starts: only what the registry allocates for itself is counted.
pub fn bytes_per_entry<C: Contender>(alloc: &'static StatsAlloc<System>) -> f64 {
    let mut values: Vec<_> = (0..LIVE as u64).map(Payload::new).collect();
    let mut keys = Vec::with_capacity(LIVE);
    let region = Region::new(alloc);
    let c = C::create();
    // `drain` leaves the list's buffer allocated until after the count.
    for value in values.drain(..) {
        keys.push(c.register(value));
    }
    let stats = region.change();
    drop(values);
    // stats_alloc already folds reallocations into both totals.
    let held = stats.bytes_allocated as i64 - stats.bytes_deallocated as i64;
    std::hint::black_box((&c, &keys));
    held as f64 / LIVE as f64
}
