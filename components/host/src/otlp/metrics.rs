//! `wasi:otel` metric exports as OTLP `ExportMetricsServiceRequest`s.
//!
//! Why this path exists beside the SDK's exporters: `opentelemetry_sdk`
//! 0.33 gives no public way to build a `ResourceMetrics` outside its own
//! readers (the fields are `pub(crate)`), and a guest's metrics arrive
//! already aggregated, so they cannot go through a `MetricExporter`. They are
//! translated here and sent by [`MetricsClient`](super::metrics_client::MetricsClient)
//! with the same configuration, timeout and retry rules as the other signals.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, exponential_histogram_data_point::Buckets, metric, number_data_point,
    AggregationTemporality, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge,
    Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
};
use opentelemetry_proto::tonic::resource::v1::Resource;

use crate::bindings::sdk::wasi::clocks::wall_clock::Datetime;
use crate::bindings::sdk::wasi::otel::metrics as wasi;
use crate::bindings::sdk::wasi::otel::types;
use crate::convert::values::{value, Read};
use crate::convert::Drops;

/// One `export` call as one request. The resource is `host`'s attributes
/// and then those of the guest's resource that `host` does not set.
pub fn metrics(
    export: &wasi::ResourceMetrics,
    host: &Resource,
    drops: &mut Drops,
) -> ExportMetricsServiceRequest {
    let mut resource = host.clone();
    for kv in key_values(&export.resource.attributes, drops) {
        if !resource.attributes.iter().any(|a| a.key == kv.key) {
            resource.attributes.push(kv);
        }
    }
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(resource),
            scope_metrics: export
                .scope_metrics
                .iter()
                .map(|s| ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: s.scope.name.clone(),
                        version: s.scope.version.clone().unwrap_or_default(),
                        attributes: key_values(&s.scope.attributes, drops),
                        ..Default::default()
                    }),
                    metrics: s.metrics.iter().map(|m| metric(m, drops)).collect(),
                    schema_url: s.scope.schema_url.clone().unwrap_or_default(),
                })
                .collect(),
            schema_url: export.resource.schema_url.clone().unwrap_or_default(),
        }],
    }
}

fn key_values(kvs: &[types::KeyValue], drops: &mut Drops) -> Vec<KeyValue> {
    kvs.iter()
        .map(|kv| {
            let v = match value(&kv.value) {
                Read::Typed(v) => v,
                Read::AsText(v) => {
                    drops.not_json += 1;
                    v
                }
            };
            KeyValue {
                key: kv.key.clone(),
                value: Some(AnyValue::from(v)),
                ..Default::default()
            }
        })
        .collect()
}

/// Unix nanoseconds.
fn nanos(t: Datetime) -> u64 {
    t.seconds
        .saturating_mul(1_000_000_000)
        .saturating_add(t.nanoseconds as u64)
}

/// Hex ids as bytes; empty for malformed text (no id).
fn id_bytes(hex: &str) -> Vec<u8> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return Vec::new();
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .unwrap_or_default()
}

fn finite(n: &wasi::MetricNumber) -> bool {
    !matches!(n, wasi::MetricNumber::F64(x) if !x.is_finite())
}

/// Keeps the points `ok` accepts; counts the others.
fn kept<'a, P>(points: &'a [P], ok: impl Fn(&P) -> bool, drops: &mut Drops) -> Vec<&'a P> {
    let kept: Vec<&P> = points.iter().filter(|p| ok(p)).collect();
    drops.non_finite_points += (points.len() - kept.len()) as u64;
    kept
}

fn metric(m: &wasi::Metric, drops: &mut Drops) -> Metric {
    use wasi::MetricData as D;
    let data = match &m.data {
        D::F64Gauge(g) | D::U64Gauge(g) | D::S64Gauge(g) => metric::Data::Gauge(gauge(g, drops)),
        D::F64Sum(s) | D::U64Sum(s) | D::S64Sum(s) => metric::Data::Sum(sum(s, drops)),
        D::F64Histogram(h) | D::U64Histogram(h) | D::S64Histogram(h) => {
            metric::Data::Histogram(histogram(h, drops))
        }
        D::F64ExponentialHistogram(h)
        | D::U64ExponentialHistogram(h)
        | D::S64ExponentialHistogram(h) => {
            metric::Data::ExponentialHistogram(exponential(h, drops))
        }
    };
    Metric {
        name: m.name.clone(),
        description: m.description.clone(),
        unit: m.unit.clone(),
        data: Some(data),
        ..Default::default()
    }
}

fn temporality(t: wasi::Temporality) -> i32 {
    match t {
        wasi::Temporality::Cumulative => AggregationTemporality::Cumulative as i32,
        // OTLP has no low-memory temporality: it is delta for what it applies to.
        wasi::Temporality::Delta | wasi::Temporality::LowMemory => {
            AggregationTemporality::Delta as i32
        }
    }
}

fn number(n: wasi::MetricNumber) -> number_data_point::Value {
    match n {
        wasi::MetricNumber::F64(x) => number_data_point::Value::AsDouble(x),
        wasi::MetricNumber::S64(i) => number_data_point::Value::AsInt(i),
        wasi::MetricNumber::U64(u) => {
            number_data_point::Value::AsInt(u.min(i64::MAX as u64) as i64)
        }
    }
}

fn float(n: wasi::MetricNumber) -> f64 {
    match n {
        wasi::MetricNumber::F64(x) => x,
        wasi::MetricNumber::S64(i) => i as f64,
        wasi::MetricNumber::U64(u) => u as f64,
    }
}

fn exemplars(list: &[wasi::Exemplar], drops: &mut Drops) -> Vec<Exemplar> {
    kept(list, |e| finite(&e.value), drops)
        .into_iter()
        .map(|e| Exemplar {
            filtered_attributes: key_values(&e.filtered_attributes, drops),
            time_unix_nano: nanos(e.time),
            span_id: id_bytes(&e.span_id),
            trace_id: id_bytes(&e.trace_id),
            value: Some(match number(e.value) {
                number_data_point::Value::AsDouble(x) => exemplar::Value::AsDouble(x),
                number_data_point::Value::AsInt(i) => exemplar::Value::AsInt(i),
            }),
        })
        .collect()
}

fn point(
    attributes: &[crate::bindings::sdk::wasi::otel::types::KeyValue],
    value: wasi::MetricNumber,
    list: &[wasi::Exemplar],
    start: u64,
    time: u64,
    drops: &mut Drops,
) -> NumberDataPoint {
    NumberDataPoint {
        attributes: key_values(attributes, drops),
        start_time_unix_nano: start,
        time_unix_nano: time,
        exemplars: exemplars(list, drops),
        value: Some(number(value)),
        ..Default::default()
    }
}

fn gauge(g: &wasi::Gauge, drops: &mut Drops) -> Gauge {
    let start = g.start_time.map_or(0, nanos);
    Gauge {
        data_points: kept(&g.data_points, |p| finite(&p.value), drops)
            .into_iter()
            .map(|p| {
                point(
                    &p.attributes,
                    p.value,
                    &p.exemplars,
                    start,
                    nanos(g.time),
                    drops,
                )
            })
            .collect(),
    }
}

fn sum(s: &wasi::Sum, drops: &mut Drops) -> Sum {
    Sum {
        data_points: kept(&s.data_points, |p| finite(&p.value), drops)
            .into_iter()
            .map(|p| {
                let (start, time) = (nanos(s.start_time), nanos(s.time));
                point(&p.attributes, p.value, &p.exemplars, start, time, drops)
            })
            .collect(),
        aggregation_temporality: temporality(s.temporality),
        is_monotonic: s.is_monotonic,
    }
}

fn histogram(h: &wasi::Histogram, drops: &mut Drops) -> Histogram {
    let ok = |p: &&wasi::HistogramDataPoint| {
        finite(&p.sum)
            && p.min.iter().chain(&p.max).all(finite)
            && p.bounds.iter().all(|b| b.is_finite())
    };
    Histogram {
        data_points: kept(&h.data_points, |p| ok(&p), drops)
            .into_iter()
            .map(|p| HistogramDataPoint {
                attributes: key_values(&p.attributes, drops),
                start_time_unix_nano: nanos(h.start_time),
                time_unix_nano: nanos(h.time),
                count: p.count,
                sum: Some(float(p.sum)),
                bucket_counts: p.bucket_counts.clone(),
                explicit_bounds: p.bounds.clone(),
                exemplars: exemplars(&p.exemplars, drops),
                min: p.min.map(float),
                max: p.max.map(float),
                ..Default::default()
            })
            .collect(),
        aggregation_temporality: temporality(h.temporality),
    }
}

fn exponential(h: &wasi::ExponentialHistogram, drops: &mut Drops) -> ExponentialHistogram {
    let ok = |p: &&wasi::ExponentialHistogramDataPoint| {
        finite(&p.sum) && p.min.iter().chain(&p.max).all(finite) && p.zero_threshold.is_finite()
    };
    let buckets = |b: &wasi::ExponentialBucket| Buckets {
        offset: b.offset,
        bucket_counts: b.counts.clone(),
    };
    ExponentialHistogram {
        data_points: kept(&h.data_points, |p| ok(&p), drops)
            .into_iter()
            .map(|p| ExponentialHistogramDataPoint {
                attributes: key_values(&p.attributes, drops),
                start_time_unix_nano: nanos(h.start_time),
                time_unix_nano: nanos(h.time),
                count: p.count,
                sum: Some(float(p.sum)),
                scale: p.scale as i32,
                zero_count: p.zero_count,
                positive: Some(buckets(&p.positive_bucket)),
                negative: Some(buckets(&p.negative_bucket)),
                exemplars: exemplars(&p.exemplars, drops),
                min: p.min.map(float),
                max: p.max.map(float),
                zero_threshold: p.zero_threshold,
                ..Default::default()
            })
            .collect(),
        aggregation_temporality: temporality(h.temporality),
    }
}
