//! `wasi:otel` metric exports as OTLP `ExportMetricsServiceRequest`s.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, exponential_histogram_data_point::Buckets, metric, number_data_point,
    AggregationTemporality, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge,
    Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
};

use super::{id_bytes, key_values, nanos, resource, scope};
use crate::bindings::sdk::wasi::otel::metrics as wasi;

/// One `export` call as one request.
pub fn metrics(export: &wasi::ResourceMetrics) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(resource(&export.resource)),
            scope_metrics: export
                .scope_metrics
                .iter()
                .map(|s| ScopeMetrics {
                    scope: Some(scope(&s.scope)),
                    metrics: s.metrics.iter().map(metric).collect(),
                    schema_url: s.scope.schema_url.clone().unwrap_or_default(),
                })
                .collect(),
            schema_url: export.resource.schema_url.clone().unwrap_or_default(),
        }],
    }
}

fn metric(m: &wasi::Metric) -> Metric {
    use wasi::MetricData as D;
    let data = match &m.data {
        D::F64Gauge(g) | D::U64Gauge(g) | D::S64Gauge(g) => metric::Data::Gauge(gauge(g)),
        D::F64Sum(s) | D::U64Sum(s) | D::S64Sum(s) => metric::Data::Sum(sum(s)),
        D::F64Histogram(h) | D::U64Histogram(h) | D::S64Histogram(h) => {
            metric::Data::Histogram(histogram(h))
        }
        D::F64ExponentialHistogram(h)
        | D::U64ExponentialHistogram(h)
        | D::S64ExponentialHistogram(h) => metric::Data::ExponentialHistogram(exponential(h)),
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

fn exemplars(list: &[wasi::Exemplar]) -> Vec<Exemplar> {
    list.iter()
        .map(|e| Exemplar {
            filtered_attributes: key_values(&e.filtered_attributes),
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
) -> NumberDataPoint {
    NumberDataPoint {
        attributes: key_values(attributes),
        start_time_unix_nano: start,
        time_unix_nano: time,
        exemplars: exemplars(list),
        value: Some(number(value)),
        ..Default::default()
    }
}

fn gauge(g: &wasi::Gauge) -> Gauge {
    let start = g.start_time.map_or(0, nanos);
    Gauge {
        data_points: g
            .data_points
            .iter()
            .map(|p| point(&p.attributes, p.value, &p.exemplars, start, nanos(g.time)))
            .collect(),
    }
}

fn sum(s: &wasi::Sum) -> Sum {
    Sum {
        data_points: s
            .data_points
            .iter()
            .map(|p| {
                let (start, time) = (nanos(s.start_time), nanos(s.time));
                point(&p.attributes, p.value, &p.exemplars, start, time)
            })
            .collect(),
        aggregation_temporality: temporality(s.temporality),
        is_monotonic: s.is_monotonic,
    }
}

fn histogram(h: &wasi::Histogram) -> Histogram {
    Histogram {
        data_points: h
            .data_points
            .iter()
            .map(|p| HistogramDataPoint {
                attributes: key_values(&p.attributes),
                start_time_unix_nano: nanos(h.start_time),
                time_unix_nano: nanos(h.time),
                count: p.count,
                sum: Some(float(p.sum)),
                bucket_counts: p.bucket_counts.clone(),
                explicit_bounds: p.bounds.clone(),
                exemplars: exemplars(&p.exemplars),
                min: p.min.map(float),
                max: p.max.map(float),
                ..Default::default()
            })
            .collect(),
        aggregation_temporality: temporality(h.temporality),
    }
}

fn exponential(h: &wasi::ExponentialHistogram) -> ExponentialHistogram {
    let buckets = |b: &wasi::ExponentialBucket| Buckets {
        offset: b.offset,
        bucket_counts: b.counts.clone(),
    };
    ExponentialHistogram {
        data_points: h
            .data_points
            .iter()
            .map(|p| ExponentialHistogramDataPoint {
                attributes: key_values(&p.attributes),
                start_time_unix_nano: nanos(h.start_time),
                time_unix_nano: nanos(h.time),
                count: p.count,
                sum: Some(float(p.sum)),
                scale: p.scale as i32,
                zero_count: p.zero_count,
                positive: Some(buckets(&p.positive_bucket)),
                negative: Some(buckets(&p.negative_bucket)),
                exemplars: exemplars(&p.exemplars),
                min: p.min.map(float),
                max: p.max.map(float),
                zero_threshold: p.zero_threshold,
                ..Default::default()
            })
            .collect(),
        aggregation_temporality: temporality(h.temporality),
    }
}
