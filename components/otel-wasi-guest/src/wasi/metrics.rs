//! Metrics: upstream `rust/src/metrics/{exporter,conversion}.rs`.

use std::sync::{Arc, Weak};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data as sdk_data;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{InstrumentKind, ManualReader, Pipeline, Temporality};

use super::{attributes, datetime, resource, scope};
use crate::bindings::wasi::otel::metrics;

/// Upstream `WasiMetricExporter`: a `MetricReader` wrapping a default
/// `ManualReader` (so cumulative temporality for every instrument kind). The
/// app registers a clone with the meter provider and calls `export`, which
/// collects and makes one `metrics.export` call with everything collected so
/// far: each export repeats the totals since the start of the series (same
/// `start-time`, new `time`), instruments without new measurements included.
///
/// Upstream also exports from `Drop` by default (`export_on_drop`), once per
/// dropped clone while the provider's pipeline is alive, which sends the
/// same payload an explicit `export` would at that point; this test guest
/// exports explicitly only, so that the count of exports is what `main` says.
/// Its `shutdown` and `force_flush` do nothing (the `ManualReader` inside is
/// never shut down), also as upstream.
#[derive(Debug, Clone)]
pub struct WasiMetricExporter {
    reader: Arc<ManualReader>,
}

impl WasiMetricExporter {
    pub fn new() -> Self {
        Self {
            reader: Arc::new(ManualReader::builder().build()),
        }
    }

    /// Collects, then hands the host one `resource-metrics`.
    pub fn export(&self) -> Result<(), OTelSdkError> {
        let mut collected = sdk_data::ResourceMetrics::default();
        self.reader.collect(&mut collected)?;
        metrics::export(&resource_metrics(&collected)).map_err(OTelSdkError::InternalFailure)
    }
}

impl MetricReader for WasiMetricExporter {
    fn register_pipeline(&self, pipeline: Weak<Pipeline>) {
        self.reader.register_pipeline(pipeline)
    }

    fn collect(&self, rm: &mut sdk_data::ResourceMetrics) -> OTelSdkResult {
        self.reader.collect(rm)
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self, kind: InstrumentKind) -> Temporality {
        self.reader.temporality(kind)
    }
}

fn resource_metrics(rm: &sdk_data::ResourceMetrics) -> metrics::ResourceMetrics {
    metrics::ResourceMetrics {
        resource: resource(rm.resource()),
        scope_metrics: rm
            .scope_metrics()
            .map(|sm| metrics::ScopeMetrics {
                scope: scope(sm.scope()),
                metrics: sm
                    .metrics()
                    .map(|m| metrics::Metric {
                        name: m.name().to_string(),
                        description: m.description().to_string(),
                        unit: m.unit().to_string(),
                        data: metric_data(m.data()),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The three number types of the SDK: their `metric-number` case and their
/// four `metric-data` cases.
trait Number: Copy {
    fn wit(self) -> metrics::MetricNumber;
    const GAUGE: fn(metrics::Gauge) -> metrics::MetricData;
    const SUM: fn(metrics::Sum) -> metrics::MetricData;
    const HISTOGRAM: fn(metrics::Histogram) -> metrics::MetricData;
    const EXP_HISTOGRAM: fn(metrics::ExponentialHistogram) -> metrics::MetricData;
}
impl Number for f64 {
    fn wit(self) -> metrics::MetricNumber {
        metrics::MetricNumber::F64(self)
    }
    const GAUGE: fn(metrics::Gauge) -> metrics::MetricData = metrics::MetricData::F64Gauge;
    const SUM: fn(metrics::Sum) -> metrics::MetricData = metrics::MetricData::F64Sum;
    const HISTOGRAM: fn(metrics::Histogram) -> metrics::MetricData =
        metrics::MetricData::F64Histogram;
    const EXP_HISTOGRAM: fn(metrics::ExponentialHistogram) -> metrics::MetricData =
        metrics::MetricData::F64ExponentialHistogram;
}
impl Number for u64 {
    fn wit(self) -> metrics::MetricNumber {
        metrics::MetricNumber::U64(self)
    }
    const GAUGE: fn(metrics::Gauge) -> metrics::MetricData = metrics::MetricData::U64Gauge;
    const SUM: fn(metrics::Sum) -> metrics::MetricData = metrics::MetricData::U64Sum;
    const HISTOGRAM: fn(metrics::Histogram) -> metrics::MetricData =
        metrics::MetricData::U64Histogram;
    const EXP_HISTOGRAM: fn(metrics::ExponentialHistogram) -> metrics::MetricData =
        metrics::MetricData::U64ExponentialHistogram;
}
impl Number for i64 {
    fn wit(self) -> metrics::MetricNumber {
        metrics::MetricNumber::S64(self)
    }
    const GAUGE: fn(metrics::Gauge) -> metrics::MetricData = metrics::MetricData::S64Gauge;
    const SUM: fn(metrics::Sum) -> metrics::MetricData = metrics::MetricData::S64Sum;
    const HISTOGRAM: fn(metrics::Histogram) -> metrics::MetricData =
        metrics::MetricData::S64Histogram;
    const EXP_HISTOGRAM: fn(metrics::ExponentialHistogram) -> metrics::MetricData =
        metrics::MetricData::S64ExponentialHistogram;
}

fn metric_data(data: &sdk_data::AggregatedMetrics) -> metrics::MetricData {
    match data {
        sdk_data::AggregatedMetrics::F64(d) => by_kind(d),
        sdk_data::AggregatedMetrics::U64(d) => by_kind(d),
        sdk_data::AggregatedMetrics::I64(d) => by_kind(d),
    }
}

/// Upstream's `metric_data_to_wasi!` macro, as a generic function. Every
/// field is copied as the SDK has it; the temporality as the reader's
/// (cumulative here); gauges send `start-time` only if the SDK has one.
fn by_kind<T: Number>(data: &sdk_data::MetricData<T>) -> metrics::MetricData {
    use sdk_data::MetricData as D;
    match data {
        D::Gauge(g) => T::GAUGE(metrics::Gauge {
            data_points: g
                .data_points()
                .map(|dp| metrics::GaugeDataPoint {
                    attributes: attributes(dp.attributes()),
                    value: dp.value().wit(),
                    exemplars: dp.exemplars().map(exemplar).collect(),
                })
                .collect(),
            start_time: g.start_time().map(datetime),
            time: datetime(g.time()),
        }),
        D::Sum(s) => T::SUM(metrics::Sum {
            data_points: s
                .data_points()
                .map(|dp| metrics::SumDataPoint {
                    attributes: attributes(dp.attributes()),
                    value: dp.value().wit(),
                    exemplars: dp.exemplars().map(exemplar).collect(),
                })
                .collect(),
            start_time: datetime(s.start_time()),
            time: datetime(s.time()),
            temporality: temporality(s.temporality()),
            is_monotonic: s.is_monotonic(),
        }),
        D::Histogram(h) => T::HISTOGRAM(metrics::Histogram {
            data_points: h
                .data_points()
                .map(|dp| metrics::HistogramDataPoint {
                    attributes: attributes(dp.attributes()),
                    count: dp.count(),
                    bounds: dp.bounds().collect(),
                    bucket_counts: dp.bucket_counts().collect(),
                    min: dp.min().map(Number::wit),
                    max: dp.max().map(Number::wit),
                    sum: dp.sum().wit(),
                    exemplars: dp.exemplars().map(exemplar).collect(),
                })
                .collect(),
            start_time: datetime(h.start_time()),
            time: datetime(h.time()),
            temporality: temporality(h.temporality()),
        }),
        D::ExponentialHistogram(h) => T::EXP_HISTOGRAM(metrics::ExponentialHistogram {
            data_points: h
                .data_points()
                .map(|dp| metrics::ExponentialHistogramDataPoint {
                    attributes: attributes(dp.attributes()),
                    count: dp.count() as u64,
                    min: dp.min().map(Number::wit),
                    max: dp.max().map(Number::wit),
                    sum: dp.sum().wit(),
                    scale: dp.scale(),
                    zero_count: dp.zero_count(),
                    positive_bucket: exp_bucket(dp.positive_bucket()),
                    negative_bucket: exp_bucket(dp.negative_bucket()),
                    zero_threshold: dp.zero_threshold(),
                    exemplars: dp.exemplars().map(exemplar).collect(),
                })
                .collect(),
            start_time: datetime(h.start_time()),
            time: datetime(h.time()),
            temporality: temporality(h.temporality()),
        }),
    }
}

fn exp_bucket(b: &sdk_data::ExponentialBucket) -> metrics::ExponentialBucket {
    metrics::ExponentialBucket {
        offset: b.offset(),
        counts: b.counts().collect(),
    }
}

/// Upstream maps `Delta` and `LowMemory` to theirs and anything else to
/// `cumulative`.
fn temporality(t: Temporality) -> metrics::Temporality {
    match t {
        Temporality::Delta => metrics::Temporality::Delta,
        Temporality::LowMemory => metrics::Temporality::LowMemory,
        _ => metrics::Temporality::Cumulative,
    }
}

/// opentelemetry_sdk 0.31 never fills in exemplars (its aggregators always
/// produce empty lists), so this is never called in practice. Upstream turns
/// the raw id bytes into a `String` with `String::from_utf8(..).unwrap()`
/// (not hex); we copy that, lossily instead of panicking.
fn exemplar<T: Number>(e: &sdk_data::Exemplar<T>) -> metrics::Exemplar {
    metrics::Exemplar {
        filtered_attributes: attributes(e.filtered_attributes()),
        time: datetime(e.time()),
        value: e.value.wit(),
        span_id: String::from_utf8_lossy(e.span_id()).into_owned(),
        trace_id: String::from_utf8_lossy(e.trace_id()).into_owned(),
    }
}
