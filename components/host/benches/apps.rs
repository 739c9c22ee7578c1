//! The checkout app in each language, composed with the SDK: what starting
//! one costs (composition and compilation once per process, then an
//! instance), and what one checkout request costs, next to the Rust app.
//!
//! * `app_instantiate/<lang>`: a fresh store and instance of the composed
//!   component (what the host pays per instance, and after a trap).
//! * `app_request/<lang>`: one checkout request of the example (three
//!   items), host server span included, into a pipeline with no exporter
//!   (spans are converted to the SDK's `SpanData` and dropped). A fresh
//!   instance every 100 requests keeps the forgotten `audit` spans below
//!   the SDK's limit; instantiation is not timed.
//!
//! Composition and compilation happen once per process and are printed
//! (`START` lines), not repeated: criterion cannot sample a 10 s step.
//! Needs the Python and JavaScript apps built (`bash scripts/build-lang-apps.sh
//! all`); `bash scripts/bench.sh` builds them.

use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion};
use telemetry_host::demo::App;
use telemetry_host::Service;
use wasi_otel_host::Pipeline;

const ITEMS: &[&str] = &["book", "lamp", "chair"];
const PER_INSTANCE: u64 = 100;

fn pipeline() -> Pipeline {
    Pipeline::builder(wasi_otel_host::opentelemetry_sdk::Resource::builder_empty().build()).build()
}

/// Where the start-up figures go, for `scripts/apps_table.py`.
fn start_up_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-apps.json")
}

fn bench(c: &mut Criterion) {
    let pipeline = pipeline();
    let mut start_up = Vec::new();
    for app in App::ALL {
        let (component, prepared) = app.component().unwrap_or_else(|e| panic!("{}", e));
        println!(
            "START {} bytes={} compose_s={:.3} compile_s={:.3}",
            app.name(),
            prepared.bytes,
            prepared.compose.as_secs_f64(),
            prepared.compile.as_secs_f64()
        );
        start_up.push(format!(
            "\"{}\": {{\"bytes\": {}, \"compose_s\": {:.3}, \"compile_s\": {:.3}}}",
            app.name(),
            prepared.bytes,
            prepared.compose.as_secs_f64(),
            prepared.compile.as_secs_f64()
        ));
        c.benchmark_group("app_instantiate")
            .bench_function(BenchmarkId::from_parameter(app.name()), |b| {
                b.iter(|| Service::from_component(component.clone(), &pipeline).expect("instance"))
            });
        c.benchmark_group("app_request").bench_function(
            BenchmarkId::from_parameter(app.name()),
            |b| {
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let mut service = Service::from_component(component.clone(), &pipeline)
                            .expect("instance");
                        let n = left.min(PER_INSTANCE);
                        let started = Instant::now();
                        for _ in 0..n {
                            let response = service.request("ada", ITEMS).expect("a response");
                            assert_eq!(response.status, 200);
                        }
                        spent += started.elapsed();
                        left -= n;
                    }
                    spent
                })
            },
        );
    }
    let json = format!("{{{}}}\n", start_up.join(", "));
    std::fs::write(start_up_file(), json).expect("write target/bench-apps.json");
}

criterion_group! {
    name = apps;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}

fn main() {
    apps();
    Criterion::default().configure_from_args().final_summary();
}
