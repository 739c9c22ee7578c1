//! Differential fuzzing: the bytes decode to a sequence of every public
//! operation, run against the registry and a `HashMap` model
//! (`tests/support/model.rs`, the same interpreter the model test and the
//! regression corpus use). Any divergence or panic is a crash.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/model.rs"]
mod model;

/// Operations run so far; `scripts/fuzz.sh` reads the last report.
static OPS: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|data: &[u8]| {
    let ops = model::decode_ops(data);
    model::run(&ops);
    let before = OPS.fetch_add(ops.len() as u64, Ordering::Relaxed);
    if (before + ops.len() as u64) / 1_000_000 > before / 1_000_000 {
        eprintln!("#ops {}", before + ops.len() as u64);
    }
});
