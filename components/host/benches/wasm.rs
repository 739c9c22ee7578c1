//! Inside wasm, where it matters: the cost of a span lifecycle in the SDK
//! component, and of a whole WIT round trip seen by the host.
//!
//! * `lifecycle_in_guest`: one guest call loops N lifecycles (start a span,
//!   set an attribute, end it): this crate's registry, the naive handle-keyed
//!   `HashMap`, and the floor (a span resource with its data inline and no
//!   registry: what wit-bindgen alone costs).
//! * `round_trip`: the host calls start-span, set-attribute and end, against
//!   the registry-backed and the naive SDK (each end is reported back to the
//!   host through `wasi:otel`).
//! * `wasm_lifecycle`, `wasm_get_hot`, `wasm_churn`, `wasm_drain`: the native
//!   single-thread workloads of `benches/lifecycle.rs`, every contender,
//!   compiled into one core module (`components/bench-guest`) and timed from
//!   here; their memory count goes to `target/bench-memory-wasm.json`.
//!
//! `WRR_BENCH_QUICK=1 cargo bench -p telemetry-host --bench wasm` prints a
//! table and one `QUICK` line instead of running criterion, then the wasm
//! instructions per step of every contender (`QUICK-FUEL`);
//! `WRR_BENCH_QUICK=fuel` prints only those, and the SDK's instructions per
//! span lifecycle (`QUICK-SDK-FUEL`); `WRR_BENCH_QUICK=sdk-fuel` only the
//! latter.

use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion};
use telemetry_host::bench_guest::{BenchGuest, CONTENDERS, DRAINED, WORKLOADS};
use telemetry_host::bindings::sdk::exports::wrr::otel::metrics::Temporality;
use telemetry_host::bindings::sdk::exports::wrr::otel::tracing::Parent;
use telemetry_host::bindings::sdk::exports::wrr::otel::types::Value;
use telemetry_host::{Build, SdkSession};

type Churn = fn(&mut SdkSession, u32) -> wasmtime::Result<u64>;

fn churn(s: &mut SdkSession, n: u32) -> wasmtime::Result<u64> {
    s.api.wrr_otel_admin().call_churn(&mut s.store, n)
}

fn churn_floor(s: &mut SdkSession, n: u32) -> wasmtime::Result<u64> {
    s.api.wrr_otel_admin().call_churn_floor(&mut s.store, n)
}

/// Runs `iters` in-guest lifecycles in one call through `run`.
fn in_guest(build: Build, run: Churn) -> impl FnMut(u64) -> Duration {
    let mut session = SdkSession::new(build).expect("instantiate");
    move |iters| {
        let mut left = iters;
        let start = Instant::now();
        while left > 0 {
            let n = left.min(1_000_000) as u32;
            assert_eq!(run(&mut session, n).expect("churn"), n as u64);
            left -= n as u64;
        }
        start.elapsed()
    }
}

/// `iters` host-driven round trips: start-span, set-attribute, end.
fn round_trips(build: Build) -> impl FnMut(u64) -> Duration {
    let mut s = SdkSession::new(build).expect("instantiate");
    let provider = s
        .provider("bench", Temporality::Cumulative)
        .expect("provider");
    let tracer = s.tracer(provider, "bench").expect("tracer");
    let method = Value::String("GET".into());
    move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            let span = s
                .start_span(tracer, "request", Parent::NewRoot)
                .expect("call")
                .expect("room");
            s.set_attribute(span, "http.method", &method).expect("call");
            s.end_span(span).expect("call");
        }
        let elapsed = start.elapsed();
        // The host forgets what it received, as an exporter would.
        drop(s.take_telemetry());
        elapsed
    }
}

type Run = Box<dyn FnMut(u64) -> Duration>;

/// (workload, contender, its timed run).
type Measured = (String, &'static str, Run);

/// ns per step of `run`: a warm-up of a tenth of `n`, then the best of five
/// runs of `n` steps.
fn best_ns(run: &mut Run, n: u64) -> f64 {
    run(n / 10);
    let best = (0..5).map(|_| run(n)).min().unwrap_or_default();
    best.as_nanos() as f64 / n as f64
}

/// The figure of `contender` on `workload`; NaN when it was not measured.
fn ns_of(results: &[(String, &str, f64)], workload: &str, contender: &str) -> f64 {
    results
        .iter()
        .find(|r| r.0 == workload && r.1 == contender)
        .map_or(f64::NAN, |r| r.2)
}

/// `iters` steps of a native workload inside wasm (a drain of `DRAINED`
/// entries is one step, refilled untimed before each).
fn peer_in_wasm(workload: usize, contender: usize) -> Run {
    let mut guest = BenchGuest::new().expect("instantiate the bench guest");
    guest.prepare(workload, contender).expect("prepare");
    if WORKLOADS[workload] == "drain" {
        Box::new(move |iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                guest.rearm().expect("refill");
                let start = Instant::now();
                assert_eq!(guest.run(1).expect("drain"), DRAINED);
                total += start.elapsed();
            }
            total
        })
    } else {
        Box::new(move |iters| {
            let start = Instant::now();
            guest.run(iters).expect("run");
            start.elapsed()
        })
    }
}

/// Every native single-thread workload against every peer, inside wasm.
fn peers_in_wasm() -> Vec<Measured> {
    let mut all = Vec::new();
    for (w, workload) in WORKLOADS.iter().enumerate() {
        for (c, contender) in CONTENDERS.iter().enumerate() {
            all.push((format!("wasm_{}", workload), *contender, peer_in_wasm(w, c)));
        }
    }
    all
}

/// Bytes per live entry of every contender inside wasm, printed and written
/// to `target/bench-memory-wasm.json` for `scripts/bench_table.py`.
fn memory_in_wasm() {
    let mut guest = BenchGuest::new().expect("instantiate the bench guest");
    let mut json = Vec::new();
    for (c, contender) in CONTENDERS.iter().enumerate() {
        let bytes = guest.bytes_per_entry(c).expect("count");
        println!(
            "MEMORY-WASM {:<14} {:6.1} bytes per live entry",
            contender, bytes
        );
        json.push(format!("\"{}\": {:.2}", contender, bytes));
    }
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/bench-memory-wasm.json");
    if let Err(e) = std::fs::write(&out, format!("{{{}}}", json.join(", "))) {
        eprintln!("could not write {}: {}", out.display(), e);
    }
}

fn contenders() -> Vec<Measured> {
    let lifecycle = || "lifecycle_in_guest".to_string();
    let round_trip = || "round_trip".to_string();
    vec![
        (
            lifecycle(),
            "this-crate",
            Box::new(in_guest(Build::Registry, churn)),
        ),
        (
            lifecycle(),
            "naive-hashmap",
            Box::new(in_guest(Build::Naive, churn)),
        ),
        (
            lifecycle(),
            "floor-no-registry",
            Box::new(in_guest(Build::Registry, churn_floor)),
        ),
        (
            round_trip(),
            "this-crate",
            Box::new(round_trips(Build::Registry)),
        ),
        (
            round_trip(),
            "naive-hashmap",
            Box::new(round_trips(Build::Naive)),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let mut all = contenders();
    all.extend(peers_in_wasm());
    let mut workloads: Vec<String> = all.iter().map(|m| m.0.clone()).collect();
    workloads.dedup();
    for workload in workloads {
        let mut group = c.benchmark_group(&workload);
        if workload == "wasm_drain" {
            group.sample_size(20);
        }
        for (_, name, run) in all.iter_mut().filter(|m| m.0 == workload) {
            group.bench_function(BenchmarkId::from_parameter(*name), |b| {
                b.iter_custom(&mut *run)
            });
        }
        group.finish();
    }
    memory_in_wasm();
}

fn quick() {
    let mut results = Vec::new();
    for (workload, name, mut run) in contenders() {
        let n = if workload == "round_trip" {
            20_000
        } else {
            200_000
        };
        let ns = best_ns(&mut run, n);
        println!("{:<20}{:<20}{:>10.1} ns", workload, name, ns);
        results.push((workload, name, ns));
    }
    let ns = |w: &str, c: &str| ns_of(&results, w, c);
    println!(
        "QUICK wasm_registry_over_floor={:.2} wasm_naive_over_registry={:.2} round_trip_naive_over_registry={:.2}",
        ns("lifecycle_in_guest", "this-crate") / ns("lifecycle_in_guest", "floor-no-registry"),
        ns("lifecycle_in_guest", "naive-hashmap") / ns("lifecycle_in_guest", "this-crate"),
        ns("round_trip", "naive-hashmap") / ns("round_trip", "this-crate"),
    );
    quick_peers();
    memory_in_wasm();
}

/// The native workloads inside wasm: a table of ns per step and one line of
/// ratios (best peer ÷ this crate, floor-vec left out as in the native run).
fn quick_peers() {
    let mut results: Vec<(String, &str, f64)> = Vec::new();
    for (workload, name, mut run) in peers_in_wasm() {
        let n = if workload == "wasm_drain" {
            20
        } else {
            200_000
        };
        let ns = best_ns(&mut run, n);
        results.push((workload, name, ns));
    }
    print!("{:<16}", "ns/step");
    for name in CONTENDERS {
        print!("{:>15}", name);
    }
    println!();
    let mut line = String::from("QUICK-WASM");
    for workload in WORKLOADS {
        let group = format!("wasm_{}", workload);
        let ns = |c: &str| ns_of(&results, &group, c);
        print!("{:<16}", group);
        for name in CONTENDERS {
            print!("{:>15.1}", ns(name));
        }
        println!();
        let best = CONTENDERS[1..CONTENDERS.len() - 1]
            .iter()
            .map(|c| ns(c))
            .fold(f64::INFINITY, f64::min);
        line.push_str(&format!(
            " {}_vs_best_peer={:.2}",
            workload,
            best / ns("this-crate")
        ));
    }
    println!("{}", line);
    quick_fuel();
}

/// Wasm instructions per step (per entry for a drain) of every contender on
/// every workload, counted by wasmtime's fuel: the stable figure to decide
/// by, as callgrind's counts are natively. Printed, and written with the
/// SDK's counts ([`sdk_fuel`]) to `target/bench-fuel-wasm.json` for
/// `scripts/bench_table.py`.
fn quick_fuel() {
    print!("{:<16}", "instr/step");
    for name in CONTENDERS {
        print!("{:>15}", name);
    }
    println!();
    let mut line = String::from("QUICK-FUEL");
    let mut json = serde_json::Map::new();
    for (w, workload) in WORKLOADS.iter().enumerate() {
        print!("{:<16}", format!("wasm_{}", workload));
        let mut counts = Vec::new();
        let mut row = serde_json::Map::new();
        for (c, contender) in CONTENDERS.iter().enumerate() {
            let mut guest = BenchGuest::counting().expect("instantiate the counting guest");
            guest.prepare(w, c).expect("prepare");
            let n = guest
                .instructions_per_step(*workload == "drain", 20_000)
                .expect("count");
            print!("{:>15.1}", n);
            counts.push(n);
            row.insert(contender.to_string(), n.into());
        }
        println!();
        json.insert(format!("wasm_{}", workload), row.into());
        let best = counts[1..counts.len() - 1]
            .iter()
            .fold(f64::INFINITY, |a, b| a.min(*b));
        line.push_str(&format!(" {}={:.1}/{:.1}", workload, counts[0], best));
    }
    println!("{} (this crate / best peer)", line);
    json.insert("lifecycle_in_guest".into(), sdk_fuel().into());
    let out =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-fuel-wasm.json");
    let text = serde_json::Value::from(json).to_string();
    if let Err(e) = std::fs::write(&out, text) {
        eprintln!("could not write {}: {}", out.display(), e);
    }
}

/// Wasm instructions per span lifecycle inside the SDK (`admin.churn` and
/// its no-registry floor, `admin.churn-floor`; the naive build beside them):
/// the in-guest lifecycle row's stable counterpart.
fn sdk_fuel() -> serde_json::Map<String, serde_json::Value> {
    const WARM: u32 = 2_000;
    const COUNTED: u32 = 20_000;
    let per_lifecycle = |build: Build, run: Churn| {
        let mut session = SdkSession::counting(build).expect("instantiate the counting SDK");
        run(&mut session, WARM).expect("warm up");
        let before = session.fuel_used().expect("fuel");
        assert_eq!(
            run(&mut session, COUNTED).expect("churn"),
            u64::from(COUNTED)
        );
        (session.fuel_used().expect("fuel") - before) as f64 / f64::from(COUNTED)
    };
    let registry = per_lifecycle(Build::Registry, churn);
    let naive = per_lifecycle(Build::Naive, churn);
    let floor = per_lifecycle(Build::Registry, churn_floor);
    println!(
        "{:<16}{:>15}{:>15}{:>18}",
        "instr/lifecycle", "this-crate", "naive-hashmap", "floor-no-registry"
    );
    println!(
        "{:<16}{:>15.1}{:>15.1}{:>18.1}",
        "sdk_lifecycle", registry, naive, floor
    );
    println!(
        "QUICK-SDK-FUEL registry={:.1} naive={:.1} floor={:.1} registry_over_floor={:.3}",
        registry,
        naive,
        floor,
        registry / floor
    );
    let mut row = serde_json::Map::new();
    row.insert("this-crate".into(), registry.into());
    row.insert("naive-hashmap".into(), naive.into());
    row.insert("floor-no-registry".into(), floor.into());
    row
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}

fn main() {
    if let Some(quick_mode) = std::env::var_os("WRR_BENCH_QUICK") {
        // `WRR_BENCH_QUICK=fuel`: only the instruction counts, in seconds.
        if quick_mode == "fuel" {
            quick_fuel();
        } else if quick_mode == "sdk-fuel" {
            sdk_fuel();
        } else {
            quick();
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    // The instruction counts of the same code, for the same tables.
    quick_fuel();
}
