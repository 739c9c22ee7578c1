//! An OpenTelemetry SDK as a WebAssembly component.
//!
//! It exports the `wrr:otel` API (`../wit/api.wit`) to other components and
//! reports through the standard `wasi:otel@0.2.0-rc.2` imports, so it runs on
//! any host that implements them. Spans, providers and meters live in a
//! `wit-resource-registry` registry ([`store`]): each resource's
//! implementation struct holds its registration, so identity survives every
//! crossing of a component boundary (the handle number does not); `end`
//! takes its span exactly once; a provider's shutdown ends, exactly once,
//! every span the caller forgot.
//!
//! Layout: one module per exported interface (`provider`, `tracing`, `logs`,
//! `metrics`, and `admin` with the `test-hooks` feature) over leaf modules
//! that import none of them (`store`, `spans`, `span_state`, `context`,
//! `aggregation`, `convert`, `json`, `ids`, `clock`, `lock`).
//!
//! With the `naive` feature the span store is the seed's `HashMap` keyed by
//! `handle()`: the negative control that the host's tests show failing.

#[cfg(not(feature = "test-hooks"))]
wit_bindgen::generate!({ world: "sdk", path: "wit", generate_all });
#[cfg(feature = "test-hooks")]
wit_bindgen::generate!({ world: "sdk-testing", path: "wit", generate_all });

#[cfg(feature = "test-hooks")]
mod admin;
mod aggregation;
mod clock;
mod context;
mod convert;
mod ids;
mod json;
mod lock;
mod logs;
mod metrics;
mod provider;
mod span_state;
#[cfg(not(feature = "naive"))]
mod spans;
#[cfg(feature = "naive")]
#[path = "spans_naive.rs"]
mod spans;
mod store;
mod tracing;

/// The component: every exported interface is implemented on it.
struct Component;

export!(Component);
