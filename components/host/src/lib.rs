//! The demo built on [`wasi_otel_host`], as any embedder would build on it:
//! the OpenTelemetry SDK component alone ([`SdkSession`], for tests of the
//! guest) and composed with the checkout app ([`Service`], one host span
//! per request), with the components the build script makes, the `request`
//! example (its command line) and the benchmarks.

#![warn(missing_docs)]

pub mod bench_guest;
pub mod bindings;
pub mod compose;
pub mod demo;
pub mod sdk_calls;
pub mod tree;

pub use demo::{counting_engine, engine, Build, SdkSession, Service, Store};

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
