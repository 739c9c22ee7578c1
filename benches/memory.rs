//! Registry bytes per live entry: what each contender allocates for its own
//! bookkeeping while it holds 100,000 entries, counted by a counting global
//! allocator (the values themselves are made before counting starts, so only
//! the registry's bytes are measured). Deterministic, so one run is enough.
//!
//! `cargo bench --bench memory` prints the table and writes
//! `target/bench-memory.json`, which `scripts/bench_table.py` reads.

// Benches run on the current toolchain; the MSRV is the library's.
#![allow(clippy::incompatible_msrv)]

use std::alloc::System;
use std::fmt::Write;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use wit_resource_registry::ResourceRegistry;

// Only registering is measured here; the other methods serve the timings.
#[allow(dead_code)]
mod support {
    pub mod contenders;
    pub mod memory;
}
use support::contenders::{Contender, Dash, Floor, MutexSlab, MutexSlotMap, Naive, ShardedSlab};
use support::memory::LIVE;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn bytes_per_entry<C: Contender>() -> f64 {
    support::memory::bytes_per_entry::<C>(GLOBAL)
}

fn main() {
    let rows = [
        (
            ResourceRegistry::<support::contenders::Payload>::NAME,
            bytes_per_entry::<ResourceRegistry<support::contenders::Payload>>(),
        ),
        (Naive::NAME, bytes_per_entry::<Naive>()),
        (MutexSlab::NAME, bytes_per_entry::<MutexSlab>()),
        (MutexSlotMap::NAME, bytes_per_entry::<MutexSlotMap>()),
        (ShardedSlab::NAME, bytes_per_entry::<ShardedSlab>()),
        (Dash::NAME, bytes_per_entry::<Dash>()),
        (Floor::NAME, bytes_per_entry::<Floor>()),
    ];
    let mut json = String::from("{");
    for (i, (name, bytes)) in rows.iter().enumerate() {
        println!(
            "MEMORY {:<14} {:6.1} bytes per live entry ({} live)",
            name, bytes, LIVE
        );
        let _ = write!(
            json,
            "{}\"{}\": {:.2}",
            if i > 0 { ", " } else { "" },
            name,
            bytes
        );
    }
    json.push('}');
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-memory.json");
    if let Err(e) = std::fs::write(&out, json) {
        eprintln!("could not write {}: {}", out.display(), e);
    }
}
