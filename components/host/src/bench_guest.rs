//! The registry and its peers inside wasm: the core module built from
//! `components/bench-guest`, which runs the single-thread workloads of
//! `benches/lifecycle.rs` and the memory count of `benches/memory.rs` for
//! every contender. The guest has no clock; callers time [`BenchGuest::run`].

use wasmtime::{Engine, Instance, Linker, Module, Store, TypedFunc};

/// The guest module, built by this crate's build script.
const MODULE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bench_guest.wasm"));

/// The names of the workloads and contenders, by the numbers the guest
/// takes (the guest compiles the same file).
#[path = "../../../benches/support/names.rs"]
mod names;
pub use names::{CONTENDERS, WORKLOADS};

/// Entries a drain empties (the guest's `LIVE`).
pub const DRAINED: u64 = 10_000;

/// One instance of the guest, with one workload prepared at a time.
pub struct BenchGuest {
    store: Store<()>,
    prepare: TypedFunc<(u32, u32), u32>,
    run: TypedFunc<u64, u64>,
    rearm: TypedFunc<(), ()>,
    bytes_per_entry: TypedFunc<u32, f64>,
}

impl BenchGuest {
    /// A fresh instance (its own memory, nothing prepared).
    pub fn new() -> wasmtime::Result<Self> {
        Self::in_engine(crate::engine())
    }

    /// A fresh instance in the [fuel-counting
    /// engine](crate::counting_engine), for
    /// [`instructions_per_step`](Self::instructions_per_step).
    pub fn counting() -> wasmtime::Result<Self> {
        Self::in_engine(crate::counting_engine())
    }

    fn in_engine(engine: &Engine) -> wasmtime::Result<Self> {
        let module = Module::new(engine, MODULE)?;
        let mut store = Store::new(engine, ());
        crate::demo::ready(&mut store)?;
        let instance: Instance = Linker::new(engine).instantiate(&mut store, &module)?;
        Ok(BenchGuest {
            prepare: instance.get_typed_func(&mut store, "prepare")?,
            run: instance.get_typed_func(&mut store, "run")?,
            rearm: instance.get_typed_func(&mut store, "rearm")?,
            bytes_per_entry: instance.get_typed_func(&mut store, "bytes_per_entry")?,
            store,
        })
    }

    /// Builds `workload` (an index of [`WORKLOADS`]) for `contender` (an
    /// index of [`CONTENDERS`]), with its untimed set-up.
    pub fn prepare(&mut self, workload: usize, contender: usize) -> wasmtime::Result<()> {
        let status = self
            .prepare
            .call(&mut self.store, (workload as u32, contender as u32))?;
        if status != 0 {
            wasmtime::bail!("the guest has no workload {workload} or contender {contender}");
        }
        Ok(())
    }

    /// Runs `iters` steps of the prepared workload (a drain is one step);
    /// returns the guest's checksum: steps so far, or entries drained.
    pub fn run(&mut self, iters: u64) -> wasmtime::Result<u64> {
        self.run.call(&mut self.store, iters)
    }

    /// Wasm instructions per step of the prepared workload (per entry for a
    /// drain), from a [`BenchGuest::counting`] instance: `steps` steps after
    /// a warm-up of as many (a drain: one drain of [`DRAINED`] entries).
    pub fn instructions_per_step(&mut self, drain: bool, steps: u64) -> wasmtime::Result<f64> {
        let (per, steps) = if drain {
            self.rearm()?;
            (DRAINED, 1)
        } else {
            self.run(steps)?;
            (steps, steps)
        };
        let before = self.store.get_fuel()?;
        self.run(steps)?;
        let used = before - self.store.get_fuel()?;
        Ok(used as f64 / per as f64)
    }

    /// Refills what a drain emptied, untimed (nothing if it is full).
    pub fn rearm(&mut self) -> wasmtime::Result<()> {
        self.rearm.call(&mut self.store, ())
    }

    /// Registry bytes per live entry at 100,000 live, inside wasm.
    pub fn bytes_per_entry(&mut self, contender: usize) -> wasmtime::Result<f64> {
        self.bytes_per_entry.call(&mut self.store, contender as u32)
    }
}
