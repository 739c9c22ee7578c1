//! The four `wasi:otel` interfaces, implemented over a [`WasiOtelCtx`], and
//! [`add_to_linker`].

use wasmtime::component::{HasData, Linker};

use crate::ctx::{WasiOtelCtx, WasiOtelView};
use crate::{logs, metrics, tracing, types, Datetime};

/// Adds `wasi:otel` `types`, `tracing`, `logs` and `metrics` to `linker`.
/// (Clocks and random, which guests also import, are `wasmtime-wasi`'s.)
///
/// ```
/// use wasi_otel_host::{WasiOtelCtx, WasiOtelView};
/// struct MyState(WasiOtelCtx);
/// impl WasiOtelView for MyState {
///     fn otel(&mut self) -> &mut WasiOtelCtx {
///         &mut self.0
///     }
/// }
/// let engine = wasmtime::Engine::default();
/// let mut linker = wasmtime::component::Linker::<MyState>::new(&engine);
/// wasi_otel_host::add_to_linker(&mut linker)?;
/// # Ok::<(), wasmtime::Error>(())
/// ```
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
        if self.refuse_host_span(&context) {
            return;
        }
        self.sink.span_started(&context);
        self.started(&context);
    }

    fn on_end(&mut self, span: tracing::SpanData) {
        if self.refuse_host_span(&span.span_context) {
            return;
        }
        self.ended(&span.span_context);
        self.sink.span_ended(span);
    }

    fn outer_span_context(&mut self) -> tracing::SpanContext {
        // Outside a host span: the invalid, all-zero context (see
        // `WasiOtelCtx::set_outer_span_context` for what guests make of it).
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

/// The resource attribute that tells one guest instance's metric streams
/// from another's.
const INSTANCE_ID: &str = "service.instance.id";

impl metrics::Host for WasiOtelCtx {
    fn export(&mut self, mut metrics: metrics::ResourceMetrics) -> Result<(), String> {
        let attributes = &mut metrics.resource.attributes;
        attributes.retain(|kv| kv.key != INSTANCE_ID);
        attributes.push(types::KeyValue {
            key: INSTANCE_ID.to_string(),
            value: serde_json::Value::from(self.instance_id.as_str()).to_string(),
        });
        self.sink.metrics_exported(metrics)
    }
}

/// Now, as `wasi:clocks` has it.
///
/// ```
/// assert!(wasi_otel_host::now().seconds > 1_700_000_000);
/// ```
pub fn now() -> Datetime {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Datetime {
        seconds: since.as_secs(),
        nanoseconds: since.subsec_nanos(),
    }
}
