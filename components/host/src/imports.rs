//! The host side of the guest's imports: `wasi:otel` (collected into a
//! [`Collector`]), the wall clock, and random bytes from the OS.

use std::time::{SystemTime, UNIX_EPOCH};

use wasmtime::component::{HasSelf, Linker};

use crate::bindings::sdk::wasi::clocks::wall_clock::{self, Datetime};
use crate::bindings::sdk::wasi::otel::{logs, metrics, tracing, types};
use crate::bindings::sdk::wasi::random::random;
use crate::session::HostState;

/// Adds every import the SDK component (alone or composed) has.
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    types::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    tracing::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    logs::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    metrics::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    wall_clock::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    random::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    Ok(())
}

/// Now, as `wasi:clocks` has it.
pub(crate) fn now() -> Datetime {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Datetime {
        seconds: since.as_secs(),
        nanoseconds: since.subsec_nanos(),
    }
}

impl types::Host for HostState {}

impl tracing::Host for HostState {
    fn on_start(&mut self, context: tracing::SpanContext) {
        self.collector.started.push(context);
    }

    fn on_end(&mut self, span: tracing::SpanData) {
        self.collector.spans.push(span);
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

impl logs::Host for HostState {
    fn on_emit(&mut self, data: logs::LogRecord) {
        self.collector.logs.push(data);
    }
}

impl metrics::Host for HostState {
    fn export(&mut self, metrics: metrics::ResourceMetrics) -> Result<(), String> {
        self.collector.metrics.push(metrics);
        Ok(())
    }
}

impl wall_clock::Host for HostState {
    fn now(&mut self) -> Datetime {
        now()
    }

    fn resolution(&mut self) -> Datetime {
        Datetime {
            seconds: 0,
            nanoseconds: 1,
        }
    }
}

impl random::Host for HostState {
    fn get_random_bytes(&mut self, len: u64) -> Vec<u8> {
        let mut bytes = vec![0; len as usize];
        // The OS's generator failing is not recoverable for a host.
        getrandom::fill(&mut bytes).expect("the operating system's random source");
        bytes
    }

    fn get_random_u64(&mut self) -> u64 {
        getrandom::u64().expect("the operating system's random source")
    }
}
