//! The demo's telemetry over the OpenTelemetry pipeline to real OTLP
//! receivers on 127.0.0.1, over each protocol; receivers that refuse; a
//! dead endpoint; bad input from a guest.

mod receiver;

use std::time::{Duration, Instant};

use receiver::{Received, Refusal};
use telemetry_host::{Build, Service};
use wasi_otel_host::otlp::config::{OtlpConfig, Signal};
use wasi_otel_host::{resource, ExportReport, Pipeline};

type R<T = ()> = wasmtime::Result<T>;

/// The requests of the example: (user, items).
const REQUESTS: [(&str, &[&str]); 2] = [
    ("ada", &["book", "lamp", "chair"]),
    ("grace", &["desk", "pen", "teapot"]),
];

/// What the two checkout requests and the shutdown send.
const SPANS: usize = 20;
const LOG_RECORDS: usize = 7;
const METRIC_POINTS: usize = 6;

fn config(vars: &[(&str, String)]) -> OtlpConfig {
    OtlpConfig::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("a valid configuration")
}

fn env(endpoint: &str, protocol: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.to_string()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_string()),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "x-test=from%20the%20env".into(),
        ),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "5000".into()),
        ("OTEL_SERVICE_NAME", "checkout-test".into()),
    ]
}

/// The example's run: both requests (each answered, whatever the export
/// does), a flush after each, the app's shutdown, the pipeline's; the
/// reports of every flush and of the shutdown.
fn run(config: &OtlpConfig) -> R<Vec<ExportReport>> {
    let pipeline = Pipeline::otlp(config, resource(config, "checkout"))?;
    let mut service = Service::new(Build::Registry, &pipeline)?;
    let mut reports = Vec::new();
    for (user, items) in REQUESTS {
        let response = service.request(user, items)?;
        assert_eq!(response.status, 200, "{}", response.body);
        reports.push(pipeline.force_flush());
    }
    service.shutdown()?;
    reports.push(pipeline.shutdown());
    Ok(reports)
}

fn assert_whole(got: &Received) {
    assert_eq!(got.undecodable, 0);
    assert_eq!(got.trace_count(), 2, "traces");
    assert_eq!(got.spans().len(), SPANS, "spans");
    assert_eq!(got.log_records(), LOG_RECORDS, "log records");
    assert_eq!(got.metric_points(), METRIC_POINTS, "metric points");
    assert_eq!(got.orphan(), None, "a parent id names no span that arrived");
    assert_eq!(
        got.header.as_deref(),
        Some("from the env"),
        "OTEL_EXPORTER_OTLP_HEADERS"
    );
    let service = got.traces[0].resource_spans[0]
        .resource
        .as_ref()
        .and_then(|r| r.attributes.iter().find(|kv| kv.key == "service.name"))
        .and_then(|kv| kv.value.clone());
    assert_eq!(
        format!("{:?}", service),
        format!(
            "{:?}",
            Some(opentelemetry_proto::tonic::common::v1::AnyValue::from(
                wasi_otel_host::opentelemetry::Value::from("checkout-test")
            ))
        ),
        "OTEL_SERVICE_NAME"
    );
}

fn assert_ok(reports: Vec<ExportReport>) {
    for report in reports {
        assert!(report.failures.is_empty(), "{}", report);
    }
}

#[test]
fn everything_arrives_whole_over_http_protobuf() -> R {
    let receiver = receiver::http(&[]);
    assert_ok(run(&config(&env(&receiver.endpoint, "http/protobuf")))?);
    assert_whole(&receiver.received());
    Ok(())
}

#[test]
fn everything_arrives_whole_over_http_json() -> R {
    let receiver = receiver::http(&[]);
    assert_ok(run(&config(&env(&receiver.endpoint, "http/json")))?);
    assert_whole(&receiver.received());
    Ok(())
}

#[test]
fn everything_arrives_whole_over_grpc() -> R {
    let receiver = receiver::grpc(&[]);
    assert_ok(run(&config(&env(&receiver.endpoint, "grpc")))?);
    assert_whole(&receiver.received());
    Ok(())
}

fn throttled(status: u16) -> Vec<Refusal> {
    ["traces", "logs", "metrics"]
        .into_iter()
        .map(|signal| Refusal {
            signal,
            status,
            retry_after: Some(1),
            times: 1,
        })
        .collect()
}

#[test]
fn refused_with_503_or_429_and_retry_after_each_signal_is_retried_and_nothing_is_lost() -> R {
    for status in [503, 429] {
        let receiver = receiver::http(&throttled(status));
        assert_ok(run(&config(&env(&receiver.endpoint, "http/protobuf")))?);
        let got = receiver.received();
        assert_whole(&got);
        for signal in ["traces", "logs", "metrics"] {
            let refused = got
                .answers
                .iter()
                .filter(|(s, r)| *s == signal && *r)
                .count();
            assert_eq!(refused, 1, "{} {} refusals", signal, status);
        }
    }
    Ok(())
}

#[test]
fn over_grpc_unavailable_is_retried_and_nothing_is_lost() -> R {
    let receiver = receiver::grpc(&throttled(503));
    assert_ok(run(&config(&env(&receiver.endpoint, "grpc")))?);
    assert_whole(&receiver.received());
    Ok(())
}

#[test]
fn a_400_is_not_retried_and_is_reported_with_its_signal() -> R {
    let refusals: Vec<Refusal> = throttled(400)
        .into_iter()
        .map(|r| Refusal {
            retry_after: None,
            ..r
        })
        .collect();
    let receiver = receiver::http(&refusals);
    let reports = run(&config(&env(&receiver.endpoint, "http/protobuf")))?;
    // The first flush sends spans and logs, the app's shutdown its metrics.
    let failed: Vec<Signal> = reports
        .iter()
        .flat_map(|r| &r.failures)
        .map(|f| f.signal)
        .collect();
    assert_eq!(failed, [Signal::Traces, Signal::Logs, Signal::Metrics]);
    let text = reports[0].to_string();
    assert!(
        text.contains("traces were not exported (http/protobuf to http://127.0.0.1:"),
        "{}",
        text
    );
    assert!(text.contains("400"), "{}", text);
    let got = receiver.received();
    // Each refused once, never again: the first request's batch is lost
    // (and said to be), the second request's and the shutdown's arrive.
    for signal in ["traces", "logs", "metrics"] {
        let tries = got
            .answers
            .iter()
            .filter(|(s, r)| *s == signal && *r)
            .count();
        assert_eq!(tries, 1, "{} retried a 400", signal);
    }
    assert_eq!(
        got.trace_count(),
        2,
        "the second request and the shutdown's spans"
    );
    Ok(())
}

#[test]
fn a_dead_endpoint_answers_every_request_ends_in_bounded_time_and_says_what_failed() -> R {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    for protocol in ["http/protobuf", "grpc"] {
        let mut vars = env(&format!("http://127.0.0.1:{}", port), protocol);
        vars.push(("OTEL_EXPORTER_OTLP_TIMEOUT", "1000".into()));
        vars.retain(|(k, v)| *k != "OTEL_EXPORTER_OTLP_TIMEOUT" || v == "1000");
        let started = Instant::now();
        let reports = run(&config(&vars))?;
        let took = started.elapsed();
        // A bound on hanging, not a speed claim: three flushes of three
        // signals, each at most its timeout.
        assert!(took < Duration::from_secs(60), "{:?}", took);
        // Spans are sent by every flush, logs by the requests' flushes,
        // metrics by the shutdown: each failure is reported where it happens.
        let failed =
            |i: usize| -> Vec<Signal> { reports[i].failures.iter().map(|f| f.signal).collect() };
        assert_eq!(failed(0), [Signal::Traces, Signal::Logs], "{}", reports[0]);
        assert_eq!(failed(1), [Signal::Traces, Signal::Logs], "{}", reports[1]);
        assert_eq!(
            failed(2),
            [Signal::Traces, Signal::Metrics],
            "{}",
            reports[2]
        );
        let text = reports[2].to_string();
        assert!(text.contains(&format!("127.0.0.1:{}", port)), "{}", text);
        eprintln!("{} to a dead endpoint, {:?}:\n{}", protocol, took, text);
    }
    Ok(())
}
