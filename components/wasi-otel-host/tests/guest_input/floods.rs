//! A guest that floods the host: what it sends is bounded where it is
//! held, cut where a receiver would refuse it, and counted where it is
//! changed; the legitimate telemetry after it arrives whole.

use wasi_otel_host::otlp::config::OtlpConfig;
use wasi_otel_host::otlp::memory::MemoryExporter;
use wasi_otel_host::otlp::split::MAX_REQUEST_BYTES;
use wasi_otel_host::otlp::{self, Export};
use wasi_otel_host::pipeline::{MAX_LOG_SCOPES, MAX_PENDING_POINTS};
use wasi_otel_host::types::KeyValue;
use wasi_otel_host::{resource, Pipeline, TelemetrySink};

use prost::Message;
use wasi_otel_host::opentelemetry_proto::tonic::common::v1::any_value::Value as V;

use crate::common::{gauge, log, memory_pipeline, R};





fn metric_requests(exports: &[Export]) -> Vec<&wasi_otel_host::opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest>{
    exports
        .iter()
        .filter_map(|e| match e {
            Export::Metrics(m) => Some(m),
            _ => None,
        })
        .collect()
}

#[test]
fn every_record_keeps_its_scope_however_many_scopes_there_are() -> R {
    let (mut pipeline, memory) = memory_pipeline("floods")?;
    let scopes = MAX_LOG_SCOPES + 500;
    let mut exports = Vec::new();
    for i in 0..scopes {
        pipeline.log_emitted(log(&format!("scope-{}", i), &i.to_string()));
        // Flushed as it goes: the batch queue (2,048) is not what is tested.
        if i % 1000 == 999 {
            pipeline.force_flush().into_result()?;
            exports.extend(memory.take());
        }
    }
    pipeline.log_emitted(log("scope-0", "again"));
    pipeline.force_flush().into_result()?;
    exports.extend(memory.take());
    let mut arrived = 0;
    for e in &exports {
        let Export::Logs(l) = e else { continue };
        for s in l.resource_logs.iter().flat_map(|r| &r.scope_logs) {
            let scope = s
                .scope
                .as_ref()
                .map(|s| s.name.as_str())
                .unwrap_or_default();
            for r in &s.log_records {
                let body = match r.body.as_ref().and_then(|b| b.value.as_ref()) {
                    Some(V::StringValue(b)) => b.clone(),
                    other => panic!("{:?}", other),
                };
                let expected = if body == "again" {
                    "scope-0".to_string()
                } else {
                    format!("scope-{}", body)
                };
                assert_eq!(scope, expected);
                arrived += 1;
            }
        }
    }
    assert_eq!(arrived, scopes + 1, "every record arrived");
    assert!(pipeline.drops().is_empty(), "{}", pipeline.drops());
    Ok(())
}

#[test]
fn a_huge_metric_export_goes_out_in_requests_a_receiver_takes() -> R {
    let (mut pipeline, memory) = memory_pipeline("floods")?;
    let points = 100_000;
    pipeline
        .metrics_exported(gauge(points))
        .map_err(|e| e.to_string())?;
    // Over the pending bound: sent before any flush.
    let exports = memory.take();
    let requests = metric_requests(&exports);
    assert!(requests.len() > 1, "cut into {} requests", requests.len());
    assert!(requests
        .iter()
        .all(|r| r.encoded_len() <= MAX_REQUEST_BYTES));
    let arrived: usize = otlp::all_metrics(&exports)
        .iter()
        .map(|m| match &m.data {
            Some(wasi_otel_host::opentelemetry_proto::tonic::metrics::v1::metric::Data::Gauge(
                g,
            )) => g.data_points.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(arrived, points, "every point arrived");
    assert!(points >= MAX_PENDING_POINTS);
    Ok(())
}

#[test]
fn small_exports_are_held_until_a_flush_or_the_point_bound() -> R {
    let (mut pipeline, memory) = memory_pipeline("floods")?;
    pipeline
        .metrics_exported(gauge(10))
        .map_err(|e| e.to_string())?;
    assert!(memory.take().is_empty(), "held until a flush");
    pipeline.force_flush().into_result()?;
    assert_eq!(metric_requests(&memory.take()).len(), 1);
    Ok(())
}

/// A span as a guest ends it, with `attributes`.
fn span(
    name: String,
    span_id: &str,
    attributes: Vec<KeyValue>,
) -> wasi_otel_host::tracing::SpanData {
    let mut data = wasi_otel_host::HostSpan::new(name).end();
    data.span_context.span_id = span_id.into();
    data.attributes = attributes;
    data
}

#[test]
fn ten_megabyte_texts_are_cut_to_the_limits_and_counted() -> R {
    // Enough values that, cut to their length, they overflow the item's
    // byte bound (20 × 16,384 > 256 KiB).
    const ATTRIBUTES: usize = 20;
    let (mut pipeline, memory) = memory_pipeline("floods")?;
    let huge = "x".repeat(10_000_000);
    let json = |s: &str| serde_json::Value::from(s).to_string();
    let attributes = (0..ATTRIBUTES)
        .map(|i| KeyValue {
            key: format!("k{}", i),
            value: json(&huge),
        })
        .collect();
    let mut big = span(huge.clone(), "00000000000000a1", attributes);
    big.status = wasi_otel_host::tracing::Status::Error(huge.clone());
    pipeline.span_ended(big);
    let mut record = log("big", "hello");
    record.body = Some(json(&huge));
    pipeline.log_emitted(record);
    // And legitimate telemetry after it.
    pipeline.span_ended(span("fine".into(), "00000000000000a2", Vec::new()));
    pipeline.force_flush().into_result()?;
    let exports = memory.take();
    let spans = otlp::spans(&exports);
    assert_eq!(spans.len(), 2);
    let limits = wasi_otel_host::convert::limits::Limits::default();
    let length = limits.span_attribute_value_length;
    let big = spans
        .iter()
        .find(|s| s.name.len() == length)
        .expect("the name cut");
    assert_eq!(big.status.as_ref().map(|s| s.message.len()), Some(length));
    // The item's byte bound keeps what fits of the 100 cut values.
    let kept = big.attributes.len();
    assert!(kept > 0 && kept < ATTRIBUTES, "{} attributes kept", kept);
    assert_eq!(big.dropped_attributes_count as usize, ATTRIBUTES - kept);
    let body = &otlp::log_records(&exports)[0].body;
    let body_len = match body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(V::StringValue(s)) => s.len(),
        other => panic!("{:?}", other),
    };
    assert_eq!(body_len, limits.log_attribute_value_length);
    let drops = pipeline.drops();
    // Name, status, the kept values, the body.
    assert_eq!(drops.truncated, 2 + kept as u64 + 1);
    assert_eq!(drops.over_limits, (ATTRIBUTES - kept) as u64);
    for e in &exports {
        let bytes = match e {
            Export::Traces(t) => t.encoded_len(),
            Export::Logs(l) => l.encoded_len(),
            Export::Metrics(m) => m.encoded_len(),
        };
        assert!(bytes < 4 << 20, "a {} byte request", bytes);
    }
    Ok(())
}

#[test]
fn the_standard_variables_set_the_limits() -> R {
    let config = OtlpConfig::from_lookup(|v| match v {
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT" => Some("5".into()),
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT" => Some("2".into()),
        _ => None,
    })?;
    let memory = MemoryExporter::default();
    let mut pipeline = Pipeline::builder(resource(&config, "limits"))
        .with_limits(config.limits)
        .with_memory(&memory)
        .build();
    let attributes = (0..3)
        .map(|i| KeyValue {
            key: format!("k{}", i),
            value: "\"abcdefgh\"".into(),
        })
        .collect();
    pipeline.span_ended(span("a long name".into(), "00000000000000b1", attributes));
    pipeline.force_flush().into_result()?;
    let exports = memory.take();
    let s = otlp::spans(&exports)[0];
    assert_eq!(s.name, "a lon");
    assert_eq!(s.attributes.len(), 2);
    assert_eq!(s.dropped_attributes_count, 1);
    let value = s.attributes[0].value.as_ref().and_then(|v| v.value.clone());
    assert_eq!(value, Some(V::StringValue("abcde".into())));
    Ok(())
}
