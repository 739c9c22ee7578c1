//! The single-thread workloads of `benches/lifecycle.rs` (lifecycle,
//! get_hot, churn, drain) and the memory count of `benches/memory.rs`, for
//! every contender, compiled for wasm32-unknown-unknown: the same source
//! (`benches/support/`), the same `Arc<Mutex<Payload>>` values, one core wasm
//! module. wasm32-unknown-unknown has no clock, so the host times the calls
//! (`components/host/benches/wasm.rs`, through
//! `telemetry_host::bench_guest`):
//!
//! * `prepare(workload, contender)` builds the contender and its untimed
//!   set-up (the background entries, the live set, the visiting order);
//! * `run(iters)` runs `iters` steps (a drain is one step) and returns a
//!   checksum the host checks;
//! * `rearm()` refills what a drain emptied, untimed;
//! * `bytes_per_entry(contender)` is `benches/memory.rs`'s count.
//!
//! Numbering: workloads and contenders in the order of [`names::WORKLOADS`]
//! and [`names::CONTENDERS`] (`benches/support/names.rs`).

// The shared bench sources carry more than the guest uses (timed runs,
// threads), and std's newer APIs: the MSRV promise is the library's.
#![allow(dead_code, clippy::incompatible_msrv)]

use std::alloc::System;
use std::cell::RefCell;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use wit_resource_registry::ResourceRegistry;

#[path = "../../../benches/support/contenders.rs"]
mod contenders;
#[path = "../../../benches/support/memory.rs"]
mod memory;
#[path = "../../../benches/support/names.rs"]
pub mod names;
#[path = "../../../benches/support/workloads.rs"]
mod workloads;

use contenders::{Contender, Dash, Floor, MutexSlab, MutexSlotMap, Naive, Payload, ShardedSlab};
use workloads::{
    churn_step, fill, lifecycle_once, order, read, CHURN_SEED, GET_HOT_SEED, LIFECYCLE_BACKGROUND,
    LIVE,
};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// A prepared workload.
trait Bench {
    fn run(&mut self, iters: u64) -> u64;
    fn rearm(&mut self) {}
}

/// A workload of numbered steps that keeps its place across calls: `run`
/// takes the next `iters` steps and answers with how many were taken so far.
trait Step {
    fn step(&mut self, n: u64);
}

struct Stepped<S> {
    steps: S,
    n: u64,
}

impl<S: Step> Bench for Stepped<S> {
    fn run(&mut self, iters: u64) -> u64 {
        for _ in 0..iters {
            self.steps.step(self.n);
            self.n += 1;
        }
        self.n
    }
}

fn stepped<S: Step + 'static>(steps: S) -> Box<dyn Bench> {
    Box::new(Stepped { steps, n: 0 })
}

struct Lifecycle<C> {
    c: C,
    _background: Vec<u64>,
}

impl<C: Contender> Step for Lifecycle<C> {
    fn step(&mut self, n: u64) {
        lifecycle_once(&self.c, n);
    }
}

struct GetHot<C> {
    c: C,
    visit: Vec<u64>,
}

impl<C: Contender> Step for GetHot<C> {
    fn step(&mut self, n: u64) {
        read(&self.c, self.visit[n as usize % LIVE]);
    }
}

struct Churn<C> {
    c: C,
    keys: Vec<u64>,
    visit: Vec<usize>,
}

impl<C: Contender> Step for Churn<C> {
    fn step(&mut self, n: u64) {
        churn_step(&self.c, &mut self.keys, &self.visit, n as usize);
    }
}

/// One step drains the `LIVE` entries; `rearm` fills again once drained, in
/// the same contender (as the native drain workload does).
struct Drain<C> {
    c: C,
    keys: Vec<u64>,
}

impl<C: Contender> Bench for Drain<C> {
    fn run(&mut self, iters: u64) -> u64 {
        let mut drained = 0;
        for _ in 0..iters {
            drained += self.c.drain(&self.keys).len() as u64;
            self.keys.clear();
        }
        drained
    }
    fn rearm(&mut self) {
        if self.keys.is_empty() {
            self.keys = fill(&self.c, LIVE);
        }
    }
}

/// `workload` for contender `C`, which must be the one `names::CONTENDERS`
/// lists under `number` (so the host and the guest cannot disagree).
fn prepared<C: Contender + 'static>(workload: u32, number: u32) -> Option<Box<dyn Bench>> {
    if names::CONTENDERS.get(number as usize) != Some(&C::NAME) {
        return None;
    }
    let c = C::create();
    Some(match workload {
        0 => {
            let background = fill(&c, LIFECYCLE_BACKGROUND);
            stepped(Lifecycle {
                c,
                _background: background,
            })
        }
        1 => {
            let keys = fill(&c, LIVE);
            let visit = order(LIVE, GET_HOT_SEED)
                .into_iter()
                .map(|i| keys[i])
                .collect();
            stepped(GetHot { c, visit })
        }
        2 => {
            let keys = fill(&c, LIVE);
            let visit = order(LIVE, CHURN_SEED);
            stepped(Churn { c, keys, visit })
        }
        3 => {
            let keys = fill(&c, LIVE);
            Box::new(Drain { c, keys })
        }
        _ => return None,
    })
}

thread_local! {
    static BENCH: RefCell<Option<Box<dyn Bench>>> = RefCell::new(None);
}

/// Prepares `workload` for `contender`; returns 0, or 1 for a number that
/// names neither (or a contender whose name is not the one `names` lists).
#[no_mangle]
pub extern "C" fn prepare(workload: u32, contender: u32) -> u32 {
    let bench = match contender {
        0 => prepared::<ResourceRegistry<Payload>>(workload, contender),
        1 => prepared::<Naive>(workload, contender),
        2 => prepared::<MutexSlab>(workload, contender),
        3 => prepared::<MutexSlotMap>(workload, contender),
        4 => prepared::<ShardedSlab>(workload, contender),
        5 => prepared::<Dash>(workload, contender),
        6 => prepared::<Floor>(workload, contender),
        _ => None,
    };
    let ok = bench.is_some();
    BENCH.with(|b| *b.borrow_mut() = bench);
    u32::from(!ok)
}

/// Runs `iters` steps of the prepared workload; its checksum (steps taken
/// so far, or entries drained).
#[no_mangle]
pub extern "C" fn run(iters: u64) -> u64 {
    BENCH.with(|b| b.borrow_mut().as_mut().map_or(0, |bench| bench.run(iters)))
}

/// Refills what a drain emptied (nothing when full, or for the other
/// workloads).
#[no_mangle]
pub extern "C" fn rearm() {
    BENCH.with(|b| {
        if let Some(bench) = b.borrow_mut().as_mut() {
            bench.rearm();
        }
    });
}

/// Registry bytes per live entry, as `benches/memory.rs` counts them; `-1`
/// for a number that names no contender.
#[no_mangle]
pub extern "C" fn bytes_per_entry(contender: u32) -> f64 {
    use memory::bytes_per_entry as count;
    match contender {
        0 => count::<ResourceRegistry<Payload>>(GLOBAL),
        1 => count::<Naive>(GLOBAL),
        2 => count::<MutexSlab>(GLOBAL),
        3 => count::<MutexSlotMap>(GLOBAL),
        4 => count::<ShardedSlab>(GLOBAL),
        5 => count::<Dash>(GLOBAL),
        6 => count::<Floor>(GLOBAL),
        _ => -1.0,
    }
}
