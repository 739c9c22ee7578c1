//! A guest cannot hurt its host, and every loss is counted: what the batch
//! queues drop and what failed exports lose reaches the pipeline's report,
//! with its signal, count and reason; a batch goes out in requests a
//! receiver takes, whatever its items' sizes.

use prost::Message;
use wasi_otel_host::otlp::config::{OtlpConfig, Signal};
use wasi_otel_host::otlp::reporting::MAX_BATCH_BYTES;
use wasi_otel_host::otlp::{self, Export};
use wasi_otel_host::tracing::SpanData;
use wasi_otel_host::types::KeyValue;
use wasi_otel_host::{resource, HostSpan, Pipeline, TelemetrySink};

use crate::common::{gauge, log, memory_pipeline, R};

/// A span with its own ids and `attributes` attributes of `text` bytes.
fn span(attributes: usize, text: usize) -> SpanData {
    let mut span = HostSpan::new("work").end();
    span.attributes = (0..attributes)
        .map(|i| KeyValue {
            key: format!("attribute.{}", i),
            value: format!("\"{}\"", "x".repeat(text)),
        })
        .collect();
    span
}

fn traces(exports: &[Export]) -> Vec<&otlp::Export> {
    exports
        .iter()
        .filter(|e| matches!(e, Export::Traces(_)))
        .collect()
}

#[test]
fn a_flood_arrives_or_is_reported_lost_to_the_last_item() -> R {
    let (mut pipeline, memory) = memory_pipeline("losses")?;
    let sent = 20_000;
    // As fast as the host takes them: faster, usually, than the batch
    // threads export them, so that their 2,048-item queues fill.
    for i in 0..sent {
        pipeline.span_ended(span(2, 64));
        pipeline.log_emitted(log("flood", &format!("record {}", i)));
    }
    let report = pipeline.force_flush();
    let exports = memory.take();
    let (spans, records) = (
        otlp::spans(&exports).len(),
        otlp::log_records(&exports).len(),
    );
    let drops = pipeline.drops();
    assert_eq!((drops.invalid_ids, drops.ended_twice), (0, 0), "{}", drops);
    eprintln!(
        "{} spans and {} log records arrived of {} each; the report:\n{}",
        spans, records, sent, report
    );
    assert_eq!(
        spans as u64 + report.lost(Signal::Traces),
        sent as u64,
        "{}",
        report
    );
    assert_eq!(
        records as u64 + report.lost(Signal::Logs),
        sent as u64,
        "{}",
        report
    );
    for failure in &report.failures {
        assert!(failure.lost > 0, "{}", failure);
        assert_eq!(failure.destination.as_deref(), Some("in memory"));
        let text = failure.to_string();
        assert!(text.contains("batch queue was full"), "{}", text);
        assert!(text.starts_with(failure.signal.name()), "{}", text);
    }
    assert_eq!(
        report.clone().into_result().is_ok(),
        spans == sent && records == sent
    );
    // Said once: the next flush has nothing more to report.
    pipeline.force_flush().into_result()?;
    pipeline.shutdown().into_result()?;
    Ok(())
}

#[test]
fn a_flood_into_a_receiver_that_never_answers_is_all_reported_lost() -> R {
    // A receiver that takes connections (the kernel's backlog does) and
    // never answers: each export waits for its timeout, so the flood fills
    // the queues while the first batch waits.
    let silent = std::net::TcpListener::bind("127.0.0.1:0")?;
    let endpoint = format!("http://{}", silent.local_addr()?);
    let config = OtlpConfig::from_lookup(|v| match v {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(endpoint.clone()),
        "OTEL_EXPORTER_OTLP_TIMEOUT" => Some("500".into()),
        _ => None,
    })?;
    let mut pipeline = Pipeline::otlp(&config, resource(&config, "losses"))?;
    let sent = 20_000;
    for i in 0..sent {
        pipeline.span_ended(span(2, 64));
        pipeline.log_emitted(log("flood", &format!("record {}", i)));
    }
    // A flush that times out says so and leaves the count to the next one
    // (each loss is said once): flush until everything is accounted for.
    let (mut spans, mut records, mut reports) = (0, 0, Vec::new());
    for _ in 0..10 {
        let report = pipeline.force_flush();
        spans += report.lost(Signal::Traces);
        records += report.lost(Signal::Logs);
        reports.push(report);
        if spans >= sent as u64 && records >= sent as u64 {
            break;
        }
    }
    let said: Vec<String> = reports.iter().map(|r| r.to_string()).collect();
    eprintln!("{}", said.join("\n"));
    assert_eq!((spans, records), (sent as u64, sent as u64), "{:#?}", said);
    let _ = pipeline.shutdown();
    drop(silent);
    Ok(())
}

#[test]
fn large_spans_go_out_in_several_requests_each_within_the_bound() -> R {
    let (mut pipeline, memory) = memory_pipeline("losses")?;
    // 300 spans of 100 KB of attributes: 30 MB, one batch of the processor.
    for _ in 0..300 {
        pipeline.span_ended(span(10, 10_000));
    }
    pipeline.force_flush().into_result()?;
    let exports = memory.take();
    let requests = traces(&exports);
    let sizes: Vec<usize> = requests
        .iter()
        .map(|e| match e {
            Export::Traces(t) => t.encoded_len(),
            _ => 0,
        })
        .collect();
    assert!(sizes.iter().all(|s| *s <= MAX_BATCH_BYTES), "{:?}", sizes);
    // 30,000,000 bytes of values in requests of at most 1 MiB.
    assert!(requests.len() >= 29, "{} requests", requests.len());
    assert_eq!(otlp::spans(&exports).len(), 300, "nothing lost");
    pipeline.shutdown().into_result()?;
    Ok(())
}

#[test]
fn a_failed_export_says_its_signal_and_what_it_lost() -> R {
    // Nothing listens on the discard port.
    let config = OtlpConfig::from_lookup(|v| match v {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://127.0.0.1:9".into()),
        "OTEL_EXPORTER_OTLP_TIMEOUT" => Some("500".into()),
        _ => None,
    })?;
    let mut pipeline = Pipeline::otlp(&config, resource(&config, "losses"))?;
    for i in 0..10 {
        pipeline.span_ended(span(1, 10));
        pipeline.log_emitted(log("flood", &format!("record {}", i)));
    }
    pipeline
        .metrics_exported(gauge(5))
        .map_err(|e| e.to_string())?;
    let report = pipeline.force_flush();
    assert_eq!(report.lost(Signal::Traces), 10, "{}", report);
    assert_eq!(report.lost(Signal::Logs), 10, "{}", report);
    assert_eq!(report.lost(Signal::Metrics), 5, "{}", report);
    let text = report.to_string();
    for said in [
        "traces were not exported (http/protobuf to http://127.0.0.1:9/v1/traces): 10 spans lost: ",
        "logs were not exported (http/protobuf to http://127.0.0.1:9/v1/logs): 10 log records lost: ",
        "metrics were not exported (http/protobuf to http://127.0.0.1:9/v1/metrics): 5 metric points lost: ",
    ] {
        assert!(text.contains(said), "{:?} not in\n{}", said, text);
    }
    assert!(report.clone().into_result().is_err());
    // What the flush reported is not reported again.
    let shut = pipeline.shutdown();
    for signal in Signal::ALL {
        assert_eq!(shut.lost(signal), 0, "{}", shut);
    }
    Ok(())
}
