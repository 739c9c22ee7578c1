//! Metric aggregation: per instrument, one series per attribute set, and the
//! `wasi:otel` form of a collection (sums, explicit-bucket histograms,
//! gauges; cumulative or delta).

use crate::convert;
use crate::exports::wrr::otel::metrics::{Number, NumberType, OtelError, Temporality};
use crate::exports::wrr::otel::types::KeyValue;
use crate::wasi::clocks::wall_clock::Datetime;
use crate::wasi::otel::metrics as wasi;
use crate::wasi::otel::types::{InstrumentationScope, KeyValue as WasiKeyValue};

/// The most attribute sets one instrument keeps; past it `record` and `add`
/// fail with `limit-reached` (OpenTelemetry's default cardinality limit).
pub(crate) const MAX_SERIES: usize = 2_000;

/// OpenTelemetry's default histogram bounds.
pub(crate) const DEFAULT_BOUNDS: [f64; 15] = [
    0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0,
    10000.0,
];

/// The four instrument kinds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    UpDownCounter,
    Histogram,
    Gauge,
}

/// A meter's data: its scope and its instruments.
pub(crate) struct MeterState {
    /// The provider's id (see `store::ProviderShared`).
    pub(crate) provider: u64,
    scope: InstrumentationScope,
    instruments: Vec<Instrument>,
}

/// What an instrument was made with.
pub(crate) struct Descriptor {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) unit: String,
    pub(crate) kind: Kind,
    pub(crate) number: NumberType,
    pub(crate) bounds: Vec<f64>,
}

struct Instrument {
    descriptor: Descriptor,
    series: Vec<Series>,
}

/// One attribute set's aggregate. Integers are summed exactly in `i128`.
struct Series {
    attributes: Vec<WasiKeyValue>,
    int: i128,
    float: f64,
    count: u64,
    min: f64,
    max: f64,
    buckets: Vec<u64>,
}

impl MeterState {
    pub(crate) fn new(provider: u64, scope: InstrumentationScope) -> Self {
        MeterState {
            provider,
            scope,
            instruments: Vec::new(),
        }
    }

    /// The index of the instrument `d` describes: an existing one of the
    /// same name and kind (instruments of one name share data), or a new one.
    pub(crate) fn instrument(&mut self, d: Descriptor) -> Result<usize, OtelError> {
        if let Some(i) = self
            .instruments
            .iter()
            .position(|i| i.descriptor.name == d.name)
        {
            let existing = &self.instruments[i].descriptor;
            if existing.kind != d.kind || existing.number != d.number {
                return Err(OtelError::Invalid(format!(
                    "instrument `{}` exists with another kind or number type",
                    d.name
                )));
            }
            return Ok(i);
        }
        self.instruments.push(Instrument {
            descriptor: d,
            series: Vec::new(),
        });
        Ok(self.instruments.len() - 1)
    }

    /// Records one measurement.
    pub(crate) fn record(
        &mut self,
        index: usize,
        value: Number,
        attributes: &[KeyValue],
    ) -> Result<(), OtelError> {
        let instrument = self
            .instruments
            .get_mut(index)
            .ok_or_else(|| OtelError::Invalid("unknown instrument".into()))?;
        let d = &instrument.descriptor;
        let (int, float) = match (value, d.number) {
            (Number::U64(v), NumberType::U64) => (v as i128, v as f64),
            (Number::S64(v), NumberType::S64) => (v as i128, v as f64),
            (Number::F64(v), NumberType::F64) if v.is_finite() => (0, v),
            _ => {
                return Err(OtelError::Invalid(format!(
                    "`{}`: value of the wrong number type, or not finite",
                    d.name
                )))
            }
        };
        if d.kind == Kind::Counter && (int < 0 || float < 0.0) {
            return Err(OtelError::Invalid(format!(
                "`{}`: a counter only grows",
                d.name
            )));
        }
        let attributes = sorted(attributes);
        let series = match instrument
            .series
            .iter()
            .position(|s| same(&s.attributes, &attributes))
        {
            Some(i) => &mut instrument.series[i],
            None if instrument.series.len() >= MAX_SERIES => {
                return Err(OtelError::LimitReached(MAX_SERIES as u32))
            }
            None => {
                instrument.series.push(Series {
                    attributes,
                    int: 0,
                    float: 0.0,
                    count: 0,
                    min: f64::INFINITY,
                    max: f64::NEG_INFINITY,
                    buckets: vec![0; d.bounds.len() + 1],
                });
                let last = instrument.series.len() - 1;
                &mut instrument.series[last]
            }
        };
        series.count += 1;
        series.min = series.min.min(float);
        series.max = series.max.max(float);
        match d.kind {
            Kind::Gauge => (series.int, series.float) = (int, float),
            _ => (series.int, series.float) = (series.int + int, series.float + float),
        }
        if d.kind == Kind::Histogram {
            let bucket = d
                .bounds
                .iter()
                .position(|&b| float <= b)
                .unwrap_or(d.bounds.len());
            series.buckets[bucket] += 1;
        }
        Ok(())
    }

    /// The meter's metrics; with delta temporality the sums and histograms
    /// start again from zero.
    pub(crate) fn collect(
        &mut self,
        temporality: Temporality,
        start: Datetime,
        time: Datetime,
    ) -> Option<wasi::ScopeMetrics> {
        let wasi_temporality = match temporality {
            Temporality::Cumulative => wasi::Temporality::Cumulative,
            Temporality::Delta => wasi::Temporality::Delta,
        };
        let metrics: Vec<wasi::Metric> = self
            .instruments
            .iter_mut()
            .filter(|i| !i.series.is_empty())
            .map(|i| {
                let metric = i.to_wasi(wasi_temporality, start, time);
                if temporality == Temporality::Delta && i.descriptor.kind != Kind::Gauge {
                    i.series.clear();
                }
                metric
            })
            .collect();
        (!metrics.is_empty()).then(|| wasi::ScopeMetrics {
            scope: self.scope.clone(),
            metrics,
        })
    }
}

impl Instrument {
    fn to_wasi(
        &self,
        temporality: wasi::Temporality,
        start_time: Datetime,
        time: Datetime,
    ) -> wasi::Metric {
        let d = &self.descriptor;
        let number = |s: &Series, float: f64, int: i128| match d.number {
            NumberType::U64 => wasi::MetricNumber::U64(int.clamp(0, u64::MAX as i128) as u64),
            NumberType::S64 => {
                wasi::MetricNumber::S64(int.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
            }
            NumberType::F64 => wasi::MetricNumber::F64(if s.count == 0 { 0.0 } else { float }),
        };
        let data = match d.kind {
            Kind::Counter | Kind::UpDownCounter => {
                let sum = wasi::Sum {
                    data_points: self
                        .series
                        .iter()
                        .map(|s| wasi::SumDataPoint {
                            attributes: s.attributes.clone(),
                            value: number(s, s.float, s.int),
                            exemplars: Vec::new(),
                        })
                        .collect(),
                    start_time,
                    time,
                    temporality,
                    is_monotonic: d.kind == Kind::Counter,
                };
                match d.number {
                    NumberType::U64 => wasi::MetricData::U64Sum(sum),
                    NumberType::S64 => wasi::MetricData::S64Sum(sum),
                    NumberType::F64 => wasi::MetricData::F64Sum(sum),
                }
            }
            Kind::Gauge => {
                let gauge = wasi::Gauge {
                    data_points: self
                        .series
                        .iter()
                        .map(|s| wasi::GaugeDataPoint {
                            attributes: s.attributes.clone(),
                            value: number(s, s.float, s.int),
                            exemplars: Vec::new(),
                        })
                        .collect(),
                    start_time: Some(start_time),
                    time,
                };
                match d.number {
                    NumberType::U64 => wasi::MetricData::U64Gauge(gauge),
                    NumberType::S64 => wasi::MetricData::S64Gauge(gauge),
                    NumberType::F64 => wasi::MetricData::F64Gauge(gauge),
                }
            }
            Kind::Histogram => {
                let histogram = wasi::Histogram {
                    data_points: self
                        .series
                        .iter()
                        .map(|s| wasi::HistogramDataPoint {
                            attributes: s.attributes.clone(),
                            count: s.count,
                            bounds: d.bounds.clone(),
                            bucket_counts: s.buckets.clone(),
                            min: Some(number(s, s.min, s.min as i128)),
                            max: Some(number(s, s.max, s.max as i128)),
                            sum: number(s, s.float, s.int),
                            exemplars: Vec::new(),
                        })
                        .collect(),
                    start_time,
                    time,
                    temporality,
                };
                match d.number {
                    NumberType::U64 => wasi::MetricData::U64Histogram(histogram),
                    NumberType::S64 => wasi::MetricData::S64Histogram(histogram),
                    NumberType::F64 => wasi::MetricData::F64Histogram(histogram),
                }
            }
        };
        wasi::Metric {
            name: d.name.clone(),
            description: d.description.clone(),
            unit: d.unit.clone(),
            data,
        }
    }
}

/// Attributes in a canonical order, so equal sets compare equal.
fn sorted(attributes: &[KeyValue]) -> Vec<WasiKeyValue> {
    let mut out = convert::key_values(attributes);
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// Equal attribute sets (both sorted by key).
fn same(a: &[WasiKeyValue], b: &[WasiKeyValue]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.key == y.key && x.value == y.value)
}
