//! What a guest may send that rc.2 does not promise, straight into the
//! pipeline (a correct SDK never sends it): each kind gets its defined
//! outcome, no panic, and the rest of the batch still goes out, over
//! OTLP/HTTP with JSON bodies (the encoding where non-finite doubles would
//! show) and to the OTLP/JSON file.

mod receiver;

use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
use opentelemetry_proto::tonic::metrics::v1::{metric::Data, number_data_point};
use wasi_otel_host::convert::{Drops, MAX_ATTRIBUTES};
use wasi_otel_host::otlp::config::OtlpConfig;
use wasi_otel_host::otlp::memory::MemoryExporter;
use wasi_otel_host::otlp::{self, Export};
use wasi_otel_host::Datetime;
use wasi_otel_host::{logs, metrics as m, tracing as t, types};
use wasi_otel_host::{resource, Pipeline, TelemetrySink};

type R<T = ()> = wasmtime::Result<T>;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn at(seconds: u64) -> Datetime {
    Datetime {
        seconds,
        nanoseconds: 0,
    }
}

fn kv(key: &str, json: &str) -> types::KeyValue {
    types::KeyValue {
        key: key.into(),
        value: json.into(),
    }
}

fn span(name: &str, trace: &str, id: &str) -> t::SpanData {
    t::SpanData {
        span_context: t::SpanContext {
            trace_id: trace.into(),
            span_id: id.into(),
            trace_flags: t::TraceFlags::SAMPLED,
            is_remote: false,
            trace_state: Vec::new(),
        },
        parent_span_id: String::new(),
        span_kind: t::SpanKind::Internal,
        name: name.into(),
        start_time: at(100),
        end_time: at(101),
        attributes: Vec::new(),
        events: Vec::new(),
        links: Vec::new(),
        status: t::Status::Unset,
        instrumentation_scope: types::InstrumentationScope {
            name: "bad-guest".into(),
            version: None,
            schema_url: None,
            attributes: Vec::new(),
        },
        dropped_attributes: 0,
        dropped_events: 0,
        dropped_links: 0,
    }
}

fn log(severity: Option<u8>, text: Option<&str>, body: &str) -> logs::LogRecord {
    logs::LogRecord {
        timestamp: Some(at(100)),
        observed_timestamp: None,
        severity_text: text.map(String::from),
        severity_number: severity,
        body: Some(body.into()),
        attributes: None,
        event_name: Some("bad.event".into()),
        resource: None,
        instrumentation_scope: None,
        trace_id: Some("short".into()),
        span_id: Some("00f067aa0ba902b7".into()),
        trace_flags: None,
    }
}

fn histogram(sum: f64) -> m::HistogramDataPoint {
    m::HistogramDataPoint {
        attributes: vec![kv("sum", &format!("\"{}\"", sum))],
        count: 1,
        bounds: vec![10.0],
        bucket_counts: vec![1, 0],
        min: None,
        max: None,
        sum: m::MetricNumber::F64(sum),
        exemplars: Vec::new(),
    }
}

fn metrics() -> m::ResourceMetrics {
    let sum_point = |x: f64| m::SumDataPoint {
        attributes: Vec::new(),
        value: m::MetricNumber::F64(x),
        exemplars: Vec::new(),
    };
    m::ResourceMetrics {
        resource: types::Resource {
            attributes: vec![
                kv("guest.only", "\"kept\""),
                kv("service.name", "\"guest\""),
            ],
            schema_url: None,
        },
        scope_metrics: vec![m::ScopeMetrics {
            scope: types::InstrumentationScope {
                name: "bad-guest".into(),
                version: None,
                schema_url: None,
                attributes: Vec::new(),
            },
            metrics: vec![
                m::Metric {
                    name: "h".into(),
                    description: String::new(),
                    unit: String::new(),
                    data: m::MetricData::F64Histogram(m::Histogram {
                        data_points: vec![
                            histogram(5.0),
                            histogram(f64::NAN),
                            histogram(f64::INFINITY),
                        ],
                        start_time: at(100),
                        time: at(101),
                        temporality: m::Temporality::Cumulative,
                    }),
                },
                m::Metric {
                    name: "s".into(),
                    description: String::new(),
                    unit: String::new(),
                    data: m::MetricData::F64Sum(m::Sum {
                        data_points: vec![sum_point(f64::NEG_INFINITY), sum_point(2.5)],
                        start_time: at(100),
                        time: at(101),
                        temporality: m::Temporality::Delta,
                        is_monotonic: false,
                    }),
                },
            ],
        }],
    }
}

/// Sends every kind of bad input, and one good span, into `sink`.
fn send_bad_input(sink: &mut impl TelemetrySink) {
    // Ids that name no span: dropped.
    sink.span_ended(span("zero trace", &"0".repeat(32), "00f067aa0ba902b7"));
    sink.span_ended(span("long span id", TRACE, "00f067aa0ba902b7a"));
    sink.span_ended(span("not hex", TRACE, "zzzzzzzzzzzzzzzz"));
    // Ids written without their leading zeros (as opentelemetry-wasi writes
    // them) or in upper case: read, and the child finds its parent.
    let mut short = span("short ids", SHORT_TRACE, "abc");
    short.parent_span_id = "F067AA0BA902B7".into();
    sink.span_ended(short);
    let mut child = span("child of short", SHORT_TRACE, "0000000000000def");
    child.parent_span_id = "0000000000000abc".into();
    sink.span_ended(child);
    // An end before its start: clamped.
    let mut backwards = span("backwards", TRACE, "0000000000000001");
    backwards.end_time = at(50);
    sink.span_ended(backwards);
    // A malformed parent: the span becomes a root.
    let mut orphan = span("bad parent", TRACE, "0000000000000002");
    orphan.parent_span_id = "xyz".into();
    sink.span_ended(orphan);
    // Text that is not rc.2's JSON; very many attributes.
    let mut busy = span("busy", TRACE, "0000000000000003");
    busy.attributes = (0..1000)
        .map(|i| kv(&format!("k{}", i), &i.to_string()))
        .collect();
    busy.attributes[0] = kv("nan", "NaN");
    busy.attributes[1] = kv("inf", "-Infinity");
    busy.attributes[2] = kv("broken", "{\"unclosed\"");
    busy.dropped_attributes = 3;
    sink.span_ended(busy);
    // A span that ends twice: the second is dropped.
    sink.span_ended(span("twice", TRACE, "0000000000000004"));
    sink.span_ended(span("twice", TRACE, "0000000000000004"));
    // And a good one.
    sink.span_ended(span("good", TRACE, "0000000000000005"));
    sink.log_emitted(log(Some(99), Some("LOUD"), "NaN"));
    sink.log_emitted(log(Some(9), Some("INFO"), "\"fine\""));
    sink.metrics_exported(metrics()).expect("accepted");
}

/// A trace id of 31 digits: its first was a zero.
const SHORT_TRACE: &str = "bf92f3577b34da6a3ce929d0e0e4736";

fn expected_drops() -> Drops {
    let mut drops = Drops::default();
    drops.invalid_ids = 3;
    // "short ids": its trace, span and parent ids; "child of short": its trace id.
    drops.padded_ids = 3 + 1;
    drops.uppercase_ids = 1;
    drops.bad_parents = 1;
    drops.bad_log_ids = 2; // the two logs' trace id, "short", is no hex
    drops.clamped_ends = 1;
    drops.ended_twice = 1;
    drops.over_limits = (1000 - MAX_ATTRIBUTES) as u64;
    drops.not_json = 3 + 1; // three span attributes and one log body
    drops.bad_severities = 1;
    drops.non_finite_points = 3;
    drops
}

fn check(exports: &[Export]) {
    let spans = otlp::spans(exports);
    let mut names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "backwards",
            "bad parent",
            "busy",
            "child of short",
            "good",
            "short ids",
            "twice"
        ]
    );
    let find = |name: &str| spans.iter().find(|s| s.name == name).unwrap();
    let (short, child) = (find("short ids"), find("child of short"));
    assert_eq!(hex(&short.trace_id), format!("0{}", SHORT_TRACE));
    assert_eq!(hex(&short.span_id), "0000000000000abc");
    assert_eq!(hex(&short.parent_span_id), "00f067aa0ba902b7");
    assert_eq!(
        child.parent_span_id, short.span_id,
        "the child finds its parent"
    );
    assert_eq!(child.trace_id, short.trace_id);
    let backwards = find("backwards");
    assert_eq!(backwards.end_time_unix_nano, backwards.start_time_unix_nano);
    assert!(find("bad parent").parent_span_id.is_empty());
    let busy = find("busy");
    assert_eq!(busy.attributes.len(), MAX_ATTRIBUTES);
    assert_eq!(
        busy.dropped_attributes_count,
        3 + (1000 - MAX_ATTRIBUTES) as u32
    );
    let text = |key: &str| match busy
        .attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.clone())
    {
        Some(V::StringValue(s)) => s,
        other => panic!("{}: {:?}", key, other),
    };
    assert_eq!(text("nan"), "NaN");
    assert_eq!(text("inf"), "-Infinity");
    assert_eq!(text("broken"), "{\"unclosed\"");

    let records = otlp::log_records(exports);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].severity_number, 0, "99 is no severity");
    assert_eq!(records[0].severity_text, "LOUD");
    assert_eq!(records[0].event_name, "bad.event");
    assert!(
        records[0].trace_id.is_empty(),
        "a short trace id is no trace id"
    );
    assert_eq!(records[1].severity_text, "INFO");

    let metrics = otlp::all_metrics(exports);
    let points = |name: &str| match &metrics.iter().find(|m| m.name == name).unwrap().data {
        Some(Data::Histogram(h)) => h
            .data_points
            .iter()
            .map(|p| p.sum.unwrap())
            .collect::<Vec<_>>(),
        Some(Data::Sum(s)) => s
            .data_points
            .iter()
            .map(|p| match p.value {
                Some(number_data_point::Value::AsDouble(x)) => x,
                other => panic!("{:?}", other),
            })
            .collect(),
        other => panic!("{:?}", other),
    };
    assert_eq!(points("h"), [5.0]);
    assert_eq!(points("s"), [2.5]);
    let Export::Metrics(request) = exports
        .iter()
        .find(|e| matches!(e, Export::Metrics(_)))
        .unwrap()
    else {
        unreachable!()
    };
    let resource = request.resource_metrics[0].resource.as_ref().unwrap();
    let value = |key: &str| {
        resource
            .attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref()?.value.clone())
    };
    assert_eq!(
        value("service.name"),
        Some(V::StringValue("host-service".into())),
        "the host's wins"
    );
    assert_eq!(value("guest.only"), Some(V::StringValue("kept".into())));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}

fn host_resource() -> wasi_otel_host::opentelemetry_sdk::Resource {
    let config = OtlpConfig::from_lookup(|_| None).unwrap();
    resource(&config, "host-service")
}

#[test]
fn each_bad_input_gets_its_outcome_and_the_rest_goes_out() -> R {
    let memory = MemoryExporter::default();
    let mut pipeline = Pipeline::memory(&memory, host_resource());
    send_bad_input(&mut pipeline);
    pipeline.shutdown().into_result()?;
    assert_eq!(pipeline.drops(), expected_drops());
    let exports = memory.take();
    check(&exports);
    // The OTLP/JSON file reads back the same, and no double became `null`
    // (serde_json's rendering of NaN; only unset optional fields are null).
    let mut file = Vec::new();
    otlp::write_lines(&mut file, &exports)?;
    let text = String::from_utf8(file)?;
    for field in ["sum", "asDouble", "doubleValue"] {
        assert!(!text.contains(&format!("\"{}\":null", field)), "{}", text);
    }
    assert_eq!(otlp::parse_lines(&text)?, exports);
    Ok(())
}

#[test]
fn over_http_json_the_batch_with_bad_input_arrives() -> R {
    let receiver = receiver::http(&[]);
    let config = OtlpConfig::from_lookup(|name| match name {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(receiver.endpoint.clone()),
        "OTEL_EXPORTER_OTLP_PROTOCOL" => Some("http/json".into()),
        _ => None,
    })?;
    let mut pipeline = Pipeline::otlp(&config, host_resource())?;
    send_bad_input(&mut pipeline);
    pipeline.shutdown().into_result()?;
    let got = receiver.received();
    assert_eq!(got.undecodable, 0);
    assert_eq!(got.spans().len(), 7);
    assert_eq!(got.log_records(), 2);
    assert_eq!(got.metric_points(), 2);
    Ok(())
}
