//! `wasi:otel` metric exports as OTLP `ExportMetricsServiceRequest`s.
//!
//! Why this path exists beside the SDK's exporters: `opentelemetry_sdk`
//! 0.33 gives no public way to build a `ResourceMetrics` outside its own
//! readers (the fields are `pub(crate)`), and a guest's metrics arrive
//! already aggregated, so they cannot go through a `MetricExporter`. They are
//! translated here and sent by [`MetricsClient`](super::metrics_client::MetricsClient)
//! with the same configuration, timeout and retry rules as the other signals.
//!
//! A guest's metrics are checked as its spans and logs are (the table in
//! [`convert`](crate::convert)): a point with a non-finite double, a
//! histogram point that contradicts itself, or an exponential histogram
//! point whose scale OTLP does not define is dropped; an unsigned value
//! too large for OTLP's signed integers goes as a double; attributes past
//! their [`Limits`] are dropped, text past them cut. Each is counted in
//! [`Drops`].

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, exponential_histogram_data_point::Buckets, metric, number_data_point,
    AggregationTemporality, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge,
    Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::transform::common::tonic::Attributes;

use crate::convert::ids;
use crate::convert::limits::{self, Budget, Limits};
use crate::convert::values;
use crate::convert::values::Cut;
use crate::convert::Drops;
use crate::metrics as wasi;
use crate::types;
use crate::Datetime;

/// One `export` call as one request. The resource is `host`'s attributes
/// and then those of the guest's resource that `host` does not set; but the
/// export's `service.instance.id` (which the store's
/// [`WasiOtelCtx`](crate::WasiOtelCtx) sets) replaces the host's, since
/// each instance writes streams of its own.
pub fn metrics(
    export: &wasi::ResourceMetrics,
    host: &Resource,
    limits: &Limits,
    drops: &mut Drops,
) -> ExportMetricsServiceRequest {
    let drops = &mut Cx { drops, limits };
    let mut resource = host.clone();
    let (attributes, over) = limited(&export.resource.attributes, drops);
    resource.dropped_attributes_count = resource.dropped_attributes_count.saturating_add(over);
    for kv in attributes {
        match resource.attributes.iter_mut().find(|a| a.key == kv.key) {
            Some(host) if kv.key == INSTANCE_ID => *host = kv,
            Some(_) => {}
            None => resource.attributes.push(kv),
        }
    }
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(resource),
            scope_metrics: export
                .scope_metrics
                .iter()
                .map(|s| {
                    let (attributes, over) = limited(&s.scope.attributes, drops);
                    ScopeMetrics {
                        scope: Some(InstrumentationScope {
                            name: drops.cut(&s.scope.name),
                            version: s
                                .scope
                                .version
                                .as_deref()
                                .map(|v| drops.cut(v))
                                .unwrap_or_default(),
                            attributes,
                            dropped_attributes_count: over,
                        }),
                        metrics: s.metrics.iter().map(|m| metric(m, drops)).collect(),
                        schema_url: s.scope.schema_url.clone().unwrap_or_default(),
                    }
                })
                .collect(),
            schema_url: export.resource.schema_url.clone().unwrap_or_default(),
        }],
    }
}

/// What converting one export needs: where to count, and the limits.
struct Cx<'a> {
    drops: &'a mut Drops,
    limits: &'a Limits,
}

impl Cx<'_> {
    /// `text` cut to the attribute value length.
    fn cut(&mut self, text: &str) -> String {
        let length = self.limits.attribute_value_length;
        limits::cut(text.to_string(), length, &mut self.drops.truncated)
    }
}

impl std::ops::Deref for Cx<'_> {
    type Target = Drops;
    fn deref(&self) -> &Drops {
        self.drops
    }
}

impl std::ops::DerefMut for Cx<'_> {
    fn deref_mut(&mut self) -> &mut Drops {
        self.drops
    }
}

/// The attribute that tells one instance's streams from another's.
const INSTANCE_ID: &str = "service.instance.id";

/// Attributes as OTLP's, read as span attributes are and bounded as theirs
/// are (a guest cannot grow a request without limit through one list): at
/// most the count limit, each text cut to the length limit, all within one
/// item's byte bound; the rest counted in `over_limits` and their number
/// returned, for a scope's or resource's own dropped count.
fn limited(kvs: &[types::KeyValue], drops: &mut Cx<'_>) -> (Vec<KeyValue>, u32) {
    let mut budget = Budget::new(drops.limits);
    let cut = Cut {
        count: drops.limits.attribute_count,
        length: drops.limits.attribute_value_length,
        budget: &mut budget,
    };
    let (kept, over) = values::key_values(kvs, cut, drops.drops);
    (Attributes::from(kept).0, over)
}

/// [`limited`] attributes where OTLP keeps no dropped count (points and
/// exemplars): the count in `over_limits` is all that is left of the rest.
fn key_values(kvs: &[types::KeyValue], drops: &mut Cx<'_>) -> Vec<KeyValue> {
    limited(kvs, drops).0
}

/// Unix nanoseconds.
fn nanos(t: Datetime) -> u64 {
    t.seconds
        .saturating_mul(1_000_000_000)
        .saturating_add(t.nanoseconds as u64)
}

/// An exemplar's ids as OTLP's bytes, read as span ids are ([`ids`]);
/// none for text that writes no id.
fn id_bytes(e: &wasi::Exemplar, drops: &mut Cx<'_>) -> (Vec<u8>, Vec<u8>) {
    match (ids::trace_id(&e.trace_id), ids::span_id(&e.span_id)) {
        (Some(trace), Some(span)) => {
            ids::count_repairs(&e.trace_id, ids::TRACE_DIGITS, drops);
            ids::count_repairs(&e.span_id, ids::SPAN_DIGITS, drops);
            (trace.to_bytes().to_vec(), span.to_bytes().to_vec())
        }
        _ => (Vec::new(), Vec::new()),
    }
}

fn finite(n: &wasi::MetricNumber) -> bool {
    !matches!(n, wasi::MetricNumber::F64(x) if !x.is_finite())
}

/// Keeps the points `ok` accepts; counts the others in `dropped`. Takes
/// what an earlier `kept` returned too, so that each check counts its own.
fn kept<'a, P: 'a>(
    points: impl IntoIterator<Item = &'a P>,
    ok: impl Fn(&P) -> bool,
    dropped: &mut u64,
) -> Vec<&'a P> {
    let mut kept = Vec::new();
    for p in points {
        if ok(p) {
            kept.push(p);
        } else {
            *dropped = dropped.saturating_add(1);
        }
    }
    kept
}

/// The sum of bucket counts; `None` past `u64::MAX`, which no count can be.
fn total(counts: &[u64]) -> Option<u64> {
    counts.iter().try_fold(0u64, |sum, &c| sum.checked_add(c))
}

/// OTLP's rules for explicit buckets: one more count than bounds (or no
/// buckets at all, which says nothing of the count), bounds strictly
/// increasing, and the counts adding up to the point's count. A backend
/// given a point that breaks them reads buckets that are not there, or
/// percentiles of values that were never recorded.
fn consistent(p: &wasi::HistogramDataPoint) -> bool {
    let increasing = p.bounds.windows(2).all(|w| w[0] < w[1]);
    let buckets = if p.bucket_counts.is_empty() && p.bounds.is_empty() {
        true
    } else {
        p.bucket_counts.len() == p.bounds.len() + 1 && total(&p.bucket_counts) == Some(p.count)
    };
    increasing && buckets
}

/// The scales OTLP defines for exponential histograms.
const SCALES: std::ops::RangeInclusive<i8> = -10..=20;

/// OTLP's rules for exponential buckets: a scale it defines, and the zero,
/// positive and negative counts adding up to the point's count (the one
/// check of explicit buckets that means something here).
fn exponential_consistent(p: &wasi::ExponentialHistogramDataPoint) -> bool {
    let counts = [
        Some(p.zero_count),
        total(&p.positive_bucket.counts),
        total(&p.negative_bucket.counts),
    ];
    let sum = counts
        .into_iter()
        .try_fold(0u64, |sum, c| c.and_then(|c| sum.checked_add(c)));
    SCALES.contains(&p.scale) && sum == Some(p.count)
}

fn metric(m: &wasi::Metric, drops: &mut Cx<'_>) -> Metric {
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
        name: drops.cut(&m.name),
        description: drops.cut(&m.description),
        unit: drops.cut(&m.unit),
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

/// A point's or exemplar's value. OTLP's integers are signed: an unsigned
/// value above `i64::MAX` goes as the nearest double (counted in
/// `large_unsigned`) rather than clamped to an integer it is not.
fn number(n: wasi::MetricNumber, drops: &mut Cx<'_>) -> number_data_point::Value {
    match n {
        wasi::MetricNumber::F64(x) => number_data_point::Value::AsDouble(x),
        wasi::MetricNumber::S64(i) => number_data_point::Value::AsInt(i),
        wasi::MetricNumber::U64(u) => match i64::try_from(u) {
            Ok(i) => number_data_point::Value::AsInt(i),
            Err(_) => {
                drops.large_unsigned = drops.large_unsigned.saturating_add(1);
                number_data_point::Value::AsDouble(u as f64)
            }
        },
    }
}

fn float(n: wasi::MetricNumber) -> f64 {
    match n {
        wasi::MetricNumber::F64(x) => x,
        wasi::MetricNumber::S64(i) => i as f64,
        wasi::MetricNumber::U64(u) => u as f64,
    }
}

fn exemplars(list: &[wasi::Exemplar], drops: &mut Cx<'_>) -> Vec<Exemplar> {
    kept(list, |e| finite(&e.value), &mut drops.non_finite_points)
        .into_iter()
        .map(|e| {
            let (trace_id, span_id) = id_bytes(e, drops);
            Exemplar {
                filtered_attributes: key_values(&e.filtered_attributes, drops),
                time_unix_nano: nanos(e.time),
                span_id,
                trace_id,
                value: Some(match number(e.value, drops) {
                    number_data_point::Value::AsDouble(x) => exemplar::Value::AsDouble(x),
                    number_data_point::Value::AsInt(i) => exemplar::Value::AsInt(i),
                }),
            }
        })
        .collect()
}

fn point(
    attributes: &[crate::types::KeyValue],
    value: wasi::MetricNumber,
    list: &[wasi::Exemplar],
    start: u64,
    time: u64,
    drops: &mut Cx<'_>,
) -> NumberDataPoint {
    NumberDataPoint {
        attributes: key_values(attributes, drops),
        start_time_unix_nano: start,
        time_unix_nano: time,
        exemplars: exemplars(list, drops),
        value: Some(number(value, drops)),
        ..Default::default()
    }
}

fn gauge(g: &wasi::Gauge, drops: &mut Cx<'_>) -> Gauge {
    let (start, time) = (g.start_time.map_or(0, nanos), nanos(g.time));
    let points = kept(
        &g.data_points,
        |p| finite(&p.value),
        &mut drops.non_finite_points,
    );
    Gauge {
        data_points: points
            .into_iter()
            .map(|p| point(&p.attributes, p.value, &p.exemplars, start, time, drops))
            .collect(),
    }
}

fn sum(s: &wasi::Sum, drops: &mut Cx<'_>) -> Sum {
    let (start, time) = (nanos(s.start_time), nanos(s.time));
    let points = kept(
        &s.data_points,
        |p| finite(&p.value),
        &mut drops.non_finite_points,
    );
    Sum {
        data_points: points
            .into_iter()
            .map(|p| point(&p.attributes, p.value, &p.exemplars, start, time, drops))
            .collect(),
        aggregation_temporality: temporality(s.temporality),
        is_monotonic: s.is_monotonic,
    }
}

fn histogram(h: &wasi::Histogram, drops: &mut Cx<'_>) -> Histogram {
    let ok = |p: &wasi::HistogramDataPoint| {
        finite(&p.sum)
            && p.min.iter().chain(&p.max).all(finite)
            && p.bounds.iter().all(|b| b.is_finite())
    };
    let finite_points = kept(&h.data_points, ok, &mut drops.non_finite_points);
    let points = kept(finite_points, consistent, &mut drops.invalid_histograms);
    Histogram {
        data_points: points
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

fn exponential(h: &wasi::ExponentialHistogram, drops: &mut Cx<'_>) -> ExponentialHistogram {
    let ok = |p: &wasi::ExponentialHistogramDataPoint| {
        finite(&p.sum) && p.min.iter().chain(&p.max).all(finite) && p.zero_threshold.is_finite()
    };
    let finite_points = kept(&h.data_points, ok, &mut drops.non_finite_points);
    let points = kept(
        finite_points,
        exponential_consistent,
        &mut drops.invalid_histograms,
    );
    let buckets = |b: &wasi::ExponentialBucket| Buckets {
        offset: b.offset,
        bucket_counts: b.counts.clone(),
    };
    ExponentialHistogram {
        data_points: points
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
