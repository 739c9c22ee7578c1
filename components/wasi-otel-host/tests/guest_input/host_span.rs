//! The host's span around a guest call, driven as a guest drives it: the
//! `wasi:otel` calls made on the store's context from inside the call, with
//! no wasm needed.

use wasi_otel_host::tracing::{Host as _, SpanContext, SpanData, SpanKind, Status, TraceFlags};
use wasi_otel_host::{call_in_span, Collector, HostSpan, Refusal, WasiOtelCtx, WasiOtelView};

struct State(WasiOtelCtx);

impl WasiOtelView for State {
    fn otel(&mut self) -> &mut WasiOtelCtx {
        &mut self.0
    }
}

fn store() -> (wasmtime::Store<State>, Collector) {
    let collector = Collector::default();
    let engine = wasmtime::Engine::default();
    let store = wasmtime::Store::new(&engine, State(WasiOtelCtx::new(collector.clone())));
    (store, collector)
}

/// A span the guest ends, as the guest reports it.
fn guest_span(name: &str, context: SpanContext, parent: &str) -> SpanData {
    let mut span = HostSpan::new(name).end();
    span.span_context = context;
    span.parent_span_id = parent.to_string();
    span
}

fn child_of(parent: &SpanContext, span_id: &str) -> SpanContext {
    SpanContext {
        span_id: span_id.to_string(),
        ..parent.clone()
    }
}

#[test]
fn the_guest_parents_on_the_host_span_and_cannot_end_it() -> wasmtime::Result<()> {
    let (mut store, collector) = store();
    let span = HostSpan::new("GET /").with_kind(SpanKind::Server);
    let host = span.context().clone();
    call_in_span(&mut store, span, |store, span| {
        let otel = store.data_mut().otel();
        let outer = otel.outer_span_context();
        assert_eq!(outer, host, "outer-span-context answers the host's span");
        let child = child_of(&outer, "00000000000000aa");
        otel.on_start(child.clone());
        otel.on_end(guest_span("work", child, &outer.span_id));
        // The guest forges the host's span: its start and its end.
        otel.on_start(outer.clone());
        let mut forged = guest_span("forged", outer.clone(), "");
        forged.span_kind = SpanKind::Client;
        otel.on_end(forged);
        span.set_attribute("http.response.status_code", 200);
        Ok(())
    })?;
    let collected = collector.take();
    assert_eq!(collected.refused, [Refusal::HostSpan, Refusal::HostSpan]);
    let names: Vec<&str> = collected.spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["work", "GET /"],
        "the host's end is the one exported"
    );
    let server = &collected.spans[1];
    assert_eq!(server.span_context, host);
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(server.attributes[0].value, "200");
    assert_eq!(
        collected.started.len(),
        1,
        "only the guest's own span started"
    );
    // After the call the host has no span: the invalid context.
    let after = store.data_mut().otel().outer_span_context();
    assert_eq!(after.trace_id, "0".repeat(32));
    assert_eq!(after.trace_flags, TraceFlags::empty());
    Ok(())
}

#[test]
fn a_trap_ends_what_the_guest_left_open_and_the_host_span_says_why() {
    let (mut store, collector) = store();
    let span = HostSpan::new("job");
    let result: wasmtime::Result<()> = call_in_span(&mut store, span, |store, _| {
        let otel = store.data_mut().otel();
        let outer = otel.outer_span_context();
        otel.on_start(child_of(&outer, "00000000000000bb"));
        Err(wasmtime::Error::msg("unreachable executed"))
    });
    assert!(result.is_err(), "the trap is the call's answer");
    let spans = collector.take().spans;
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, [wasi_otel_host::UNENDED_SPAN_NAME, "job"]);
    for s in &spans {
        assert!(
            matches!(&s.status, Status::Error(m) if m.contains("unreachable executed")),
            "{:?}",
            s.status
        );
    }
    assert_eq!(spans[0].parent_span_id, spans[1].span_context.span_id);
    assert_eq!(store.data_mut().otel().open_spans(), 0);
}

#[test]
fn calls_nest_and_a_child_span_continues_a_trace() -> wasmtime::Result<()> {
    let (mut store, collector) = store();
    let outer = HostSpan::new("outer");
    let outer_context = outer.context().clone();
    call_in_span(&mut store, outer, |store, outer| {
        let inner = HostSpan::child_of("inner", outer.context());
        let inner_context = inner.context().clone();
        call_in_span(store, inner, |store, _| {
            assert_eq!(store.data_mut().otel().outer_span_context(), inner_context);
            Ok(())
        })?;
        assert_eq!(store.data_mut().otel().outer_span_context(), outer_context);
        Ok(())
    })?;
    let spans = collector.take().spans;
    assert_eq!(spans[0].name, "inner");
    assert_eq!(spans[0].parent_span_id, outer_context.span_id);
    assert_eq!(spans[0].span_context.trace_id, outer_context.trace_id);
    assert_eq!(spans[1].name, "outer");
    Ok(())
}

#[test]
fn metric_exports_carry_the_instance_id() -> wasmtime::Result<()> {
    use wasi_otel_host::metrics::{Host as _, ResourceMetrics};
    use wasi_otel_host::types::{KeyValue, Resource};
    let collector = Collector::default();
    let mut ctx = WasiOtelCtx::new(collector.clone()).with_instance_id("worker-7");
    let export = ResourceMetrics {
        resource: Resource {
            attributes: vec![KeyValue {
                key: "service.instance.id".into(),
                value: "\"the guest's own\"".into(),
            }],
            schema_url: None,
        },
        scope_metrics: Vec::new(),
    };
    ctx.export(export).map_err(wasmtime::Error::msg)?;
    let attributes = &collector.take().metrics[0].resource.attributes;
    assert_eq!(attributes.len(), 1);
    assert_eq!(attributes[0].value, "\"worker-7\"", "the store's id wins");
    Ok(())
}
