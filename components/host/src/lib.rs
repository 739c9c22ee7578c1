//! A wasmtime host for the OpenTelemetry SDK component.
//!
//! It implements the standard `wasi:otel@0.2.0-rc.2` imports (and the
//! `wasi:clocks` wall clock and `wasi:random` the SDK uses), runs the SDK
//! alone ([`SdkSession`]) or composed with the demo app ([`Service`]), and
//! exports what arrives as OTLP with `opentelemetry-proto` ([`otlp`]).

#![warn(missing_docs)]

pub mod bench_guest;
pub mod bindings;
pub mod collector;
mod imports;
pub mod otlp;
pub mod sdk_calls;
pub mod server;
mod session;
pub mod tree;

pub use collector::Collector;
pub use session::{engine, Build, SdkSession, Service, Store};

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
