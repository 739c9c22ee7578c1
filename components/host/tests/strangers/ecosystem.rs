//! The host as strangers use it: `components/embedder`, a program outside
//! the workspace on `wasi-otel-host`'s public API alone, runs
//! `components/otel-wasi-guest`, a guest on the ecosystem's OpenTelemetry
//! crates that reports the way `opentelemetry-wasi` does: ids written
//! without their leading zeros, spans parented on `outer-span-context`
//! under `opentelemetry_sdk`'s default `ParentBased` sampler, cumulative
//! metrics. Many instances go into one pipeline. Nothing may be lost, no
//! span orphaned, no two instances' streams mixed.
//!
//! The test builds the embedder itself (cargo, into the workspace's target
//! dir, whose build it shares);
//! the guest is built by `bash scripts/build-otel-wasi-guest.sh`, which
//! `scripts/test.sh` runs. Each guest run (`spans 8 exports 2`) starts a
//! "request" span on the host's, "work" children and "step" grandchildren,
//! eight spans in all, emits one log record in "request", and exports its
//! cumulative metrics twice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Command;

use crate::embedder::{assert_no_orphan, root};
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
use wasi_otel_host::otlp::{self, Export};

/// Runs the embedder (see `embedder.rs`), which must succeed.
fn run(embedder_args: &[&str], guest_args: &[&str]) -> crate::embedder::Run {
    let run = crate::embedder::run_embedder(embedder_args, guest_args);
    assert!(run.success, "the embedder failed:\n{}", run.stderr);
    run
}

fn string(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.clone()),
            _ => None,
        }
    })
}

const INSTANCES: usize = 32;
/// Spans per guest run (`spans 8`), besides the host's span.
const GUEST_SPANS: usize = 8;

#[test]
fn many_instances_of_an_ecosystem_guest_lose_nothing_and_keep_their_streams_apart() {
    let run = run(
        &["--instances", &INSTANCES.to_string()],
        &["spans", &GUEST_SPANS.to_string(), "exports", "2"],
    );
    let spans = otlp::spans(&run.exports);

    // Every span arrived: the host's span of each instance, and the guest's.
    let host: Vec<_> = spans.iter().filter(|s| s.name == "run").collect();
    assert_eq!(host.len(), INSTANCES);
    assert_eq!(spans.len(), INSTANCES * (1 + GUEST_SPANS), "spans lost");

    // No orphan: every parent id names a span of the output, in its trace.
    assert_no_orphan(&run.exports);
    let ids: HashSet<(&[u8], &[u8])> = spans
        .iter()
        .map(|s| (s.trace_id.as_slice(), s.span_id.as_slice()))
        .collect();
    // Each trace is one instance's: its host span and its guest's spans.
    let traces: HashSet<&[u8]> = spans.iter().map(|s| s.trace_id.as_slice()).collect();
    assert_eq!(traces.len(), INSTANCES);

    // Ids whose first hex digit is 0 arrived shorter and were padded back
    // (about one id in sixteen: over 300 ids, some, or this says so).
    let leading_zero = spans
        .iter()
        .filter(|s| s.name != "run")
        .any(|s| s.span_id[0] < 0x10 || s.trace_id[0] < 0x10);
    assert_eq!(
        leading_zero,
        run.drops.contains("left-padded"),
        "drops: {}",
        run.drops
    );
    assert!(!run.drops.contains("dropped"), "drops: {}", run.drops);

    // Logs: one per guest run, each in its span.
    let logs = otlp::log_records(&run.exports);
    assert_eq!(logs.len(), INSTANCES);
    for log in &logs {
        assert!(
            ids.contains(&(log.trace_id.as_slice(), log.span_id.as_slice())),
            "a log record names no exported span"
        );
    }

    // Metrics: one service.instance.id per instance, and within each
    // stream (instance, metric, point attributes) a cumulative value that
    // never goes down from one export to the next and one start time.
    let mut instances = HashSet::new();
    let mut streams: HashMap<(String, String, String), Vec<(u64, f64)>> = HashMap::new();
    for export in &run.exports {
        let Export::Metrics(request) = export else {
            continue;
        };
        for rm in &request.resource_metrics {
            let resource = rm.resource.as_ref().expect("a resource");
            let instance = string(&resource.attributes, "service.instance.id")
                .expect("every metric export names its instance");
            instances.insert(instance.clone());
            for m in rm.scope_metrics.iter().flat_map(|s| &s.metrics) {
                for (attributes, start, value) in cumulative_points(m) {
                    streams
                        .entry((instance.clone(), m.name.clone(), attributes))
                        .or_default()
                        .push((start, value));
                }
            }
        }
    }
    assert_eq!(instances.len(), INSTANCES, "instances not told apart");
    assert!(!streams.is_empty(), "no cumulative stream arrived");
    let mut restarted = 0;
    for points in streams.values() {
        for pair in points.windows(2) {
            if pair[1].0 != pair[0].0 || pair[1].1 < pair[0].1 {
                restarted += 1;
            }
        }
    }
    assert_eq!(restarted, 0, "cumulative streams restarted");
}

/// A metric's cumulative points: (attributes, start time, value).
fn cumulative_points(
    m: &opentelemetry_proto::tonic::metrics::v1::Metric,
) -> Vec<(String, u64, f64)> {
    let key = |attributes: &[KeyValue]| {
        let sorted: BTreeMap<&str, String> = attributes
            .iter()
            .map(|kv| (kv.key.as_str(), format!("{:?}", kv.value)))
            .collect();
        format!("{:?}", sorted)
    };
    match &m.data {
        Some(metric::Data::Sum(s)) if s.aggregation_temporality == 2 => s
            .data_points
            .iter()
            .map(|p| {
                let v = match p.value {
                    Some(number_data_point::Value::AsInt(i)) => i as f64,
                    Some(number_data_point::Value::AsDouble(x)) => x,
                    None => 0.0,
                };
                (key(&p.attributes), p.start_time_unix_nano, v)
            })
            .collect(),
        Some(metric::Data::Histogram(h)) if h.aggregation_temporality == 2 => h
            .data_points
            .iter()
            .map(|p| (key(&p.attributes), p.start_time_unix_nano, p.count as f64))
            .collect(),
        _ => Vec::new(),
    }
}

/// What a host with no span of its own answers (the invalid context) makes
/// such a guest record: nothing, since its `ParentBased` sampler reads it as
/// an unsampled parent. The documented way is a span per call.
#[test]
fn outside_a_host_span_such_a_guest_samples_nothing() {
    let run = run(&["--no-host-span"], &["spans", "3"]);
    assert!(otlp::spans(&run.exports).is_empty());
}

/// The embedder depends on the library and nothing of the demo, and the
/// library has no build script: building it needs no wasm toolchain.
#[test]
fn the_embedder_depends_on_the_library_alone() {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(root().join("components/embedder/Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let local: Vec<&str> = packages
        .iter()
        .filter(|p| p["source"].is_null())
        .map(|p| p["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(local.len(), 2, "{:?}", local);
    assert!(local.contains(&"wasi-otel-host") && local.contains(&"wasi-otel-embedder"));
    let library = packages
        .iter()
        .find(|p| p["name"] == "wasi-otel-host")
        .expect("the library");
    let build_script = library["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .any(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "custom-build"))
        });
    assert!(!build_script, "the library has a build script");
}
