//! `bad-metrics`: one `metrics.export` of points that contradict
//! themselves, beside one that does not:
//!
//! - `attack.histogram`, an f64 histogram of four points (attribute
//!   `case`): `counts-not-bounds-plus-one` (2 counts for 2 bounds),
//!   `bounds-not-increasing` (bounds 2, 1), `counts-not-adding-up` (buckets
//!   1+1+1 for a count of 5), and `valid` (bounds 1, 2, buckets 1, 0, 1,
//!   count 2, sum 3.5);
//! - `attack.exponential`, an exponential histogram point of scale 21
//!   (OTLP defines -10 to 20), its counts otherwise right;
//! - `attack.large`, a u64 sum of one point, `u64::MAX` (above `i64::MAX`).

use crate::bindings::wasi::otel::metrics::{self, MetricNumber};

fn histogram_point(
    case: &str,
    bounds: &[f64],
    counts: &[u64],
    count: u64,
) -> metrics::HistogramDataPoint {
    metrics::HistogramDataPoint {
        attributes: vec![super::key_value("case", &format!("\"{case}\""))],
        count,
        bounds: bounds.to_vec(),
        bucket_counts: counts.to_vec(),
        min: Some(MetricNumber::F64(0.5)),
        max: Some(MetricNumber::F64(3.0)),
        sum: MetricNumber::F64(3.5),
        exemplars: Vec::new(),
    }
}

pub fn run() {
    let now = super::now();
    let histogram = metrics::Histogram {
        data_points: vec![
            histogram_point("counts-not-bounds-plus-one", &[1.0, 2.0], &[1, 1], 2),
            histogram_point("bounds-not-increasing", &[2.0, 1.0], &[0, 1, 0], 1),
            histogram_point("counts-not-adding-up", &[1.0, 2.0], &[1, 1, 1], 5),
            histogram_point("valid", &[1.0, 2.0], &[1, 0, 1], 2),
        ],
        start_time: now,
        time: now,
        temporality: metrics::Temporality::Cumulative,
    };
    let exponential = metrics::ExponentialHistogram {
        data_points: vec![metrics::ExponentialHistogramDataPoint {
            attributes: vec![super::key_value("case", "\"scale-21\"")],
            count: 1,
            min: Some(MetricNumber::F64(1.5)),
            max: Some(MetricNumber::F64(1.5)),
            sum: MetricNumber::F64(1.5),
            scale: 21,
            zero_count: 0,
            positive_bucket: metrics::ExponentialBucket {
                offset: 0,
                counts: vec![1],
            },
            negative_bucket: metrics::ExponentialBucket {
                offset: 0,
                counts: Vec::new(),
            },
            zero_threshold: 0.0,
            exemplars: Vec::new(),
        }],
        start_time: now,
        time: now,
        temporality: metrics::Temporality::Cumulative,
    };
    let large = metrics::Sum {
        data_points: vec![metrics::SumDataPoint {
            attributes: Vec::new(),
            value: MetricNumber::U64(u64::MAX),
            exemplars: Vec::new(),
        }],
        start_time: now,
        time: now,
        temporality: metrics::Temporality::Cumulative,
        is_monotonic: true,
    };
    let metric = |name: &str, data| metrics::Metric {
        name: name.to_string(),
        description: String::new(),
        unit: String::new(),
        data,
    };
    let export = metrics::ResourceMetrics {
        resource: super::resource(),
        scope_metrics: vec![metrics::ScopeMetrics {
            scope: super::scope("attack-bad-metrics"),
            metrics: vec![
                metric(
                    "attack.histogram",
                    metrics::MetricData::F64Histogram(histogram),
                ),
                metric(
                    "attack.exponential",
                    metrics::MetricData::F64ExponentialHistogram(exponential),
                ),
                metric("attack.large", metrics::MetricData::U64Sum(large)),
            ],
        }],
    };
    if let Err(e) = metrics::export(&export) {
        eprintln!("otel-wasi-guest: attack bad-metrics: the host refused the export: {e}");
    }
}
