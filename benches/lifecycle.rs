//! The resource lifecycle, this crate against its peers, in one run.
//!
//! * `cargo bench --bench lifecycle` runs every workload under criterion.
//! * `WRR_BENCH_QUICK=1 cargo bench --bench lifecycle` runs each workload a
//!   fixed number of times (best of 5), prints a table and one line
//!   `QUICK key=ratio ...` with the headline ratios, in well under a minute.
//!
//! Ratios are `peer ns/op ÷ this crate's ns/op`: above 1 means this crate is
//! faster. `scripts/bench.sh` turns a criterion run into BENCHMARKS.md's table.

// The MSRV promise covers the library; benches use newer std freely.
#![allow(clippy::incompatible_msrv)]

use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion};
use wit_resource_registry::ResourceRegistry;

mod support {
    pub mod contenders;
    pub mod names;
    pub mod workloads;
}
use support::contenders::{
    Contender, Dash, Floor, MutexSlab, MutexSlotMap, Naive, Payload, ShardedSlab,
};
use support::workloads::{churn, drain, get_hot, lifecycle, mt_get, mt_lifecycle};

type Ours = ResourceRegistry<Payload>;

type Workload = fn(u64) -> Duration;

/// (workload, contender, function) for every measured pair.
fn matrix() -> Vec<(&'static str, &'static str, Workload)> {
    macro_rules! single {
        ($w:ident) => {
            vec![
                (stringify!($w), Ours::NAME, $w::<Ours> as Workload),
                (stringify!($w), Naive::NAME, $w::<Naive>),
                (stringify!($w), MutexSlab::NAME, $w::<MutexSlab>),
                (stringify!($w), MutexSlotMap::NAME, $w::<MutexSlotMap>),
                (stringify!($w), ShardedSlab::NAME, $w::<ShardedSlab>),
                (stringify!($w), Dash::NAME, $w::<Dash>),
                (stringify!($w), Floor::NAME, $w::<Floor>),
            ]
        };
    }
    macro_rules! shared {
        ($w:ident) => {
            vec![
                (stringify!($w), Ours::NAME, $w::<Ours> as Workload),
                (stringify!($w), Naive::NAME, $w::<Naive>),
                (stringify!($w), MutexSlab::NAME, $w::<MutexSlab>),
                (stringify!($w), MutexSlotMap::NAME, $w::<MutexSlotMap>),
                (stringify!($w), ShardedSlab::NAME, $w::<ShardedSlab>),
                (stringify!($w), Dash::NAME, $w::<Dash>),
            ]
        };
    }
    let mut all = Vec::new();
    all.extend(single!(lifecycle));
    all.extend(single!(get_hot));
    all.extend(single!(churn));
    all.extend(single!(drain));
    all.extend(shared!(mt_lifecycle));
    all.extend(shared!(mt_get));
    all
}

fn bench(c: &mut Criterion) {
    let all = matrix();
    let mut workloads: Vec<&str> = all.iter().map(|m| m.0).collect();
    workloads.dedup();
    for workload in workloads {
        let mut group = c.benchmark_group(workload);
        if workload == "drain" {
            group.sample_size(20);
        }
        for &(_, contender, run) in all.iter().filter(|m| m.0 == workload) {
            group.bench_function(BenchmarkId::from_parameter(contender), |b| {
                b.iter_custom(run)
            });
        }
        group.finish();
    }
}

/// Quick mode: fixed iteration counts, best of 5, one summary line.
fn quick() {
    let iters = |workload: &str| match workload {
        "drain" => 20,
        "mt_lifecycle" | "mt_get" => 100, // x MT_BATCH operations each
        _ => 200_000,
    };
    // `WRR_BENCH_QUICK=lifecycle,churn` limits the run to those workloads.
    let only = std::env::var("WRR_BENCH_QUICK").unwrap_or_default();
    let wanted = |w: &str| only == "1" || only.split(',').any(|o| o == w);
    // `WRR_BENCH_CONTENDERS=this-crate,mutex-slab` limits the contenders (for profiling).
    let who = std::env::var("WRR_BENCH_CONTENDERS").unwrap_or_default();
    let chosen = |c: &str| who.is_empty() || who.split(',').any(|o| o == c);
    let mut results: Vec<(&str, &str, f64)> = Vec::new();
    for (workload, contender, run) in matrix().into_iter().filter(|m| wanted(m.0) && chosen(m.1)) {
        let n = iters(workload);
        run(n / 10); // warm up
        let best = (0..5).map(|_| run(n)).min().unwrap_or_default();
        let ns = best.as_nanos() as f64 / n as f64;
        results.push((workload, contender, ns));
    }
    let ns = |w: &str, c: &str| {
        results
            .iter()
            .find(|r| r.0 == w && r.1 == c)
            .map(|r| r.2)
            .unwrap_or(f64::NAN)
    };
    let ours = |w: &str| ns(w, Ours::NAME);
    let best_peer = |w: &str| {
        results
            .iter()
            .filter(|r| r.0 == w && r.1 != Ours::NAME && r.1 != Floor::NAME)
            .map(|r| r.2)
            .fold(f64::INFINITY, f64::min)
    };
    print!("{:<14}", "ns/op");
    for name in support::names::CONTENDERS {
        print!("{:>15}", name);
    }
    println!();
    let two_threads = ["mt_lifecycle", "mt_get"];
    for w in support::names::WORKLOADS.iter().chain(&two_threads) {
        print!("{:<14}", w);
        for c in support::names::CONTENDERS {
            let v = ns(w, c);
            if v.is_nan() {
                print!("{:>15}", "-");
            } else {
                print!("{:>15.1}", v);
            }
        }
        println!();
    }
    print!("QUICK");
    print!(
        " lifecycle_vs_naive={:.2}",
        ns("lifecycle", Naive::NAME) / ours("lifecycle")
    );
    print!(
        " lifecycle_vs_slab={:.2}",
        ns("lifecycle", MutexSlab::NAME) / ours("lifecycle")
    );
    print!(
        " floor_over_lifecycle={:.2}",
        ours("lifecycle") / ns("lifecycle", Floor::NAME)
    );
    for w in [
        "lifecycle",
        "get_hot",
        "churn",
        "drain",
        "mt_lifecycle",
        "mt_get",
    ] {
        print!(" {}_vs_best_peer={:.2}", w, best_peer(w) / ours(w));
    }
    println!();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = bench
}

fn main() {
    if std::env::var_os("WRR_BENCH_QUICK").is_some() {
        quick();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
