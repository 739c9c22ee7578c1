//! A small reimplementation of what the `opentelemetry-wasi` crate
//! (github.com/calebschoepp/opentelemetry-wasi, folder `rust/`, version
//! 0.27.0 on opentelemetry / opentelemetry_sdk 0.31 and wit-bindgen 0.47)
//! puts on the wire, so that our host can be tested against the ecosystem's
//! own in-guest SDK without vendoring it (it is not on crates.io).
//!
//! Every conversion, here and in the submodules, says which upstream file it
//! mimics. The point is to reproduce its *observable* behaviour, quirks
//! included:
//!
//! - span and trace ids in span contexts and log records are written with
//!   `format!("{:x}", id)`, which for `TraceId`/`SpanId` forwards to the
//!   `u128`/`u64` and so DROPS LEADING ZEROS (a span id starting with a 0
//!   digit arrives with 15 digits or fewer);
//! - `parent-span-id` is written with `to_string()` (`Display`, `{:016x}`):
//!   always 16 digits, and `0000000000000000` for a span without a parent;
//! - attribute values are JSON text made by serde_json;
//! - spans, log records are handed over synchronously (`on-start`/`on-end`,
//!   `on-emit`); metrics only when the app calls `export` (upstream also
//!   exports when the user's exporter handle is dropped), cumulatively.
//!
//! One module per signal, each naming the upstream files it mimics:
//! [`tracing`] (the outer context and `WasiSpanProcessor`), [`logs`]
//! (`WasiLogProcessor`) and [`metrics`] (`WasiMetricExporter`). The
//! conversions they share, upstream `rust/src/types.rs`, are here.

mod logs;
mod metrics;
mod tracing;

pub use logs::WasiLogProcessor;
pub use metrics::WasiMetricExporter;
pub use tracing::{extract_outer_context, WasiSpanProcessor};

use std::time::{SystemTime, UNIX_EPOCH};

use crate::bindings::wasi::clocks::wall_clock::Datetime;
use crate::bindings::wasi::otel::types;

/// `SystemTime` to `datetime` (seconds and nanoseconds since the Unix epoch).
pub(crate) fn datetime(t: SystemTime) -> Datetime {
    let since = t
        .duration_since(UNIX_EPOCH)
        .expect("SystemTime should be after UNIX EPOCH");
    Datetime {
        seconds: since.as_secs(),
        nanoseconds: since.subsec_nanos(),
    }
}

/// An attribute value as JSON text. Upstream serializes through serde
/// (`ValueWrapper`): bool, f64 (NaN and infinities become `null`, `1.0`
/// stays `1.0`), i64, string, and arrays of those. Upstream panics with
/// `unimplemented!()` on any other (future) variant; so do we.
fn value_json(value: &opentelemetry::Value) -> String {
    use opentelemetry::{Array, Value};
    use serde_json::Value as Json;
    let json = match value {
        Value::Bool(v) => Json::from(*v),
        Value::F64(v) => Json::from(*v),
        Value::I64(v) => Json::from(*v),
        Value::String(v) => Json::from(v.as_str()),
        Value::Array(Array::Bool(v)) => Json::from(v.clone()),
        Value::Array(Array::F64(v)) => Json::from(v.clone()),
        Value::Array(Array::I64(v)) => Json::from(v.clone()),
        Value::Array(Array::String(v)) => v.iter().map(|s| Json::from(s.as_str())).collect(),
        _ => unimplemented!(),
    };
    json.to_string()
}

fn key_value(key: &opentelemetry::Key, value: &opentelemetry::Value) -> types::KeyValue {
    types::KeyValue {
        key: key.to_string(),
        value: value_json(value),
    }
}

fn attributes<'a>(
    kvs: impl IntoIterator<Item = &'a opentelemetry::KeyValue>,
) -> Vec<types::KeyValue> {
    kvs.into_iter()
        .map(|kv| key_value(&kv.key, &kv.value))
        .collect()
}

/// Scope: name, version, schema URL as given to `tracer`/`logger`/`meter`
/// (`provider.tracer("x")` gives just a name), and its attributes.
fn scope(scope: &opentelemetry::InstrumentationScope) -> types::InstrumentationScope {
    types::InstrumentationScope {
        name: scope.name().to_string(),
        version: scope.version().map(Into::into),
        schema_url: scope.schema_url().map(Into::into),
        attributes: attributes(scope.attributes()),
    }
}

/// Resource attributes in the SDK's own (hash map, so unspecified) order.
fn resource(resource: &opentelemetry_sdk::Resource) -> types::Resource {
    types::Resource {
        attributes: resource.iter().map(|(k, v)| key_value(k, v)).collect(),
        schema_url: resource.schema_url().map(Into::into),
    }
}
