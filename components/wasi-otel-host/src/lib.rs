//! `wasi:otel@0.2.0-rc.2` for wasmtime embedders, in wasmtime-wasi's style.
//!
//! - [`add_to_linker`] adds the four `wasi:otel` interfaces to an
//!   embedder's `Linker`, over its store data through [`WasiOtelView`].
//! - [`call_in_span`] runs a guest call inside a span of the host's
//!   ([`HostSpan`]): the guest parents its spans on it through
//!   `outer-span-context`, a trap ends what the guest left open, and the
//!   host's span is exported with the guest's.
//! - [`Deadlines`] bounds each guest call's running time (wasmtime's epoch
//!   interruption): a guest past its deadline traps, and `call_in_span`
//!   handles it like any trap.
//! - What guests report goes to the [`TelemetrySink`] in the store's
//!   [`WasiOtelCtx`], normally a [`Pipeline`]: the OpenTelemetry SDK's batch
//!   processors and `opentelemetry-otlp`'s exporters, configured by the
//!   standard `OTEL_*` variables ([`otlp::config`]). [`convert`] gives each
//!   kind of bad guest input a defined outcome, counted in [`Drops`].
//!
//! ```no_run
//! use wasi_otel_host::otlp::config::OtlpConfig;
//! use wasi_otel_host::{call_in_span, resource, Deadlines, HostSpan, Pipeline, WasiOtelCtx, WasiOtelView};
//! use wasmtime::component::{Component, Linker};
//! use std::time::Duration;
//!
//! struct MyState {
//!     otel: WasiOtelCtx,
//!     // ... the embedder's own state, e.g. a wasmtime_wasi::WasiCtx
//! }
//! impl WasiOtelView for MyState {
//!     fn otel(&mut self) -> &mut WasiOtelCtx {
//!         &mut self.otel
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut config = wasmtime::Config::new();
//! config.epoch_interruption(true); // for Deadlines
//! let engine = wasmtime::Engine::new(&config)?;
//! let deadlines = Deadlines::start(&engine, Duration::from_millis(10));
//! let mut linker: Linker<MyState> = Linker::new(&engine);
//! wasi_otel_host::add_to_linker(&mut linker)?;
//! // wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?; for clocks, random, ...
//! let config = OtlpConfig::from_env()?;
//! let pipeline = Pipeline::otlp(&config, resource(&config, "my-service"))?;
//! let mut store = wasmtime::Store::new(&engine, MyState { otel: WasiOtelCtx::new(pipeline.clone()) });
//! # let component = Component::new(&engine, b"(component)")?;
//! deadlines.arm(&mut store, Duration::from_secs(5)); // before each guest call
//! let instance = linker.instantiate(&mut store, &component)?;
//! call_in_span(&mut store, HostSpan::new("handle"), |store, _span| {
//!     // e.g. a generated binding's `call_handle(store, ..)`
//!     # let _ = (store, &instance);
//!     Ok(())
//! })?;
//! pipeline.shutdown().into_result()?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod bindings;
pub mod convert;
mod ctx;
mod deadline;
mod host;
pub mod otlp;
pub mod pipeline;
mod recent;
mod report;
mod sink;
mod span;

pub use bindings::wasi::clocks::wall_clock::Datetime;
pub use bindings::wasi::otel::{logs, metrics, tracing, types};
pub use convert::Drops;
pub use ctx::{WasiOtelCtx, WasiOtelView, MAX_HOST_SPANS, MAX_OPEN_SPANS, UNENDED_SPAN_NAME};
pub use deadline::Deadlines;
pub use host::{add_to_linker, now};
pub use pipeline::{resource, Pipeline, PipelineBuilder};
pub use report::{ExportFailure, ExportReport};
pub use sink::{Collected, Collector, Refusal, TelemetrySink};
pub use span::{call_in_span, HostSpan, HOST_SCOPE};

/// The OpenTelemetry crates this one is built on, at the versions it uses:
/// [`PipelineBuilder`] takes their processors and resources.
pub use {opentelemetry, opentelemetry_proto, opentelemetry_sdk};
