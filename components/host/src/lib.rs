//! A wasmtime host for the OpenTelemetry SDK component, and a library for
//! any wasmtime embedder whose guests report through `wasi:otel`.
//!
//! The library: [`wasi_otel::add_to_linker`] adds the standard
//! `wasi:otel@0.2.0-rc.2` imports to an embedder's `Linker`, over its store
//! data through [`WasiOtelView`] (as `wasmtime-wasi` does for WASI); what
//! guests report goes to the [`TelemetrySink`] in the store's
//! [`WasiOtelCtx`], normally a [`Pipeline`]: the OpenTelemetry SDK's batch
//! processors and `opentelemetry-otlp`'s exporters, configured by the
//! standard `OTEL_*` variables ([`otlp::config`]). [`convert`] gives each
//! kind of bad guest input a defined outcome.
//!
//! The demo, on that same public API: [`demo`] runs the SDK component alone
//! ([`SdkSession`]) or composed with the checkout app ([`Service`]); the
//! `request` example is its command line.

#![warn(missing_docs)]

pub mod bench_guest;
pub mod bindings;
pub mod compose;
pub mod convert;
pub mod demo;
pub mod otlp;
mod pipeline;
pub mod sdk_calls;
mod sink;
pub mod tree;
pub mod wasi_otel;

pub use demo::{counting_engine, engine, Build, SdkSession, Service, Store};
pub use pipeline::{resource, ExportFailure, ExportReport, Pipeline, PipelineBuilder};
pub use sink::{Collected, Collector, TelemetrySink};
pub use wasi_otel::{WasiOtelCtx, WasiOtelView};

/// The SDK component, release build (no test hooks).
pub const SDK_COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sdk.component.wasm"));
/// The SDK component with its `admin` test hooks.
pub const SDK_TESTING_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/sdk-testing.component.wasm"));
/// The naive SDK (spans keyed by `handle()`), with test hooks.
pub const SDK_NAIVE_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/sdk-naive.component.wasm"));
/// The demo app alone: it imports the SDK's API.
pub const APP_COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/app.component.wasm"));
/// The app composed with the SDK: one component, the SDK's imports.
pub const SERVICE_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/service.component.wasm"));
/// The app composed with the naive SDK: the negative control.
pub const SERVICE_NAIVE_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/service-naive.component.wasm"));
