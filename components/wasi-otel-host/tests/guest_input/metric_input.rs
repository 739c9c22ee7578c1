//! A hostile guest's metric exports, through a pipeline as the host runs
//! one: each bad point is dropped or repaired and counted in the pipeline's
//! `Drops`, and the good points arrive as they were sent.

use wasi_otel_host::convert::MAX_ATTRIBUTES;
use wasi_otel_host::metrics::{
    Exemplar, ExponentialBucket, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge,
    GaugeDataPoint, Histogram, HistogramDataPoint, Metric, MetricData, MetricNumber,
    ResourceMetrics, ScopeMetrics, Sum, SumDataPoint, Temporality,
};
use wasi_otel_host::opentelemetry_proto::tonic::common::v1::{any_value, KeyValue as OtlpKeyValue};
use wasi_otel_host::opentelemetry_proto::tonic::metrics::v1::{
    exemplar, metric, number_data_point,
};
use wasi_otel_host::otlp::config::OtlpConfig;
use wasi_otel_host::otlp::memory::MemoryExporter;
use wasi_otel_host::otlp::{all_metrics, Export};
use wasi_otel_host::types::{InstrumentationScope, KeyValue, Resource};
use wasi_otel_host::{resource, Datetime, Drops, Pipeline, TelemetrySink};

fn at(seconds: u64) -> Datetime {
    Datetime {
        seconds,
        nanoseconds: 0,
    }
}

/// An attribute; `json` is rc.2's JSON text of the value.
fn kv(key: &str, json: &str) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: json.to_string(),
    }
}

/// The attribute that names which case a point is.
fn case(name: &str) -> Vec<KeyValue> {
    vec![kv("case", &format!("\"{}\"", name))]
}

fn scope(attributes: Vec<KeyValue>) -> InstrumentationScope {
    InstrumentationScope {
        name: "hostile".to_string(),
        version: None,
        schema_url: None,
        attributes,
    }
}

fn named(name: &str, data: MetricData) -> Metric {
    Metric {
        name: name.to_string(),
        description: String::new(),
        unit: String::new(),
        data,
    }
}

/// One export of `metrics` under one scope.
fn export(metrics: Vec<Metric>) -> ResourceMetrics {
    ResourceMetrics {
        resource: Resource {
            attributes: Vec::new(),
            schema_url: None,
        },
        scope_metrics: vec![ScopeMetrics {
            scope: scope(Vec::new()),
            metrics,
        }],
    }
}

/// `export` through a memory pipeline: the requests it sent and what it
/// counted.
fn send(export: ResourceMetrics) -> (Vec<Export>, Drops) {
    let exports = MemoryExporter::default();
    let config = OtlpConfig::from_lookup(|_| None).expect("an empty environment is a config");
    let mut pipeline = Pipeline::memory(&exports, resource(&config, "metric-input"));
    pipeline
        .metrics_exported(export)
        .expect("the pipeline takes the export");
    pipeline
        .force_flush()
        .into_result()
        .expect("memory exports do not fail");
    (exports.take(), pipeline.drops())
}

/// The string value of attribute `key`.
fn text<'a>(attributes: &'a [OtlpKeyValue], key: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.as_ref())
        .and_then(|v| match &v.value {
            Some(any_value::Value::StringValue(s)) => Some(s.as_str()),
            _ => None,
        })
}

fn histogram_point(name: &str, count: u64, bounds: &[f64], counts: &[u64]) -> HistogramDataPoint {
    HistogramDataPoint {
        attributes: case(name),
        count,
        bounds: bounds.to_vec(),
        bucket_counts: counts.to_vec(),
        min: None,
        max: None,
        sum: MetricNumber::F64(1.0),
        exemplars: Vec::new(),
    }
}

#[test]
fn histogram_points_that_contradict_themselves_are_dropped() {
    let mut infinite_sum = histogram_point("infinite sum", 3, &[1.0], &[1, 2]);
    infinite_sum.sum = MetricNumber::F64(f64::INFINITY);
    let points = vec![
        histogram_point("good", 6, &[1.0, 2.0], &[1, 2, 3]),
        histogram_point("one fewer count than bounds", 3, &[1.0, 2.0], &[1, 2]),
        // OTLP: no buckets at all says nothing of the count.
        histogram_point("no buckets", 5, &[], &[]),
        histogram_point("bounds without counts", 0, &[1.0], &[]),
        histogram_point("one bucket", 4, &[], &[4]),
        histogram_point("equal bounds", 3, &[1.0, 1.0], &[1, 1, 1]),
        histogram_point("decreasing bounds", 3, &[2.0, 1.0], &[1, 1, 1]),
        histogram_point("counts short of count", 3, &[1.0], &[1, 1]),
        // Wrapping would make these add up to 0.
        histogram_point("counts past u64", 0, &[1.0], &[u64::MAX, 1]),
        // Non-finite is checked first: counted as such, not twice.
        histogram_point("NaN bound", 9, &[1.0, f64::NAN], &[1]),
        infinite_sum,
    ];
    let data = MetricData::F64Histogram(Histogram {
        data_points: points,
        start_time: at(1),
        time: at(2),
        temporality: Temporality::Cumulative,
    });
    let (exports, drops) = send(export(vec![named("latency", data)]));

    let metrics = all_metrics(&exports);
    assert_eq!(metrics.len(), 1);
    let Some(metric::Data::Histogram(h)) = &metrics[0].data else {
        panic!("not a histogram")
    };
    let kept: Vec<(&str, u64, &[f64], &[u64])> = h
        .data_points
        .iter()
        .map(|p| {
            let name = text(&p.attributes, "case").expect("every point names its case");
            (name, p.count, &p.explicit_bounds[..], &p.bucket_counts[..])
        })
        .collect();
    let expected: Vec<(&str, u64, &[f64], &[u64])> = vec![
        ("good", 6, &[1.0, 2.0], &[1, 2, 3]),
        ("no buckets", 5, &[], &[]),
        ("one bucket", 4, &[], &[4]),
    ];
    assert_eq!(kept, expected);
    let mut want = Drops::default();
    want.invalid_histograms = 6;
    want.non_finite_points = 2;
    assert_eq!(drops, want, "{}", drops);
}

fn exponential_point(name: &str, count: u64, scale: i8) -> ExponentialHistogramDataPoint {
    ExponentialHistogramDataPoint {
        attributes: case(name),
        count,
        min: None,
        max: None,
        sum: MetricNumber::F64(1.0),
        scale,
        zero_count: 1,
        positive_bucket: ExponentialBucket {
            offset: -2,
            counts: vec![2, 3],
        },
        negative_bucket: ExponentialBucket {
            offset: 0,
            counts: vec![4],
        },
        zero_threshold: 0.0,
        exemplars: Vec::new(),
    }
}

#[test]
fn exponential_points_whose_counts_or_scale_are_wrong_are_dropped() {
    // 1 zero + 2 + 3 positive + 4 negative.
    let good = 10;
    // Wrapping would make these add up to 0.
    let mut zero_past_u64 = exponential_point("zero count past u64", 0, 0);
    zero_past_u64.zero_count = u64::MAX - 8;
    let mut buckets_past_u64 = exponential_point("buckets past u64", 0, 0);
    (
        buckets_past_u64.zero_count,
        buckets_past_u64.negative_bucket.counts,
    ) = (0, vec![2]);
    buckets_past_u64.positive_bucket.counts = vec![u64::MAX, u64::MAX];
    let mut nan_threshold = exponential_point("NaN threshold", 0, 0);
    nan_threshold.zero_threshold = f64::NAN;
    let mut no_buckets = exponential_point("only zeros", 7, 3);
    no_buckets.zero_count = 7;
    no_buckets.positive_bucket.counts.clear();
    no_buckets.negative_bucket.counts.clear();
    let points = vec![
        exponential_point("good", good, 0),
        exponential_point("count one short", good - 1, 0),
        exponential_point("count one over", good + 1, 0),
        zero_past_u64,
        buckets_past_u64,
        exponential_point("coarsest scale", good, -10),
        exponential_point("finest scale", good, 20),
        exponential_point("scale too coarse", good, -11),
        exponential_point("scale too fine", good, 21),
        exponential_point("scale far off", good, i8::MIN),
        no_buckets,
        // Non-finite is checked first: counted as such, not twice.
        nan_threshold,
    ];
    let data = MetricData::U64ExponentialHistogram(ExponentialHistogram {
        data_points: points,
        start_time: at(1),
        time: at(2),
        temporality: Temporality::Delta,
    });
    let (exports, drops) = send(export(vec![named("sizes", data)]));

    let metrics = all_metrics(&exports);
    assert_eq!(metrics.len(), 1);
    let Some(metric::Data::ExponentialHistogram(h)) = &metrics[0].data else {
        panic!("not an exponential histogram")
    };
    let kept: Vec<(&str, u64, i32, u64)> = h
        .data_points
        .iter()
        .map(|p| {
            let name = text(&p.attributes, "case").expect("every point names its case");
            (name, p.count, p.scale, p.zero_count)
        })
        .collect();
    assert_eq!(
        kept,
        [
            ("good", 10, 0, 1),
            ("coarsest scale", 10, -10, 1),
            ("finest scale", 10, 20, 1),
            ("only zeros", 7, 3, 7),
        ]
    );
    let good_point = &h.data_points[0];
    let positive = good_point.positive.as_ref().expect("positive buckets");
    assert_eq!(
        (positive.offset, &positive.bucket_counts[..]),
        (-2, &[2, 3][..])
    );
    let mut want = Drops::default();
    want.invalid_histograms = 7;
    want.non_finite_points = 1;
    assert_eq!(drops, want, "{}", drops);
}

fn sum_point(value: MetricNumber, exemplars: Vec<Exemplar>) -> SumDataPoint {
    SumDataPoint {
        attributes: Vec::new(),
        value,
        exemplars,
    }
}

fn exemplar_of(value: MetricNumber) -> Exemplar {
    Exemplar {
        filtered_attributes: Vec::new(),
        time: at(2),
        value,
        span_id: "00000000000000aa".to_string(),
        trace_id: "000000000000000000000000000000bb".to_string(),
    }
}

#[test]
fn unsigned_values_past_i64_go_as_doubles_and_are_counted() {
    use number_data_point::Value::{AsDouble, AsInt};
    let past = i64::MAX as u64 + 1;
    let sum = MetricData::U64Sum(Sum {
        data_points: vec![
            sum_point(
                MetricNumber::U64(7),
                vec![exemplar_of(MetricNumber::U64(3))],
            ),
            sum_point(
                MetricNumber::U64(i64::MAX as u64),
                vec![exemplar_of(MetricNumber::U64(u64::MAX))],
            ),
            sum_point(MetricNumber::U64(past), Vec::new()),
            sum_point(MetricNumber::U64(u64::MAX), Vec::new()),
            sum_point(MetricNumber::S64(i64::MIN), Vec::new()),
            sum_point(MetricNumber::F64(2.5), Vec::new()),
        ],
        start_time: at(1),
        time: at(2),
        temporality: Temporality::Cumulative,
        is_monotonic: true,
    });
    let gauge = MetricData::U64Gauge(Gauge {
        data_points: vec![GaugeDataPoint {
            attributes: Vec::new(),
            value: MetricNumber::U64(u64::MAX - 1),
            exemplars: Vec::new(),
        }],
        start_time: None,
        time: at(2),
    });
    let mut sent = export(vec![named("bytes", sum)]);
    sent.scope_metrics[0].metrics.push(named("level", gauge));
    let (exports, drops) = send(sent);
    let metrics = all_metrics(&exports);
    assert_eq!(metrics.len(), 2);

    let Some(metric::Data::Sum(s)) = &metrics[0].data else {
        panic!("not a sum")
    };
    let values: Vec<_> = s.data_points.iter().map(|p| p.value).collect();
    assert_eq!(
        values,
        [
            Some(AsInt(7)),
            Some(AsInt(i64::MAX)),
            Some(AsDouble(9_223_372_036_854_775_808.0)),
            Some(AsDouble(18_446_744_073_709_551_616.0)),
            Some(AsInt(i64::MIN)),
            Some(AsDouble(2.5)),
        ]
    );
    let exemplars: Vec<_> = s.data_points[..2]
        .iter()
        .map(|p| p.exemplars[0].value)
        .collect();
    assert_eq!(
        exemplars,
        [
            Some(exemplar::Value::AsInt(3)),
            Some(exemplar::Value::AsDouble(u64::MAX as f64)),
        ]
    );
    let Some(metric::Data::Gauge(g)) = &metrics[1].data else {
        panic!("not a gauge")
    };
    assert_eq!(
        g.data_points[0].value,
        Some(AsDouble((u64::MAX - 1) as f64))
    );
    let mut want = Drops::default();
    // Two sum points, one exemplar, one gauge point.
    want.large_unsigned = 4;
    assert_eq!(drops, want, "{}", drops);
}

/// `n` attributes `{prefix}0`, `{prefix}1`, …, whose values are numbers,
/// but for `not_json_at`, whose value is not JSON.
fn many(prefix: &str, n: usize, not_json_at: Option<usize>) -> Vec<KeyValue> {
    (0..n)
        .map(|i| {
            let value = if Some(i) == not_json_at {
                "NaN".to_string()
            } else {
                i.to_string()
            };
            kv(&format!("{}{}", prefix, i), &value)
        })
        .collect()
}

fn keys(attributes: &[OtlpKeyValue]) -> Vec<&str> {
    attributes.iter().map(|a| a.key.as_str()).collect()
}

fn first_keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{}{}", prefix, i)).collect()
}

#[test]
fn metric_attributes_past_the_limit_are_dropped_and_counted() {
    assert_eq!(MAX_ATTRIBUTES, 128);
    let mut exemplar = exemplar_of(MetricNumber::S64(1));
    // At the limit: nothing dropped.
    exemplar.filtered_attributes = many("e", MAX_ATTRIBUTES, None);
    let sum = MetricData::S64Sum(Sum {
        data_points: vec![SumDataPoint {
            // A value that is not JSON past the limit is not read, so not
            // counted.
            attributes: many("p", 200, Some(150)),
            value: MetricNumber::S64(1),
            exemplars: vec![exemplar],
        }],
        start_time: at(1),
        time: at(2),
        temporality: Temporality::Delta,
        is_monotonic: false,
    });
    let mut sent = export(vec![named("requests", sum)]);
    sent.resource.attributes = many("r", MAX_ATTRIBUTES + 2, None);
    sent.scope_metrics[0].scope = scope(many("s", MAX_ATTRIBUTES + 1, Some(0)));
    let (exports, drops) = send(sent);

    let [Export::Metrics(request)] = &exports[..] else {
        panic!("one metrics request")
    };
    let resource_metrics = &request.resource_metrics[0];
    let resource = resource_metrics.resource.as_ref().expect("a resource");
    let guest: Vec<&str> = keys(&resource.attributes)
        .into_iter()
        .filter(|k| k.starts_with('r'))
        .collect();
    assert_eq!(guest, first_keys("r", MAX_ATTRIBUTES));
    assert_eq!(
        text(&resource.attributes, "service.name"),
        Some("metric-input")
    );
    assert_eq!(resource.dropped_attributes_count, 2);

    let scope = resource_metrics.scope_metrics[0]
        .scope
        .as_ref()
        .expect("a scope");
    assert_eq!(keys(&scope.attributes), first_keys("s", MAX_ATTRIBUTES));
    assert_eq!(text(&scope.attributes, "s0"), Some("NaN"), "kept as text");
    assert_eq!(scope.dropped_attributes_count, 1);

    let Some(metric::Data::Sum(s)) = &all_metrics(&exports)[0].data else {
        panic!("not a sum")
    };
    let point = &s.data_points[0];
    assert_eq!(keys(&point.attributes), first_keys("p", MAX_ATTRIBUTES));
    assert_eq!(
        keys(&point.exemplars[0].filtered_attributes),
        first_keys("e", MAX_ATTRIBUTES)
    );

    let mut want = Drops::default();
    // 2 of the resource, 1 of the scope, 72 of the point.
    want.over_limits = 75;
    want.not_json = 1;
    assert_eq!(drops, want, "{}", drops);
}
