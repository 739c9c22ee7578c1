//! The names of the workloads and contenders, in the order the wasm guest
//! numbers them: shared by `benches/lifecycle.rs`, `components/bench-guest`
//! and the host that drives it (`telemetry_host::bench_guest`), so that the
//! three cannot disagree.

/// The single-thread workloads, as the guest numbers them.
pub const WORKLOADS: [&str; 4] = ["lifecycle", "get_hot", "churn", "drain"];

/// Every contender, this crate first, the unsynchronised floor last.
pub const CONTENDERS: [&str; 7] = [
    "this-crate",
    "naive-hashmap",
    "mutex-slab",
    "mutex-slotmap",
    "sharded-slab",
    "dashmap",
    "floor-vec",
];
