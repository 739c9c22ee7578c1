//! A guest cannot hurt its host: `components/otel-wasi-guest` run by
//! `components/embedder` (the stranger's embedder, on `wasi-otel-host`'s
//! public API alone) with one attack before its normal scenario
//! (`attack KIND [N]`, see the guest's `src/attacks/`). Each test runs one
//! attack in an embedder process of its own, so that the process's peak
//! memory (`VmHWM`, which the embedder prints) is that attack's, and checks:
//!
//! - the attack's outcome, and the exact counts of the `drops:` line (every
//!   counter, as `Drops` writes it) or of the shutdown's report;
//! - that the legitimate telemetry that followed arrived whole: the guest's
//!   "request" span tree under the host's span (request, work-0, step-0),
//!   its log record inside "request", its two metrics, and no span anywhere
//!   whose parent is missing.
//!
//! `loop`, `trap` and `big` of 10 MB values end their instance: those run
//! two instances, the attack in the first only (`--first-args`), and the
//! second must be served.
//!
//! Each test prints its peak memory and wall time (`--nocapture`); the
//! figures in `components/README.md` ("A guest cannot hurt its host") come
//! from `cargo test -p telemetry-host --test strangers hostile -- --nocapture
//! --test-threads 1`. No time is asserted; memory bounds are, generously.

use std::collections::HashSet;

use crate::embedder::{assert_no_orphan, run_embedder, Run};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point, Metric};
use opentelemetry_proto::tonic::trace::v1::{span::SpanKind, status::StatusCode, Span};
use prost::Message;
use wasi_otel_host::convert::limits::{DEFAULT_ITEM_BYTES, DEFAULT_VALUE_LENGTH};
use wasi_otel_host::otlp::{self, split::MAX_REQUEST_BYTES, Export};
use wasi_otel_host::{Drops, HOST_SCOPE, UNENDED_SPAN_NAME};

/// The guest's own scope (its tracer, logger and meter).
const GUEST_SCOPE: &str = "otel-wasi-guest";
/// The host's span around each run, as the embedder names it.
const HOST_SPAN: &str = "run";
/// 1 GiB in KiB (as the embedder prints its peak): the bound on every
/// test's peak but that of `big` with 10 MB values, whose guest holds 1 GB
/// of its own.
const GIB: u64 = 1 << 20;

/// Runs the embedder with `attack` (the guest's words) in the first run of
/// `instances`, each run bounded by `time_limit_ms`, and prints the figures.
fn attack(name: &str, attack: &str, instances: usize, time_limit_ms: u64) -> Run {
    let run = run_embedder(
        &[
            "--instances",
            &instances.to_string(),
            "--time-limit",
            &time_limit_ms.to_string(),
            "--first-args",
            attack,
        ],
        &[],
    );
    eprintln!(
        "{}: peak memory {:.1} MiB, wall time {:.2} s",
        name,
        run.peak_kib as f64 / 1024.0,
        run.wall.as_secs_f64()
    );
    run
}

fn attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
}

fn text<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    match attr(attributes, key) {
        Some(any_value::Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

fn int(attributes: &[KeyValue], key: &str) -> Option<i64> {
    match attr(attributes, key) {
        Some(any_value::Value::IntValue(i)) => Some(*i),
        _ => None,
    }
}

fn status(span: &Span) -> (i32, &str) {
    span.status
        .as_ref()
        .map_or((0, ""), |s| (s.code, s.message.as_str()))
}

/// Every span, with its scope's name.
fn spans(exports: &[Export]) -> Vec<(&str, &Span)> {
    otlp::scoped_spans(exports)
}

/// Every log record, with its scope's name.
fn logs(exports: &[Export]) -> Vec<(&str, &LogRecord)> {
    otlp::scoped_log_records(exports)
}

/// Every metric called `name`.
fn metrics<'a>(exports: &'a [Export], name: &str) -> Vec<&'a Metric> {
    otlp::all_metrics(exports)
        .into_iter()
        .filter(|m| m.name == name)
        .collect()
}

fn metric_requests(exports: &[Export]) -> Vec<&ExportMetricsServiceRequest> {
    exports
        .iter()
        .filter_map(|e| match e {
            Export::Metrics(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// The ids the host read left-padded: those the guest's SDK wrote
/// (`{:x}`, no leading zeros) that begin with a zero digit. The SDK writes
/// its spans' contexts (exported under the guest's scope, or ended by the
/// host as unended spans) and its log records' ids; the attacks write
/// theirs in full and never with a leading zero.
fn padded(exports: &[Export]) -> u64 {
    let short = |id: &[u8]| u64::from(id.first().is_some_and(|b| *b < 0x10));
    let spans: u64 = spans(exports)
        .into_iter()
        .filter(|(scope, s)| *scope == GUEST_SCOPE || s.name == UNENDED_SPAN_NAME)
        .map(|(_, s)| short(&s.trace_id) + short(&s.span_id))
        .sum();
    let logs: u64 = logs(exports)
        .into_iter()
        .filter(|(_, r)| !r.trace_id.is_empty())
        .map(|(_, r)| short(&r.trace_id) + short(&r.span_id))
        .sum();
    spans + logs
}

/// Checks the `drops:` line: exactly `expected`'s counts, and the padded
/// ids the output says.
fn assert_drops(run: &Run, mut expected: Drops) {
    expected.padded_ids = padded(&run.exports);
    assert_eq!(run.drops, expected.to_string(), "{}", run.stderr);
}

/// The host's spans, one per run.
fn host_spans(exports: &[Export]) -> Vec<&Span> {
    spans(exports)
        .into_iter()
        .filter(|(scope, s)| *scope == HOST_SCOPE && s.name == HOST_SPAN)
        .map(|(_, s)| s)
        .collect()
}

/// The guest's normal scenario (`spans 3 logs 1 exports 1`) arrived whole,
/// in the trace of the host's span that holds it: request (a child of the
/// host's span), work-0 (of request), step-0 (of work-0); the log record
/// inside request; `guest.spans` (3) and `guest.span.depth` (3 values:
/// 0, 1, 2) in one export. Returns the host's span of that run.
fn assert_served(exports: &[Export]) -> &Span {
    assert_no_orphan(exports);
    let all = spans(exports);
    let requests: Vec<&Span> = all
        .iter()
        .filter(|(scope, s)| *scope == GUEST_SCOPE && s.name == "request")
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(requests.len(), 1, "one served run, one request span");
    let request = requests[0];
    let host = host_spans(exports)
        .into_iter()
        .find(|h| h.trace_id == request.trace_id)
        .expect("the served run's host span");
    assert_eq!(host.kind, SpanKind::Server as i32);
    assert_eq!(
        status(host).0,
        StatusCode::Unset as i32,
        "{:?}",
        host.status
    );
    assert_eq!(request.parent_span_id, host.span_id, "request's parent");
    assert_eq!(int(&request.attributes, "guest.spans"), Some(3));
    assert_eq!(request.events.len(), 1);
    assert_eq!(request.events[0].name, "request started");
    let in_trace: Vec<&Span> = all
        .iter()
        .filter(|(scope, s)| *scope == GUEST_SCOPE && s.trace_id == request.trace_id)
        .map(|(_, s)| *s)
        .collect();
    let mut names: Vec<&str> = in_trace.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["request", "step-0", "work-0"]);
    let named = |n: &str| in_trace.iter().find(|s| s.name == n).copied().unwrap();
    assert_eq!(named("work-0").parent_span_id, request.span_id);
    assert_eq!(named("step-0").parent_span_id, named("work-0").span_id);
    for s in &in_trace {
        assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
        assert_eq!(status(s).0, StatusCode::Unset as i32);
    }

    // The log record: body, severity, attribute, inside request, under the
    // guest's scope.
    let records: Vec<(&str, &LogRecord)> = logs(exports)
        .into_iter()
        .filter(|(_, r)| r.trace_id == request.trace_id)
        .collect();
    assert_eq!(records.len(), 1, "the served run's log record");
    let (scope, record) = records[0];
    assert_eq!(scope, GUEST_SCOPE, "the log record's scope");
    let body = record.body.as_ref().and_then(|b| b.value.as_ref());
    assert_eq!(
        body,
        Some(&any_value::Value::StringValue(format!(
            "log 0 from {}",
            GUEST_SCOPE
        )))
    );
    assert_eq!(record.severity_number, 9);
    assert_eq!(record.severity_text, "info");
    assert_eq!(int(&record.attributes, "guest.log.index"), Some(0));
    assert_eq!(record.span_id, request.span_id);

    // The metrics: one export of each, cumulative, counting the 3 spans.
    let counter = metrics(exports, "guest.spans");
    assert_eq!(counter.len(), 1, "guest.spans exported once");
    let Some(metric::Data::Sum(sum)) = &counter[0].data else {
        panic!("guest.spans is not a sum: {:?}", counter[0].data)
    };
    assert!(sum.is_monotonic);
    assert_eq!(sum.data_points.len(), 1);
    assert_eq!(
        sum.data_points[0].value,
        Some(number_data_point::Value::AsInt(3))
    );
    assert_eq!(
        text(&sum.data_points[0].attributes, "guest.name"),
        Some(GUEST_SCOPE)
    );
    let depth = metrics(exports, "guest.span.depth");
    assert_eq!(depth.len(), 1, "guest.span.depth exported once");
    let Some(metric::Data::Histogram(h)) = &depth[0].data else {
        panic!("guest.span.depth is not a histogram: {:?}", depth[0].data)
    };
    assert_eq!(h.data_points.len(), 1);
    let p = &h.data_points[0];
    assert_eq!(
        (p.count, p.sum, p.min, p.max),
        (3, Some(3.0), Some(0.0), Some(2.0))
    );
    assert_eq!(p.bucket_counts.len(), p.explicit_bounds.len() + 1);
    assert_eq!(p.bucket_counts.iter().sum::<u64>(), 3);
    host
}

/// A run where nothing was lost and nothing failed.
fn assert_clean(run: &Run) {
    assert!(run.success, "the embedder failed:\n{}", run.stderr);
    assert!(run.failed.is_empty() && run.shutdown.is_empty());
}

/// The two runs of an attack that ends its instance: the first failed
/// with `cause`, its host span ended with status ERROR and the cause, its
/// `open` open spans ended by the host (unended spans, status ERROR, children of the
/// host's span); the second served.
fn assert_first_run_stopped(run: &Run, cause: &str, open: usize) {
    assert!(!run.success, "a failed run means exit status 1");
    assert_eq!(run.failed.len(), 1, "{}", run.stderr);
    assert!(
        run.failed[0].starts_with("run 1 failed: ") && run.failed[0].contains(cause),
        "{}",
        run.failed[0]
    );
    assert!(run.shutdown.is_empty(), "{}", run.stderr);
    let served = assert_served(&run.exports);
    let hosts = host_spans(&run.exports);
    assert_eq!(hosts.len(), 2, "one host span per run");
    let stopped = hosts
        .into_iter()
        .find(|h| h.span_id != served.span_id)
        .unwrap();
    let (code, message) = status(stopped);
    assert_eq!(code, StatusCode::Error as i32);
    assert!(
        message.starts_with("the guest trapped: ") && message.contains(cause),
        "{}",
        message
    );
    let in_trace: Vec<&Span> = spans(&run.exports)
        .into_iter()
        .map(|(_, s)| s)
        .filter(|s| s.trace_id == stopped.trace_id && s.span_id != stopped.span_id)
        .collect();
    assert_eq!(in_trace.len(), open, "the stopped run's spans");
    for s in in_trace {
        assert_eq!(s.name, UNENDED_SPAN_NAME);
        assert_eq!(s.parent_span_id, stopped.span_id);
        assert_eq!(status(s), (StatusCode::Error as i32, message));
    }
    assert!(logs(&run.exports)
        .iter()
        .all(|(_, r)| r.trace_id != stopped.trace_id));
    assert_drops(run, Drops::default());
}

/// The reference: the scenario alone.
#[test]
fn baseline_no_attack() {
    let run = attack("baseline", "", 1, 120_000);
    assert_clean(&run);
    assert_served(&run.exports);
    assert_eq!(spans(&run.exports).len(), 4);
    assert_drops(&run, Drops::default());
    assert!(run.peak_kib < GIB);
}

/// `forge`: an `on-start` and an `on-end` with the host's own context are
/// refused; the host's span is exported as the host made it.
#[test]
fn forge_a_hosts_span() {
    let run = attack("forge", "attack forge", 1, 120_000);
    assert_clean(&run);
    let host = assert_served(&run.exports);
    let mut expected = Drops::default();
    expected.host_spans_refused = 2;
    assert_drops(&run, expected);
    let all = spans(&run.exports);
    assert!(all.iter().all(|(_, s)| s.name != "forged"));
    let with_host_id: Vec<_> = all
        .iter()
        .filter(|(_, s)| s.span_id == host.span_id)
        .collect();
    assert_eq!(with_host_id.len(), 1, "the host's span, once");
    let (scope, span) = with_host_id[0];
    assert_eq!((*scope, span.name.as_str()), (HOST_SCOPE, HOST_SPAN));
    assert_eq!(span.kind, SpanKind::Server as i32);
    assert!(span.parent_span_id.is_empty());
    assert!(attr(&span.attributes, "forged").is_none());
    assert_eq!(all.len(), 4);
    assert!(run.peak_kib < GIB);
}

/// `scopes N`: N log records of N distinct scopes. The pipeline keeps at
/// most `MAX_LOG_SCOPES` loggers (the table starts over past that), so the
/// host's memory stays bounded while every record keeps its own scope.
#[test]
fn scopes_distinct_per_record() {
    const N: u64 = 100_000;
    let run = attack("scopes", &format!("attack scopes {}", N), 1, 120_000);
    assert_served(&run.exports);
    assert_drops(&run, Drops::default());
    let records = logs(&run.exports);
    let attacks: Vec<&(&str, &LogRecord)> = records
        .iter()
        .filter(|(_, r)| r.trace_id.is_empty())
        .collect();
    assert_eq!(attacks.len() as u64, N, "{}", run.stderr);
    assert!(run.success && run.failed.is_empty(), "{}", run.stderr);
    for (scope, r) in attacks {
        let Some(any_value::Value::StringValue(body)) =
            r.body.as_ref().and_then(|b| b.value.as_ref())
        else {
            panic!("no body")
        };
        assert_eq!(
            scope.strip_prefix("attack-scope-"),
            body.strip_prefix("scope "),
            "a record under another's scope"
        );
    }
    assert!(run.peak_kib < GIB);
}

/// `points N`: one export of a gauge of N distinct attribute sets. Every
/// point goes out, in requests of at most `MAX_REQUEST_BYTES`.
#[test]
fn points_in_one_export() {
    const N: usize = 200_000;
    let run = attack("points", &format!("attack points {}", N), 1, 120_000);
    assert_clean(&run);
    assert_served(&run.exports);
    assert_drops(&run, Drops::default());
    let mut seen = HashSet::new();
    for m in metrics(&run.exports, "attack.points") {
        let Some(metric::Data::Gauge(g)) = &m.data else {
            panic!("not a gauge")
        };
        for p in &g.data_points {
            let i = int(&p.attributes, "point").expect("the point's attribute");
            assert_eq!(p.value, Some(number_data_point::Value::AsInt(i)));
            assert!(seen.insert(i), "point {} twice", i);
        }
    }
    assert_eq!(seen.len(), N, "points lost");
    let requests = metric_requests(&run.exports);
    assert!(requests.len() > 1, "one request of {} points", N);
    for r in requests {
        assert!(r.encoded_len() <= MAX_REQUEST_BYTES, "{}", r.encoded_len());
    }
    assert!(run.peak_kib < GIB);
}

/// `bad-metrics`: the self-contradicting histogram points and the
/// exponential histogram of scale 21 are dropped, the u64 above `i64::MAX`
/// goes as a double, the valid point beside them goes out.
#[test]
fn bad_metrics() {
    let run = attack("bad-metrics", "attack bad-metrics", 1, 120_000);
    assert_clean(&run);
    assert_served(&run.exports);
    let mut expected = Drops::default();
    expected.invalid_histograms = 4;
    expected.large_unsigned = 1;
    assert_drops(&run, expected);

    let histogram = metrics(&run.exports, "attack.histogram");
    assert_eq!(histogram.len(), 1);
    let Some(metric::Data::Histogram(h)) = &histogram[0].data else {
        panic!("not a histogram")
    };
    assert_eq!(h.data_points.len(), 1, "only the valid point");
    let p = &h.data_points[0];
    assert_eq!(text(&p.attributes, "case"), Some("valid"));
    assert_eq!(
        (p.count, p.sum, &p.bucket_counts[..], &p.explicit_bounds[..]),
        (2, Some(3.5), &[1, 0, 1][..], &[1.0, 2.0][..])
    );
    let exponential = metrics(&run.exports, "attack.exponential");
    assert_eq!(exponential.len(), 1);
    let Some(metric::Data::ExponentialHistogram(e)) = &exponential[0].data else {
        panic!("not an exponential histogram")
    };
    assert!(e.data_points.is_empty(), "scale 21 went out");
    let large = metrics(&run.exports, "attack.large");
    assert_eq!(large.len(), 1);
    let Some(metric::Data::Sum(s)) = &large[0].data else {
        panic!("not a sum")
    };
    assert_eq!(
        s.data_points[0].value,
        Some(number_data_point::Value::AsDouble(u64::MAX as f64))
    );
    assert!(run.peak_kib < GIB);
}

/// `big N` under wasmtime's bound on one host call's data (128 MiB): the
/// host cuts the name, the message and each value to the length limit, and
/// keeps what fits in one item's byte bound; the log body is cut too.
#[test]
fn big_values_are_cut() {
    const N: usize = 1_000_000;
    let run = attack("big 1 MB", &format!("attack big {}", N), 1, 120_000);
    assert_clean(&run);
    assert_served(&run.exports);
    // Each attribute kept takes its key (`big.00`), its value cut to the
    // length limit, and the library's allowance of 10 bytes for a value.
    let kept = DEFAULT_ITEM_BYTES / ("big.00".len() + DEFAULT_VALUE_LENGTH + 10);
    assert_eq!(kept, 15);
    let mut expected = Drops::default();
    // The name, the message, each value kept, the log body.
    expected.truncated = 3 + kept as u64;
    expected.over_limits = 100 - kept as u64;
    assert_drops(&run, expected);

    let all = spans(&run.exports);
    let big: Vec<&Span> = all
        .iter()
        .filter(|(scope, _)| *scope == "attack-big")
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(big.len(), 1);
    let span = big[0];
    assert_eq!(span.name.len(), DEFAULT_VALUE_LENGTH);
    assert!(span.name.starts_with("big"));
    let (code, message) = status(span);
    assert_eq!(code, StatusCode::Error as i32);
    assert_eq!(message.len(), DEFAULT_VALUE_LENGTH);
    assert!(message.starts_with("message"));
    assert_eq!(span.attributes.len(), kept);
    assert_eq!(span.dropped_attributes_count, 100 - kept as u32);
    for kv in &span.attributes {
        let value = text(&span.attributes, &kv.key).unwrap();
        assert_eq!(value.len(), DEFAULT_VALUE_LENGTH, "{}", kv.key);
    }
    let host = host_spans(&run.exports)[0];
    assert_eq!(span.parent_span_id, host.span_id);
    let bodies: Vec<&String> = logs(&run.exports)
        .into_iter()
        .filter(|(scope, _)| *scope == "attack-big")
        .filter_map(|(_, r)| match r.body.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].len(), DEFAULT_VALUE_LENGTH);
    assert!(bodies[0].starts_with("body"));
    assert!(run.peak_kib < GIB);
}

/// `big N` of 10 MB values: the span carries 1 GB in one `on-end`, past
/// wasmtime's bound on what one host call copies (128 MiB by default,
/// `Store::set_hostcall_fuel`): the call traps, the instance is gone, the
/// next is served. The peak is mostly the guest's own 1 GB of linear
/// memory, which lives in the host's process.
#[test]
fn big_values_past_wasmtimes_bound_on_a_call() {
    let run = attack("big 10 MB", "attack big 10000000", 2, 120_000);
    assert_first_run_stopped(
        &run,
        "too much data is being copied between the host and the guest",
        0,
    );
    assert!(spans(&run.exports)
        .iter()
        .all(|(scope, _)| *scope != "attack-big"));
    assert!(run.peak_kib < 2 * GIB);
}

/// `flood N`: N distinct spans ended as fast as the guest can. Each goes
/// out or is counted lost in the shutdown's report (the batch queue full);
/// nothing else is dropped.
#[test]
fn flood_of_spans() {
    const N: u64 = 100_000;
    let run = attack("flood", &format!("attack flood {}", N), 1, 120_000);
    assert_served(&run.exports);
    assert_drops(&run, Drops::default());
    let flood = spans(&run.exports)
        .iter()
        .filter(|(scope, _)| *scope == "attack-flood")
        .count() as u64;
    let lost = run.lost("spans");
    assert_eq!(flood + lost, N, "{}", run.stderr);
    assert_eq!(run.success, lost == 0, "{}", run.stderr);
    assert!(run.failed.is_empty());
    assert!(run.peak_kib < GIB);
}

/// `loop`: a guest that never returns, with 3 spans open, is stopped at
/// its deadline (`--time-limit 500`) like a trap; the next instance is
/// served.
#[test]
fn loop_forever() {
    let run = attack("loop", "attack loop", 2, 500);
    assert_first_run_stopped(&run, "interrupt", 3);
    assert!(run.peak_kib < GIB);
}

/// `trap`: a guest that traps with 3 spans open; the next instance is
/// served.
#[test]
fn trap_with_spans_open() {
    let run = attack("trap", "attack trap", 2, 500);
    assert_first_run_stopped(&run, "unreachable", 3);
    assert!(run.peak_kib < GIB);
}
