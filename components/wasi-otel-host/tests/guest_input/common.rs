//! Records as a guest sends them, and a pipeline that keeps what it
//! exports, for the tests that drive the pipeline as a guest would.

#![allow(dead_code)] // each test file uses its own part

use wasi_otel_host::logs::LogRecord;
use wasi_otel_host::metrics::{
    Gauge, GaugeDataPoint, Metric, MetricData, MetricNumber, ResourceMetrics, ScopeMetrics,
};
use wasi_otel_host::otlp::config::OtlpConfig;
use wasi_otel_host::otlp::memory::MemoryExporter;
use wasi_otel_host::types::{InstrumentationScope, KeyValue, Resource};
use wasi_otel_host::{resource, Datetime, Pipeline};

pub type R = Result<(), Box<dyn std::error::Error>>;

/// A pipeline for service `name` whose exports are kept in memory.
pub fn memory_pipeline(
    name: &str,
) -> Result<(Pipeline, MemoryExporter), Box<dyn std::error::Error>> {
    let memory = MemoryExporter::default();
    let config = OtlpConfig::from_lookup(|_| None)?;
    Ok((Pipeline::memory(&memory, resource(&config, name)), memory))
}

/// A scope with just a name.
pub fn scope(name: &str) -> InstrumentationScope {
    InstrumentationScope {
        name: name.to_string(),
        version: None,
        schema_url: None,
        attributes: Vec::new(),
    }
}

/// An INFO record of scope `scope_name` whose body is the string `body`.
pub fn log(scope_name: &str, body: &str) -> LogRecord {
    LogRecord {
        timestamp: None,
        observed_timestamp: None,
        severity_text: None,
        severity_number: Some(9),
        body: Some(serde_json::Value::from(body).to_string()),
        attributes: None,
        event_name: None,
        resource: None,
        instrumentation_scope: Some(scope(scope_name)),
        trace_id: None,
        span_id: None,
        trace_flags: None,
    }
}

/// One export of one gauge of `points` points, each with its own attribute.
pub fn gauge(points: usize) -> ResourceMetrics {
    ResourceMetrics {
        resource: Resource {
            attributes: Vec::new(),
            schema_url: None,
        },
        scope_metrics: vec![ScopeMetrics {
            scope: scope("gauges"),
            metrics: vec![Metric {
                name: "queue.depth".into(),
                description: String::new(),
                unit: String::new(),
                data: MetricData::U64Gauge(Gauge {
                    data_points: (0..points)
                        .map(|i| GaugeDataPoint {
                            attributes: vec![KeyValue {
                                key: "queue".into(),
                                value: format!("\"q{}\"", i),
                            }],
                            value: MetricNumber::U64(i as u64),
                            exemplars: Vec::new(),
                        })
                        .collect(),
                    start_time: None,
                    time: Datetime {
                        seconds: 1_800_000_000,
                        nanoseconds: 0,
                    },
                }),
            }],
        }],
    }
}
