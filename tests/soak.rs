//! Soak: millions of span-like lifecycles under a counting global allocator.
//! Allocated bytes must return to the baseline, the high-water mark must stay
//! bounded, and the stats must add up.
//!
//! `WRR_SOAK_LIFECYCLES` sets the count (default 10,000,000). `.ci/run`
//! runs this file in release, where 10 million take a few seconds; the
//! debug-build `cargo test` runs it too, with the same count.

use std::alloc::System;
use std::sync::{Arc, Mutex};

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use wit_resource_registry::{Key, ResourceRegistry};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

struct Span {
    name: String,
    attributes: Vec<(String, String)>,
}

fn lifecycles() -> u64 {
    std::env::var("WRR_SOAK_LIFECYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000)
}

fn live_bytes(region: &Region<'_, System>) -> isize {
    let c = region.change();
    // stats_alloc already folds reallocations into both totals.
    c.bytes_allocated as isize - c.bytes_deallocated as isize
}

#[test]
fn ten_million_lifecycles_return_memory_to_the_baseline() {
    let n = lifecycles();
    let reg: ResourceRegistry<Span> = ResourceRegistry::with_limit(1_000);
    // A few long-lived entries, like open root spans.
    let roots: Vec<Key<Span>> = (0..16)
        .map(|i| {
            reg.try_register(Arc::new(Mutex::new(Span {
                name: format!("root-{}", i),
                attributes: Vec::new(),
            })))
            .unwrap()
        })
        .collect();
    // Warm up, so the slab and the allocator reach their steady state.
    let mut window: Vec<Key<Span>> = Vec::with_capacity(64);
    let step = |i: u64, window: &mut Vec<Key<Span>>| {
        let key = reg
            .try_register(Arc::new(Mutex::new(Span {
                name: String::from("request"),
                attributes: Vec::new(),
            })))
            .expect("under the limit");
        reg.get(key)
            .unwrap()
            .lock()
            .unwrap()
            .attributes
            .push(("i".into(), format!("{:010}", i))); // fixed size: a growing payload is not a leak
        window.push(key);
        // Up to 64 spans open at once, ended oldest first or taken out of turn.
        if window.len() == 64 {
            let victim = window.remove((i % 64) as usize);
            let name = reg
                .take(victim)
                .expect("taken once")
                .with(|span| span.name.clone());
            assert_eq!(name, "request");
        }
    };
    for i in 0..100_000 {
        step(i, &mut window);
    }
    let region = Region::new(GLOBAL);
    let baseline = live_bytes(&region);
    for i in 0..n {
        step(i, &mut window);
    }
    let after = live_bytes(&region);
    assert_eq!(
        after,
        baseline,
        "{} bytes still allocated after {} lifecycles",
        after - baseline,
        n
    );

    let s = reg.stats();
    assert_eq!(s.live, 16 + window.len());
    assert_eq!(s.registered - s.removed, s.live as u64);
    assert!(s.high_water <= 16 + 64, "high-water {}", s.high_water);
    assert_eq!(s.stale_lookups + s.unknown_lookups, 0);
    for key in window.drain(..).chain(roots) {
        assert!(reg.take(key).is_ok());
    }
    assert!(reg.is_empty());
    println!(
        "soak: {} lifecycles, live bytes unchanged, high-water {}",
        n, s.high_water
    );
}
