//! The app's telemetry objects, made once per instance: one provider, its
//! tracer, logger, meter and two instruments.

use std::cell::RefCell;

use crate::wrr::otel::logs::{LogContext, LogRecord, Logger};
use crate::wrr::otel::metrics::{Counter, Histogram, InstrumentOptions, NumberType, Temporality};
use crate::wrr::otel::provider::{Provider, ProviderConfig};
use crate::wrr::otel::tracing::Tracer;
use crate::wrr::otel::types::{InstrumentationScope, KeyValue, Value};

/// Histogram bounds for item prices (the tests check them).
pub const PRICE_BOUNDS: [f64; 4] = [10.0, 50.0, 100.0, 500.0];

/// What the request code uses.
pub struct Telemetry {
    provider: Provider,
    pub tracer: Tracer,
    logger: Logger,
    pub orders: Counter,
    pub prices: Histogram,
}

thread_local! {
    static TELEMETRY: RefCell<Option<Telemetry>> = const { RefCell::new(None) };
}

/// Runs `f` with the instance's telemetry, making it on first use.
pub fn with<R>(f: impl FnOnce(&Telemetry) -> R) -> R {
    TELEMETRY.with(|cell| {
        let mut cell = cell.borrow_mut();
        f(cell.get_or_insert_with(make))
    })
}

/// Shuts the provider down (ends what was forgotten, exports metrics).
pub fn shutdown() {
    if let Some(t) = TELEMETRY.with(|cell| cell.borrow_mut().take()) {
        // Already shut down is the only error, and then there is nothing to do.
        let _ = t.provider.shutdown();
    }
}

/// A string attribute.
pub fn attr(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Value::String(value.into()),
    }
}

fn make() -> Telemetry {
    let provider = Provider::new(&ProviderConfig {
        resource: vec![
            attr("service.name", "checkout"),
            attr("service.version", "1.4.2"),
        ],
        schema_url: Some("https://opentelemetry.io/schemas/1.26.0".into()),
        temporality: Temporality::Cumulative,
    });
    let scope = InstrumentationScope {
        name: "checkout-app".into(),
        version: Some("0.1.0".into()),
        schema_url: None,
        attributes: vec![attr("component", "app")],
    };
    // A trap here is the intent: a fresh provider always has room for one
    // meter and two instruments, so failing means the SDK is broken.
    let meter = provider.meter(&scope).expect("a meter of a fresh provider");
    let options = |description: &str, unit: &str, number_type| InstrumentOptions {
        description: description.into(),
        unit: unit.into(),
        number_type,
    };
    let orders = meter
        .counter(
            "orders",
            &options("orders handled", "{order}", NumberType::U64),
        )
        .expect("a new counter");
    let prices = meter
        .histogram(
            "item.price",
            &options("price of each item priced", "USD", NumberType::F64),
            Some(&PRICE_BOUNDS),
        )
        .expect("a new histogram");
    Telemetry {
        tracer: provider.tracer(&scope),
        logger: provider.logger(&scope),
        provider,
        orders,
        prices,
    }
}

impl Telemetry {
    /// Logs `body` at `severity` (9 = INFO, 13 = WARN) in `context`.
    pub fn log(
        &self,
        severity: u8,
        body: &str,
        context: LogContext<'_>,
        attributes: Vec<KeyValue>,
    ) {
        let text = if severity >= 13 { "WARN" } else { "INFO" };
        // A logger only refuses after shutdown; a log line is not worth a trap.
        let _ = self.logger.emit(&LogRecord {
            timestamp: None,
            observed_timestamp: None,
            severity_number: severity,
            severity_text: Some(text.into()),
            body: Some(Value::String(body.into())),
            attributes,
            event_name: None,
            context,
        });
    }
}
