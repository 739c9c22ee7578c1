//! Hostile input, for the host's tests (`attack KIND [N]`): each kind, in a
//! module of its own, sends what a guest that does not play by the rules
//! could, mostly through the raw `wasi:otel` imports (no SDK in between to
//! tidy it up). After an attack that returns, `main` runs the normal
//! scenario, whose telemetry the host must still deliver whole.
//!
//! | kind | what the guest sends |
//! |---|---|
//! | `forge` | `on-start` and `on-end` of a span with the host's own context (`outer-span-context`), named "forged", kind client |
//! | `scopes N` | N log records, each under a scope of its own name |
//! | `points N` | one `metrics.export`: a gauge of N points, each with its own attributes |
//! | `bad-metrics` | one export: histogram points that contradict themselves, an exponential histogram of a scale OTLP does not define, a u64 sum above `i64::MAX` |
//! | `big N` | a span whose name, status message and 100 attribute values are N bytes each, and a log record of an N-byte body |
//! | `flood N` | N `on-end` calls of distinct valid spans, as fast as it can |
//! | `loop` | 3 spans started (through the SDK), then a loop that never ends |
//! | `trap` | 3 spans started (through the SDK), then a trap (a panic, which aborts) |
//!
//! Ids the attacks make themselves are written in full (32 and 16 digits)
//! and never start with a zero digit, so that the host repairs none of
//! them: what it counts as padded comes from the SDK's spans alone.

mod bad_metrics;
mod big;
mod flood;
mod forge;
mod looping;
mod points;
mod scopes;
mod trap;

use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator, SdkTracer};

use crate::bindings::wasi::clocks::wall_clock::Datetime;
use crate::bindings::wasi::otel::types;

/// One attack, as the arguments name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attack {
    Forge,
    Scopes(u64),
    Points(u64),
    BadMetrics,
    Big(u64),
    Flood(u64),
    Loop,
    Trap,
}

/// The kinds, for messages.
pub const KINDS: &str = "forge, scopes N, points N, bad-metrics, big N, flood N, loop, trap";

impl Attack {
    /// The attack `kind` names; `number` gives the next argument, for the
    /// kinds that take N.
    pub fn parse(
        kind: &str,
        number: impl FnOnce() -> Result<u64, String>,
    ) -> Result<Attack, String> {
        Ok(match kind {
            "forge" => Attack::Forge,
            "scopes" => Attack::Scopes(number()?),
            "points" => Attack::Points(number()?),
            "bad-metrics" => Attack::BadMetrics,
            "big" => Attack::Big(number()?),
            "flood" => Attack::Flood(number()?),
            "loop" => Attack::Loop,
            "trap" => Attack::Trap,
            other => return Err(format!("unknown attack `{other}` ({KINDS})")),
        })
    }

    /// Sends it. `tracer` is the scenario's (with the host's context
    /// attached), for the attacks that start spans the normal way. `loop`
    /// and `trap` do not return.
    pub fn run(self, tracer: &SdkTracer) {
        match self {
            Attack::Forge => forge::run(),
            Attack::Scopes(n) => scopes::run(n),
            Attack::Points(n) => points::run(n),
            Attack::BadMetrics => bad_metrics::run(),
            Attack::Big(n) => big::run(n),
            Attack::Flood(n) => flood::run(n),
            Attack::Loop => looping::run(tracer),
            Attack::Trap => trap::run(tracer),
        }
    }
}

/// Now, as `wasi:clocks` has it.
fn now() -> Datetime {
    crate::wasi::datetime(std::time::SystemTime::now())
}

/// A scope of `name`, version 1, no attributes.
fn scope(name: &str) -> types::InstrumentationScope {
    types::InstrumentationScope {
        name: name.to_string(),
        version: Some("1".to_string()),
        schema_url: None,
        attributes: Vec::new(),
    }
}

/// The guest's resource: its service name.
fn resource() -> types::Resource {
    types::Resource {
        attributes: vec![key_value("service.name", "\"otel-wasi-guest\"")],
        schema_url: None,
    }
}

/// An attribute whose value is the JSON text `json`.
fn key_value(key: &str, json: &str) -> types::KeyValue {
    types::KeyValue {
        key: key.to_string(),
        value: json.to_string(),
    }
}

/// A random span id in 16 hex digits, the first not 0.
fn span_id(ids: &RandomIdGenerator) -> String {
    let id = u64::from_be_bytes(ids.new_span_id().to_bytes()) | 1 << 60;
    format!("{id:016x}")
}

/// Starts `n` spans through the SDK, children of the current context (the
/// host's span), and forgets them: they never end.
fn open_spans(tracer: &SdkTracer, n: usize) {
    use opentelemetry::trace::Tracer as _;
    for i in 0..n {
        std::mem::forget(tracer.start(format!("open-{i}")));
    }
}
