//! The exported `admin` interface (feature `test-hooks`): the registry's
//! limit and stats, spans the SDK keeps for itself, in-component churn for
//! the benchmarks, the re-entrancy check and a deliberate trap.

mod floor;
mod reentrancy;

use std::cell::RefCell;

use crate::exports::wrr::otel::admin::{Guest, RegistryStats};
use crate::exports::wrr::otel::metrics::Temporality;
use crate::exports::wrr::otel::provider::ProviderConfig;
use crate::exports::wrr::otel::tracing::{Span, SpanKind, SpanOptions};
use crate::exports::wrr::otel::types::Value;
use crate::provider::ProviderImpl;
use crate::span_state::SpanState;
use crate::store::NODES;
use crate::tracing::TracerImpl;
use crate::wasi::otel::types::InstrumentationScope;
use crate::Component;

thread_local! {
    /// A provider that reports nothing, for the SDK's own spans.
    static TRACER: TracerImpl = {
        let provider = ProviderImpl::create(
            ProviderConfig {
                resource: Vec::new(),
                schema_url: None,
                temporality: Temporality::Cumulative,
            },
            true,
        );
        let scope = InstrumentationScope {
            name: "admin".into(),
            version: None,
            schema_url: None,
            attributes: Vec::new(),
        };
        // The provider's handle is never dropped: its entry stays the root.
        let tracer = TracerImpl::new(provider.provider().clone(), scope);
        std::mem::forget(provider);
        tracer
    };
    static HELD: RefCell<Vec<Span>> = const { RefCell::new(Vec::new()) };
}

fn options() -> SpanOptions {
    SpanOptions {
        kind: SpanKind::Internal,
        attributes: Vec::new(),
        links: Vec::new(),
        start_time: None,
    }
}

/// A span of the admin tracer, registered like any other.
fn start(name: &str) -> Option<Span> {
    TRACER
        .with(|t| t.start(name.to_string(), None, options()))
        .ok()
}

/// A span's data made by the admin tracer, not registered (the floor).
fn new_state(name: String) -> SpanState {
    TRACER.with(|t| t.state(name, None, options()))
}

impl Guest for Component {
    type PlainSpan = floor::PlainSpanImpl;

    fn set_limit(max: u32) {
        // A limit above what the registry can hold means "as many as it can"
        // (the registry clamps it to `MAX_ISSUED`).
        NODES.set_limit(Some(max as usize));
    }

    fn stats() -> RegistryStats {
        let s = NODES.stats();
        RegistryStats {
            live: s.live as u32,
            high_water: s.high_water as u32,
            registered: s.registered,
            removed: s.removed,
            rejected: s.rejected,
            stale_lookups: s.stale_lookups,
        }
    }

    fn hold_spans(n: u32) {
        for _ in 0..n {
            if let Some(span) = start("held") {
                HELD.with(|held| held.borrow_mut().push(span));
            }
        }
    }

    fn release_held_spans() {
        // Dropping the handles ends the spans (the RAII path).
        let held = HELD.with(|held| std::mem::take(&mut *held.borrow_mut()));
        drop(held);
    }

    fn churn(n: u32) -> u64 {
        let mut ended = 0;
        for i in 0..n {
            if let Some(span) = start("churn") {
                span.get::<crate::spans::SpanImpl>()
                    .with(|s| s.set_attribute("i".into(), Value::S64(i as i64)));
                crate::spans::end(span, None);
                ended += 1;
            }
        }
        ended
    }

    fn churn_floor(n: u32) -> u64 {
        floor::churn(n)
    }

    fn reentrancy_check() -> u32 {
        reentrancy::check()
    }

    fn trap(message: String) {
        panic!("trap requested by the host: {}", message);
    }
}
