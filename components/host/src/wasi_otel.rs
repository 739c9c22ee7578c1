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

use std::collections::HashMap;

use wasmtime::component::{HasData, Linker};

use crate::bindings::sdk::wasi::clocks::wall_clock::Datetime;
use crate::bindings::sdk::wasi::otel::{logs, metrics, tracing, types};
use crate::sink::TelemetrySink;

/// How many started, not yet ended spans a store remembers (past that, a
/// span's start is not remembered, and a trap cannot end it).
pub const MAX_OPEN_SPANS: usize = 65_536;

/// The name the host gives a span it ends for a guest that cannot: rc.2's
/// `on-start` carries only the span's context, not its name.
pub const UNENDED_SPAN_NAME: &str = "unended span";

/// The per-store state of `wasi:otel`: where telemetry goes, the host's
/// current span (what `outer-span-context` answers), and the spans that
/// started and have not ended.
pub struct WasiOtelCtx {
    sink: Box<dyn TelemetrySink>,
    outer: Option<tracing::SpanContext>,
    open: HashMap<(String, String), Open>,
}

/// A started span: its context, when it started, and the host's span then.
struct Open {
    context: tracing::SpanContext,
    start: Datetime,
    outer: Option<tracing::SpanContext>,
}

impl WasiOtelCtx {
    /// Reports go to `sink`.
    pub fn new(sink: impl TelemetrySink) -> Self {
        WasiOtelCtx {
            sink: Box::new(sink),
            outer: None,
            open: HashMap::new(),
        }
    }

    /// Ends, with status ERROR and `reason`, every span that started and
    /// has not ended: what an embedder calls when a guest trapped (its
    /// instance is gone, and so are the spans it held), so that no span whose
    /// start reached the host goes unexported. Each is named
    /// [`UNENDED_SPAN_NAME`], starts when its `on-start` arrived, ends now,
    /// and is a child of the host's span of that moment, if in its trace.
    /// Returns how many were ended.
    pub fn end_open_spans(&mut self, reason: &str) -> usize {
        let open: Vec<Open> = self.open.drain().map(|(_, o)| o).collect();
        let n = open.len();
        for o in open {
            let parent = o
                .outer
                .filter(|p| p.trace_id == o.context.trace_id)
                .map(|p| p.span_id)
                .unwrap_or_default();
            self.sink.span_ended(tracing::SpanData {
                span_context: o.context,
                parent_span_id: parent,
                span_kind: tracing::SpanKind::Internal,
                name: UNENDED_SPAN_NAME.to_string(),
                start_time: o.start,
                end_time: now(),
                attributes: Vec::new(),
                events: Vec::new(),
                links: Vec::new(),
                status: tracing::Status::Error(reason.to_string()),
                instrumentation_scope: types::InstrumentationScope {
                    name: "wasi:otel host".to_string(),
                    version: None,
                    schema_url: None,
                    attributes: Vec::new(),
                },
                dropped_attributes: 0,
                dropped_events: 0,
                dropped_links: 0,
            });
        }
        n
    }

    /// How many spans started and have not ended.
    pub fn open_spans(&self) -> usize {
        self.open.len()
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
        if self.open.len() < MAX_OPEN_SPANS {
            let key = (context.trace_id.clone(), context.span_id.clone());
            let open = Open {
                context,
                start: now(),
                outer: self.outer.clone(),
            };
            self.open.insert(key, open);
        }
    }

    fn on_end(&mut self, span: tracing::SpanData) {
        let c = &span.span_context;
        self.open.remove(&(c.trace_id.clone(), c.span_id.clone()));
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

/// Now, as `wasi:clocks` has it.
pub fn now() -> Datetime {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Datetime {
        seconds: since.as_secs(),
        nanoseconds: since.subsec_nanos(),
    }
}
