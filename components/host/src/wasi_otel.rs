//! `wasi:otel@0.2.0-rc.2` for any wasmtime embedder, in wasmtime-wasi's
//! style: the embedder's store data implements [`WasiOtelView`], and
//! [`add_to_linker`] adds the four interfaces to its `Linker`. What the
//! guests report goes to the [`TelemetrySink`] the embedder put in the
//! [`WasiOtelCtx`], usually a [`Pipeline`](crate::Pipeline).
//!
//! ```no_run
//! use telemetry_host::{otlp::config::OtlpConfig, Pipeline, WasiOtelCtx, WasiOtelView};
//! use wasmtime::component::{Component, Linker};
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
//! let engine = wasmtime::Engine::default();
//! let mut linker: Linker<MyState> = Linker::new(&engine);
//! telemetry_host::wasi_otel::add_to_linker(&mut linker)?;
//! // wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?; for clocks, random, ...
//! let config = OtlpConfig::from_env()?;
//! let pipeline = Pipeline::otlp(&config, telemetry_host::resource(&config, "my-service"))?;
//! let mut store = wasmtime::Store::new(&engine, MyState { otel: WasiOtelCtx::new(pipeline) });
//! # let component = Component::new(&engine, telemetry_host::SDK_COMPONENT)?;
//! # let _ = (&mut store, component);
//! # Ok(()) }
//! ```

use wasmtime::component::{HasData, Linker};

use crate::bindings::sdk::wasi::otel::{logs, metrics, tracing, types};
use crate::sink::TelemetrySink;

/// The per-store state of `wasi:otel`: where telemetry goes, and the host's
/// current span (what `outer-span-context` answers).
pub struct WasiOtelCtx {
    sink: Box<dyn TelemetrySink>,
    outer: Option<tracing::SpanContext>,
}

impl WasiOtelCtx {
    /// Reports go to `sink`.
    pub fn new(sink: impl TelemetrySink) -> Self {
        WasiOtelCtx {
            sink: Box::new(sink),
            outer: None,
        }
    }

    /// Sets (or clears) the host's current span: while it is set, the
    /// guest's spans with no parent of their own become its children.
    pub fn set_outer_span_context(&mut self, context: Option<tracing::SpanContext>) {
        self.outer = context;
    }

    /// The sink, e.g. to report a span the host made itself.
    pub fn sink(&mut self) -> &mut dyn TelemetrySink {
        &mut *self.sink
    }
}

/// Gives `wasi:otel` its state out of the embedder's store data.
pub trait WasiOtelView: Send {
    /// The store's `wasi:otel` state.
    fn otel(&mut self) -> &mut WasiOtelCtx;
}

/// Adds `wasi:otel` `types`, `tracing`, `logs` and `metrics` to `linker`.
/// (Clocks and random, which the SDK component also imports, are
/// `wasmtime-wasi`'s.)
pub fn add_to_linker<T: WasiOtelView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    fn otel<T: WasiOtelView>(t: &mut T) -> &mut WasiOtelCtx {
        t.otel()
    }
    types::add_to_linker::<T, WasiOtel>(linker, otel)?;
    tracing::add_to_linker::<T, WasiOtel>(linker, otel)?;
    logs::add_to_linker::<T, WasiOtel>(linker, otel)?;
    metrics::add_to_linker::<T, WasiOtel>(linker, otel)?;
    Ok(())
}

struct WasiOtel;

impl HasData for WasiOtel {
    type Data<'a> = &'a mut WasiOtelCtx;
}

impl types::Host for WasiOtelCtx {}

impl tracing::Host for WasiOtelCtx {
    fn on_start(&mut self, context: tracing::SpanContext) {
        self.sink.span_started(&context);
    }

    fn on_end(&mut self, span: tracing::SpanData) {
        self.sink.span_ended(span);
    }

    fn outer_span_context(&mut self) -> tracing::SpanContext {
        // Outside a request the host has no span: the invalid, all-zero
        // context, which the SDK treats as "no parent".
        self.outer.clone().unwrap_or_else(|| tracing::SpanContext {
            trace_id: "0".repeat(32),
            span_id: "0".repeat(16),
            trace_flags: tracing::TraceFlags::empty(),
            is_remote: false,
            trace_state: Vec::new(),
        })
    }
}

impl logs::Host for WasiOtelCtx {
    fn on_emit(&mut self, data: logs::LogRecord) {
        self.sink.log_emitted(data);
    }
}

impl metrics::Host for WasiOtelCtx {
    fn export(&mut self, metrics: metrics::ResourceMetrics) -> Result<(), String> {
        self.sink.metrics_exported(metrics)
    }
}
