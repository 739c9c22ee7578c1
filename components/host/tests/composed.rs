//! The demo app composed with the SDK component, end to end: requests in,
//! OTLP/JSON out, parsed back with `opentelemetry-proto`.

mod common;

use common::{attr, check, logs, metrics, run, spans, text, REQUESTS};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point, AggregationTemporality};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use telemetry_host::{Build, Service};

type R<T = ()> = wasmtime::Result<T>;

#[test]
fn every_span_once_under_its_request_with_its_parent_in_the_output() -> R {
    let run = run(Build::Registry, &REQUESTS)?;
    assert_eq!(check(&run, &REQUESTS), Ok(()));
    // Three levels under the host's span, and the out-of-order end: `price`
    // ended before its child `tax` did.
    let spans = spans(&run.exports);
    for tax in spans.iter().filter(|s| s.name == "tax") {
        let price = spans
            .iter()
            .find(|s| s.span_id == tax.parent_span_id)
            .unwrap();
        assert!(price.end_time_unix_nano <= tax.end_time_unix_nano);
        assert!(price.start_time_unix_nano <= tax.start_time_unix_nano);
        assert_eq!(price.trace_id, tax.trace_id);
    }
    let server = spans.iter().find(|s| s.name == "POST /checkout").unwrap();
    assert_eq!(server.kind, SpanKind::Server as i32);
    let checkout = spans.iter().find(|s| s.name == "checkout").unwrap();
    assert_eq!(checkout.kind, SpanKind::Internal as i32);
    assert_eq!(
        checkout.status.as_ref().map(|s| s.code),
        Some(1),
        "status OK"
    );
    Ok(())
}

#[test]
fn the_forgotten_span_is_ended_once_at_shutdown_with_status_error() -> R {
    let run = run(Build::Registry, &REQUESTS)?;
    let before = spans(&run.exports[..run.lines_before_shutdown]);
    let after = spans(&run.exports[run.lines_before_shutdown..]);
    assert!(
        before.iter().all(|s| s.name != "audit"),
        "ended before shutdown"
    );
    let audits: Vec<_> = after.iter().filter(|s| s.name == "audit").collect();
    assert_eq!(audits.len(), REQUESTS.len(), "one per request, each once");
    assert_eq!(
        after.len(),
        audits.len(),
        "shutdown ended only what was forgotten"
    );
    for audit in audits {
        let status = audit.status.as_ref().unwrap();
        assert_eq!(status.code, 2, "status ERROR");
        assert!(status.message.contains("never ended"), "{}", status.message);
        let server = before
            .iter()
            .find(|s| s.trace_id == audit.trace_id && s.name == "POST /checkout")
            .expect("in its request's trace");
        assert!(audit.end_time_unix_nano >= server.end_time_unix_nano);
    }
    Ok(())
}

#[test]
fn log_records_carry_the_ids_and_a_time_inside_their_span() -> R {
    let run = run(Build::Registry, &REQUESTS)?;
    let spans = spans(&run.exports);
    let logs = logs(&run.exports);
    // Per request: started, stock reserved, done; one unknown item.
    assert_eq!(logs.len(), 3 * REQUESTS.len() + 1);
    for log in &logs {
        let body = match log.body.as_ref().and_then(|b| b.value.as_ref()) {
            Some(Value::StringValue(s)) => s.as_str(),
            other => panic!("body {:?}", other),
        };
        let span = spans
            .iter()
            .find(|s| s.span_id == log.span_id)
            .unwrap_or_else(|| panic!("`{}` names no span", body));
        assert_eq!(span.trace_id, log.trace_id, "`{}`", body);
        let expected = match body {
            "checkout started" | "checkout done" => "checkout",
            "stock reserved" => "reserve-stock",
            "unknown item" => "price-item",
            other => panic!("unexpected log `{}`", other),
        };
        assert_eq!(span.name, expected, "`{}`", body);
        let t = log.observed_time_unix_nano;
        assert!(
            span.start_time_unix_nano <= t && t <= span.end_time_unix_nano,
            "`{}` at {} outside {}..{}",
            body,
            t,
            span.start_time_unix_nano,
            span.end_time_unix_nano
        );
        let severity = if body == "unknown item" { 13 } else { 9 };
        assert_eq!(log.severity_number, severity);
        assert_eq!(
            log.severity_text,
            if severity == 13 { "WARN" } else { "INFO" }
        );
    }
    // Typed attribute values, decoded from rc.2's JSON text.
    let reserved = logs
        .iter()
        .find(|l| attr(&l.attributes, "items").is_some())
        .unwrap();
    assert_eq!(
        attr(&reserved.attributes, "items"),
        Some(&Value::IntValue(3))
    );
    let checkout = spans.iter().find(|s| s.name == "checkout").unwrap();
    assert!(matches!(
        attr(&checkout.attributes, "order.total"),
        Some(Value::DoubleValue(_))
    ));
    Ok(())
}

#[test]
fn counter_sums_are_exact_and_histograms_add_up_to_their_buckets() -> R {
    let run = run(Build::Registry, &REQUESTS)?;
    let metrics = metrics(&run.exports);
    let orders = metrics.iter().find(|m| m.name == "orders").unwrap();
    let Some(metric::Data::Sum(sum)) = &orders.data else {
        panic!("orders is a sum")
    };
    assert!(sum.is_monotonic);
    assert_eq!(
        sum.aggregation_temporality,
        AggregationTemporality::Cumulative as i32
    );
    assert_eq!(sum.data_points.len(), 1);
    assert_eq!(
        sum.data_points[0].value,
        Some(number_data_point::Value::AsInt(REQUESTS.len() as i64))
    );
    let prices = metrics.iter().find(|m| m.name == "item.price").unwrap();
    let Some(metric::Data::Histogram(h)) = &prices.data else {
        panic!("item.price is a histogram")
    };
    // One series per known item (the teapot has no price).
    assert_eq!(h.data_points.len(), 5);
    for p in &h.data_points {
        assert_eq!(p.explicit_bounds, [10.0, 50.0, 100.0, 500.0]);
        assert_eq!(p.bucket_counts.len(), p.explicit_bounds.len() + 1);
        assert_eq!(p.count, p.bucket_counts.iter().sum::<u64>());
        assert_eq!(p.count, 1);
    }
    let desk = h
        .data_points
        .iter()
        .find(|p| text(&p.attributes, "item") == Some("desk"))
        .unwrap();
    assert_eq!(
        (desk.sum, desk.bucket_counts.as_slice()),
        (Some(420.0), &[0, 0, 0, 1, 0][..])
    );
    Ok(())
}

/// Walks a JSON document, calling `f` on every (key, value) of every object.
fn walk(value: &serde_json::Value, f: &mut dyn FnMut(&str, &serde_json::Value)) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                f(k, v);
                walk(v, f);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, f)),
        _ => {}
    }
}

#[test]
fn the_file_is_otlp_json() -> R {
    let run = run(Build::Registry, &REQUESTS)?;
    let lines: Vec<&str> = run.text.lines().collect();
    assert_eq!(
        lines.len(),
        run.exports.len(),
        "one export request per line"
    );
    let mut seen = std::collections::BTreeSet::new();
    for line in lines {
        let json: serde_json::Value = serde_json::from_str(line)?;
        walk(&json, &mut |key, value| {
            seen.insert(key.to_string());
            assert!(!key.contains('_'), "field `{}` is not camelCase", key);
            match key {
                "traceId" => assert!(is_hex(value, 32), "{}", value),
                "spanId" => assert!(is_hex(value, 16), "{}", value),
                "parentSpanId" => assert!(is_hex(value, 16) || value == "", "{}", value),
                "startTimeUnixNano" | "endTimeUnixNano" | "timeUnixNano" | "count" => {
                    assert!(
                        value.as_str().is_some_and(|s| s.parse::<u64>().is_ok()),
                        "{}",
                        value
                    )
                }
                "kind" | "code" | "severityNumber" | "aggregationTemporality" => {
                    assert!(value.is_i64(), "{} = {}", key, value)
                }
                _ => {}
            }
        });
        // Every resource names its service.
        walk(&json, &mut |key, value| {
            if key == "resource" {
                let names: Vec<_> = value["attributes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|kv| kv["key"] == "service.name")
                    .map(|kv| kv["value"]["stringValue"].as_str().unwrap())
                    .collect();
                assert_eq!(names, ["checkout"]);
            }
        });
    }
    for key in [
        "resourceSpans",
        "resourceLogs",
        "resourceMetrics",
        "traceId",
        "intValue",
    ] {
        assert!(seen.contains(key), "no `{}` anywhere", key);
    }
    Ok(())
}

fn is_hex(value: &serde_json::Value, len: usize) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[test]
fn two_instances_keep_their_requests_apart() -> R {
    let (one_pipeline, one_memory) = common::memory_pipeline()?;
    let (two_pipeline, two_memory) = common::memory_pipeline()?;
    let (mut one, mut two) = (
        Service::new(Build::Registry, &one_pipeline)?,
        Service::new(Build::Registry, &two_pipeline)?,
    );
    // Interleaved: one's request, two's request, one's, then both shut down.
    one.request("ada", &["book"])?;
    two.request("grace", &["lamp", "pen"])?;
    one.request("alan", &["desk"])?;
    let mut runs = Vec::new();
    for (service, memory) in [(&mut one, &one_memory), (&mut two, &two_memory)] {
        service.shutdown()?;
        service.pipeline().shutdown().into_result()?;
        let exports = memory.take();
        runs.push(common::from_file(&exports, exports.len())?);
    }
    let (first, second) = (&runs[0], &runs[1]);
    assert_eq!(
        check(first, &[("ada", &["book"]), ("alan", &["desk"])]),
        Ok(())
    );
    assert_eq!(check(second, &[("grace", &["lamp", "pen"])]), Ok(()));
    let traces = |run: &common::Run| -> Vec<Vec<u8>> {
        spans(&run.exports)
            .into_iter()
            .map(|s| s.trace_id)
            .collect()
    };
    let theirs = traces(second);
    assert!(traces(first).iter().all(|t| !theirs.contains(t)));
    Ok(())
}

#[test]
fn a_trapping_app_gets_an_error_its_open_spans_are_ended_by_the_host_and_the_next_request_runs() -> R
{
    let (pipeline, memory) = common::memory_pipeline()?;
    let mut service = Service::new(Build::Registry, &pipeline)?;
    let trap = service.request("ada", &["book", "crash"]).unwrap_err();
    assert!(format!("{:?}", trap).contains("unreachable"), "{:?}", trap);
    let response = service.request("grace", &["pen"])?;
    assert_eq!(response.status, 200, "a fresh instance answers");
    service.shutdown()?;
    pipeline.shutdown().into_result()?;
    let exports = memory.take();
    let spans = spans(&exports);
    let crashed: Vec<_> = {
        let server = spans
            .iter()
            .find(|s| {
                s.name == "POST /checkout" && text(&s.attributes, "enduser.id") == Some("ada")
            })
            .unwrap();
        let status = server.status.as_ref().unwrap();
        assert_eq!(status.code, 2);
        assert!(
            status.message.contains("the guest trapped"),
            "{}",
            status.message
        );
        spans
            .iter()
            .filter(|s| s.trace_id == server.trace_id)
            .collect()
    };
    // checkout and audit were open: the host ended them (their names never
    // reached it: rc.2's on-start carries only ids). Nothing was lost: the
    // trace has as many spans as a request that did not crash.
    let names: Vec<&str> = crashed.iter().map(|s| s.name.as_str()).collect();
    let unended = crashed.iter().filter(|s| s.name == "unended span");
    assert_eq!(unended.clone().count(), 2, "{:?}", names);
    assert_eq!(crashed.len(), common::spans_per_request(2), "{:?}", names);
    let unended: Vec<_> = unended.collect();
    for s in &unended {
        let status = s.status.as_ref().unwrap();
        assert_eq!(status.code, 2);
        assert!(status.message.contains("unreachable"), "{}", status.message);
    }
    // What ended before the trap arrived as the app made it, and every
    // parent of the crashed request's spans arrived too.
    for name in ["validate", "price", "price-item", "tax", "reserve-stock"] {
        assert!(crashed.iter().any(|s| s.name == name), "{}", name);
    }
    for s in crashed.iter().filter(|s| !s.parent_span_id.is_empty()) {
        assert!(
            crashed.iter().any(|p| p.span_id == s.parent_span_id),
            "the parent of `{}` did not arrive",
            s.name
        );
    }
    // The next request is whole.
    let run = common::from_file(&exports, exports.len())?;
    let grace: Vec<_> = spans
        .iter()
        .filter(|s| s.trace_id != crashed[0].trace_id)
        .collect();
    assert_eq!(
        grace.len(),
        common::spans_per_request(1),
        "{:?}",
        run.lines_before_shutdown
    );
    Ok(())
}

#[test]
fn the_naive_sdk_composed_the_same_way_breaks_the_output() -> R {
    let run = run(Build::Naive, &REQUESTS)?;
    let mistake = check(&run, &REQUESTS);
    assert!(mistake.is_err(), "the handle-keyed SDK passed");
    println!("naive SDK: {}", mistake.unwrap_err());
    Ok(())
}
