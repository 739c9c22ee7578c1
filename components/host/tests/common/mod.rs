//! Reading OTLP back for the tests: the spans, logs and metric points of a
//! run, and the invariants every correct run keeps.

#![allow(dead_code)] // each test file uses its own part

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::trace::v1::Span;
use telemetry_host::{Build, Service};
use wasi_otel_host::otlp::config::OtlpConfig;
use wasi_otel_host::otlp::memory::MemoryExporter;
use wasi_otel_host::otlp::{self, Export};
use wasi_otel_host::{resource, Pipeline};

/// Where each request's telemetry went, read back from an OTLP/JSON file.
pub struct Run {
    /// The file's text.
    pub text: String,
    /// Its lines, parsed.
    pub exports: Vec<Export>,
    /// How many lines came before the shutdown's.
    pub lines_before_shutdown: usize,
}

/// The demo requests: (user, items).
pub const REQUESTS: [(&str, &[&str]); 2] = [
    ("ada", &["book", "lamp", "chair"]),
    ("grace", &["desk", "pen", "teapot"]),
];

/// Spans each demo request makes: the host's server span, checkout,
/// validate, price, one price-item per item, tax, reserve-stock, audit.
pub fn spans_per_request(items: usize) -> usize {
    7 + items
}

/// Runs `requests` through one instance of the service (composed with
/// `build`), shuts it down, writes OTLP/JSON to a file and reads it back.
pub fn run(build: Build, requests: &[(&str, &[&str])]) -> wasmtime::Result<Run> {
    let (pipeline, memory) = memory_pipeline()?;
    let mut service = Service::new(build, &pipeline)?;
    let mut exports = Vec::new();
    for (user, items) in requests {
        let response = service.request(user, items)?;
        assert_eq!(response.status, 200, "{}", response.body);
        pipeline.force_flush().into_result()?;
        exports.extend(memory.take());
    }
    let lines_before_shutdown = exports.len();
    service.shutdown()?;
    pipeline.shutdown().into_result()?;
    exports.extend(memory.take());
    from_file(&exports, lines_before_shutdown)
}

/// A pipeline whose exports are kept in memory, with the resource the
/// example gives when no variable is set.
pub fn memory_pipeline() -> wasmtime::Result<(Pipeline, MemoryExporter)> {
    let memory = MemoryExporter::default();
    let config = OtlpConfig::from_lookup(|_| None)?;
    Ok((
        Pipeline::memory(&memory, resource(&config, "checkout")),
        memory,
    ))
}

/// Writes `exports` to a temporary file as OTLP/JSON and parses it back.
pub fn from_file(exports: &[Export], lines_before_shutdown: usize) -> wasmtime::Result<Run> {
    let path = std::env::temp_dir().join(format!(
        "telemetry-host-{}-{:?}.jsonl",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut file = std::fs::File::create(&path)?;
    otlp::write_lines(&mut file, exports)?;
    drop(file);
    let text = std::fs::read_to_string(&path)?;
    std::fs::remove_file(&path)?;
    let parsed = otlp::parse_lines(&text)?;
    assert_eq!(&parsed, exports, "OTLP/JSON does not read back the same");
    Ok(Run {
        text,
        exports: parsed,
        lines_before_shutdown,
    })
}

/// Every span in `exports`.
pub fn spans(exports: &[Export]) -> Vec<Span> {
    otlp::spans(exports).into_iter().cloned().collect()
}

/// Every log record in `exports`.
pub fn logs(exports: &[Export]) -> Vec<LogRecord> {
    otlp::log_records(exports).into_iter().cloned().collect()
}

/// Every metric in `exports` (one per instrument per export).
pub fn metrics(exports: &[Export]) -> Vec<Metric> {
    otlp::all_metrics(exports).into_iter().cloned().collect()
}

/// The string value of attribute `key`.
pub fn attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

/// A string attribute's text.
pub fn text<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    match attr(attributes, key) {
        Some(any_value::Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// The invariants of a correct run of `requests`; the first one broken.
pub fn check(run: &Run, requests: &[(&str, &[&str])]) -> Result<(), String> {
    let spans = spans(&run.exports);
    let servers: Vec<&Span> = spans
        .iter()
        .filter(|s| s.name == "POST /checkout")
        .collect();
    if servers.len() != requests.len() {
        return Err(format!(
            "{} server spans for {} requests",
            servers.len(),
            requests.len()
        ));
    }
    let mut traces: Vec<&[u8]> = servers.iter().map(|s| s.trace_id.as_slice()).collect();
    traces.sort();
    traces.dedup();
    if traces.len() != requests.len() {
        return Err("two requests share a trace id".into());
    }
    let mut ids: Vec<&[u8]> = spans.iter().map(|s| s.span_id.as_slice()).collect();
    ids.sort();
    ids.dedup();
    if ids.len() != spans.len() {
        return Err("a span was exported twice".into());
    }
    let expected: usize = requests
        .iter()
        .map(|(_, i)| spans_per_request(i.len()))
        .sum();
    if spans.len() != expected {
        return Err(format!("{} spans exported, {} made", spans.len(), expected));
    }
    for span in &spans {
        if !traces.contains(&span.trace_id.as_slice()) {
            return Err(format!("span `{}` is in no request's trace", span.name));
        }
        if span.parent_span_id.is_empty() {
            if span.name != "POST /checkout" {
                return Err(format!("span `{}` has no parent", span.name));
            }
            continue;
        }
        let parent = spans
            .iter()
            .find(|p| p.span_id == span.parent_span_id && p.trace_id == span.trace_id)
            .ok_or_else(|| format!("the parent of `{}` is not in its trace", span.name))?;
        let expected_parent = match span.name.as_str() {
            "checkout" => "POST /checkout",
            "price-item" | "tax" => "price",
            _ => "checkout",
        };
        if parent.name != expected_parent {
            return Err(format!("`{}` is a child of `{}`", span.name, parent.name));
        }
    }
    for (user, items) in requests {
        let checkout = spans
            .iter()
            .find(|s| s.name == "checkout" && text(&s.attributes, "user") == Some(user))
            .ok_or_else(|| format!("no checkout span for {}", user))?;
        let mut priced: Vec<&str> = spans
            .iter()
            .filter(|s| s.name == "price-item" && s.trace_id == checkout.trace_id)
            .filter_map(|s| text(&s.attributes, "item"))
            .collect();
        let mut wanted = items.to_vec();
        priced.sort_unstable();
        wanted.sort_unstable();
        if priced != wanted {
            return Err(format!("{}'s items came back as {:?}", user, priced));
        }
    }
    Ok(())
}
