//! The exported `metrics` interface: meters are registry entries under their
//! provider (so shutdown collects them); instruments are small handles that
//! name their meter's entry and an instrument in it, so dropping an
//! instrument handle loses no data.

use wit_resource_registry::Key;

use crate::aggregation::{Descriptor, Kind, DEFAULT_BOUNDS};
use crate::exports::wrr::otel::metrics::{
    Counter, Gauge, Guest, GuestCounter, GuestGauge, GuestHistogram, GuestMeter,
    GuestUpDownCounter, Histogram, InstrumentOptions, KeyValue, Number, OtelError, UpDownCounter,
};
use crate::store::{self, Node};
use crate::Component;

/// The implementation of the `meter` resource.
pub(crate) struct MeterImpl {
    key: Key<Node>,
}

impl MeterImpl {
    pub(crate) fn new(key: Key<Node>) -> Self {
        MeterImpl { key }
    }

    fn instrument(
        &self,
        name: String,
        options: InstrumentOptions,
        kind: Kind,
        bounds: Vec<f64>,
    ) -> Result<InstrumentImpl, OtelError> {
        let descriptor = Descriptor {
            name,
            description: options.description,
            unit: options.unit,
            kind,
            number: options.number_type,
            bounds,
        };
        let index = store::with(self.key, |node| match node {
            Node::Meter(meter) => meter.instrument(descriptor),
            _ => Err(OtelError::ShutDown),
        })
        .unwrap_or(Err(OtelError::ShutDown))?;
        Ok(InstrumentImpl {
            meter: self.key,
            index,
        })
    }
}

impl GuestMeter for MeterImpl {
    fn counter(&self, name: String, options: InstrumentOptions) -> Result<Counter, OtelError> {
        let i = self.instrument(name, options, Kind::Counter, Vec::new())?;
        Ok(Counter::new(i))
    }

    fn up_down_counter(
        &self,
        name: String,
        options: InstrumentOptions,
    ) -> Result<UpDownCounter, OtelError> {
        let i = self.instrument(name, options, Kind::UpDownCounter, Vec::new())?;
        Ok(UpDownCounter::new(i))
    }

    fn histogram(
        &self,
        name: String,
        options: InstrumentOptions,
        bounds: Option<Vec<f64>>,
    ) -> Result<Histogram, OtelError> {
        let bounds = bounds.unwrap_or_else(|| DEFAULT_BOUNDS.to_vec());
        if bounds.iter().any(|b| !b.is_finite()) || bounds.windows(2).any(|w| w[0] >= w[1]) {
            return Err(OtelError::Invalid(
                "histogram bounds must be finite and increasing".into(),
            ));
        }
        let i = self.instrument(name, options, Kind::Histogram, bounds)?;
        Ok(Histogram::new(i))
    }

    fn gauge(&self, name: String, options: InstrumentOptions) -> Result<Gauge, OtelError> {
        let i = self.instrument(name, options, Kind::Gauge, Vec::new())?;
        Ok(Gauge::new(i))
    }
}

/// The implementation of all four instrument resources.
pub(crate) struct InstrumentImpl {
    meter: Key<Node>,
    index: usize,
}

impl InstrumentImpl {
    fn record(&self, value: Number, attributes: &[KeyValue]) -> Result<(), OtelError> {
        // Gone from the registry means its provider was shut down.
        store::with(self.meter, |node| match node {
            Node::Meter(meter) => meter.record(self.index, value, attributes),
            _ => Err(OtelError::ShutDown),
        })
        .unwrap_or(Err(OtelError::ShutDown))
    }
}

impl GuestCounter for InstrumentImpl {
    fn add(&self, value: Number, attributes: Vec<KeyValue>) -> Result<(), OtelError> {
        self.record(value, &attributes)
    }
}

impl GuestUpDownCounter for InstrumentImpl {
    fn add(&self, value: Number, attributes: Vec<KeyValue>) -> Result<(), OtelError> {
        self.record(value, &attributes)
    }
}

impl GuestHistogram for InstrumentImpl {
    fn record(&self, value: Number, attributes: Vec<KeyValue>) -> Result<(), OtelError> {
        InstrumentImpl::record(self, value, &attributes)
    }
}

impl GuestGauge for InstrumentImpl {
    fn record(&self, value: Number, attributes: Vec<KeyValue>) -> Result<(), OtelError> {
        InstrumentImpl::record(self, value, &attributes)
    }
}

impl Guest for Component {
    type Meter = MeterImpl;
    type Counter = InstrumentImpl;
    type UpDownCounter = InstrumentImpl;
    type Histogram = InstrumentImpl;
    type Gauge = InstrumentImpl;
}
