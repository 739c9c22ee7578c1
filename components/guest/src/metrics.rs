//! Meters and their instruments. Each instrument is a registry entry; when
//! the caller drops one, its values are folded into the retired totals so
//! that `collect` loses nothing.

use std::sync::{Arc, Mutex};

use wit_resource_registry::{Registration, ResourceRegistry};

use crate::exports::wrr::telemetry::metrics::{
    Counter, Guest, GuestCounter, GuestHistogram, GuestMeter, Histogram, MetricPoint,
    TelemetryError,
};
use crate::wrr::telemetry::types::MetricKind;
use crate::Component;

pub(crate) static INSTRUMENTS: ResourceRegistry<Instrument> = ResourceRegistry::with_limit(10_000);

/// Totals of instruments the caller has dropped.
static RETIRED: Mutex<Vec<Instrument>> = Mutex::new(Vec::new());

#[derive(Clone)]
pub(crate) struct Instrument {
    meter: String,
    name: String,
    kind: MetricKind,
    instruments: u32,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    bounds: Vec<f64>,
    buckets: Vec<u64>,
}

impl Instrument {
    fn new(meter: &str, name: String, kind: MetricKind, bounds: Vec<f64>) -> Self {
        let buckets = match kind {
            MetricKind::Counter => Vec::new(),
            MetricKind::Histogram => vec![0; bounds.len() + 1],
        };
        Instrument {
            meter: meter.to_string(),
            name,
            kind,
            instruments: 1,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            bounds,
            buckets,
        }
    }

    fn record(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        if let MetricKind::Histogram = self.kind {
            let bucket = self
                .bounds
                .iter()
                .position(|&b| value <= b)
                .unwrap_or(self.bounds.len());
            self.buckets[bucket] += 1;
        }
    }

    fn same_series(&self, other: &Instrument) -> bool {
        self.meter == other.meter
            && self.name == other.name
            && self.kind == other.kind
            && self.bounds == other.bounds
    }

    fn merge(&mut self, other: &Instrument) {
        self.instruments += other.instruments;
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
    }

    fn point(&self) -> MetricPoint {
        let empty = self.count == 0;
        MetricPoint {
            meter: self.meter.clone(),
            name: self.name.clone(),
            kind: self.kind,
            instruments: self.instruments,
            count: self.count,
            sum: self.sum,
            min: if empty { 0.0 } else { self.min },
            max: if empty { 0.0 } else { self.max },
            bounds: self.bounds.clone(),
            buckets: self.buckets.clone(),
        }
    }
}

fn fold_into(series: &mut Vec<Instrument>, instrument: &Instrument) {
    match series.iter_mut().find(|s| s.same_series(instrument)) {
        Some(existing) => existing.merge(instrument),
        None => series.push(instrument.clone()),
    }
}

/// The implementation of both instrument resources.
pub(crate) struct MyInstrument {
    entry: Registration<'static, Instrument>,
}

impl MyInstrument {
    fn record(&self, value: f64) {
        if let Some(inner) = self.entry.get() {
            crate::lock(&inner).record(value);
        }
    }
}

impl Drop for MyInstrument {
    fn drop(&mut self) {
        // Fold the values in before the Registration removes the entry.
        if let Some(inner) = self.entry.get() {
            let inner = crate::lock(&inner).clone();
            fold_into(&mut crate::lock(&RETIRED), &inner);
        }
    }
}

fn register(
    meter: &str,
    name: String,
    kind: MetricKind,
    bounds: Vec<f64>,
) -> Result<MyInstrument, TelemetryError> {
    let inner = Arc::new(Mutex::new(Instrument::new(meter, name, kind, bounds)));
    INSTRUMENTS
        .register_guarded(inner)
        .map(|entry| MyInstrument { entry })
        .map_err(|refused| crate::refused(refused.error()))
}

pub(crate) struct MyMeter {
    name: String,
}

impl GuestMeter for MyMeter {
    fn new(name: String) -> Self {
        MyMeter { name }
    }

    fn counter(&self, name: String) -> Result<Counter, TelemetryError> {
        register(&self.name, name, MetricKind::Counter, Vec::new()).map(Counter::new)
    }

    fn histogram(&self, name: String, bounds: Vec<f64>) -> Result<Histogram, TelemetryError> {
        register(&self.name, name, MetricKind::Histogram, bounds).map(Histogram::new)
    }

    fn collect(&self) -> Vec<MetricPoint> {
        collect_all()
            .into_iter()
            .filter(|p| p.meter == self.name)
            .collect()
    }
}

/// Every series, over live instruments and retired ones.
pub(crate) fn collect_all() -> Vec<MetricPoint> {
    let mut series: Vec<Instrument> = crate::lock(&RETIRED).clone();
    INSTRUMENTS.for_each(|_, inner| {
        let inner = crate::lock(inner);
        fold_into(&mut series, &inner);
    });
    series.iter().map(Instrument::point).collect()
}

impl GuestCounter for MyInstrument {
    fn add(&self, value: u64) {
        self.record(value as f64);
    }
}

impl GuestHistogram for MyInstrument {
    fn record(&self, value: f64) {
        MyInstrument::record(self, value);
    }
}

impl Guest for Component {
    type Meter = MyMeter;
    type Counter = MyInstrument;
    type Histogram = MyInstrument;
}
