//! The SDK component alone, driven by the host through its exported API:
//! identity across handle shifts, limits as errors, shutdown, context,
//! logs, metrics, traps, re-entrancy and memory.

use telemetry_host::bindings::sdk::exports::wrr::otel::logs::{LogContext, LogRecord};
use telemetry_host::bindings::sdk::exports::wrr::otel::metrics::{
    self, Number, NumberType, Temporality,
};
use telemetry_host::bindings::sdk::exports::wrr::otel::tracing::{OtelError, Parent};
use telemetry_host::bindings::sdk::exports::wrr::otel::types::Value;
use telemetry_host::sdk_calls::{options, text};
use telemetry_host::{Build, SdkSession};
use wasi_otel_host::metrics::{MetricData, MetricNumber};
use wasi_otel_host::tracing::{SpanData, Status};
use wasi_otel_host::HostSpan;
use wasmtime::component::ResourceAny;

type R<T = ()> = wasmtime::Result<T>;

/// A session with one provider and its tracer.
fn session(build: Build) -> R<(SdkSession, ResourceAny, ResourceAny)> {
    let mut s = SdkSession::new(build)?;
    let provider = s.provider("test", Temporality::Cumulative)?;
    let tracer = s.tracer(provider, "test")?;
    Ok((s, provider, tracer))
}

/// A `u64` counter `c` on a new meter `m` of `provider`, with the metrics
/// interface to call it through.
fn u64_counter(s: &mut SdkSession, provider: ResourceAny) -> R<(metrics::Guest, ResourceAny)> {
    let meter = s.meter(provider, "m")??;
    let m = s.api.wrr_otel_metrics().clone();
    let counter = m
        .meter()
        .call_counter(&mut s.store, meter, "c", &options(NumberType::U64))??;
    Ok((m, counter))
}

/// Starts a span named `name` (with an attribute saying so).
fn span(s: &mut SdkSession, tracer: ResourceAny, name: &str, parent: Parent) -> R<ResourceAny> {
    let span = s
        .start_span(tracer, name, parent)?
        .map_err(|e| wasmtime::format_err!("{:?}", e))?;
    s.set_attribute(span, "name", &Value::String(name.into()))?;
    Ok(span)
}

fn name_attribute(data: &SpanData) -> Option<&str> {
    data.attributes
        .iter()
        .find(|kv| kv.key == "name")
        .map(|kv| kv.value.as_str())
}

/// Several spans alive at once, created while the SDK holds `hold_at_start`
/// spans of its own and ended (in another order) while it holds
/// `hold_at_end` more: every handle number shifts. Returns what was ended.
fn interleaved(build: Build, hold_at_start: u32, hold_at_end: u32) -> R<Vec<SpanData>> {
    let (mut s, _provider, tracer) = session(build)?;
    let admin = s.api.wrr_otel_admin().clone();
    admin.call_hold_spans(&mut s.store, hold_at_start)?;
    let a = span(&mut s, tracer, "a", Parent::NewRoot)?;
    let b = span(&mut s, tracer, "b", Parent::Span(a))?;
    admin.call_release_held_spans(&mut s.store)?;
    let c = span(&mut s, tracer, "c", Parent::NewRoot)?;
    let d = span(&mut s, tracer, "d", Parent::Span(c))?;
    s.api
        .wrr_otel_tracing()
        .span()
        .call_add_event(&mut s.store, b, "b-event", &[], None)?;
    admin.call_hold_spans(&mut s.store, hold_at_end)?;
    for handle in [c, a, d, b] {
        s.end_span(handle)?;
    }
    Ok(s.take_telemetry().spans)
}

/// `None` when [`interleaved`] came back right, else the first mistake.
fn first_mistake(data: &[SpanData]) -> Option<String> {
    let names: Vec<&str> = data.iter().map(|d| d.name.as_str()).collect();
    if names != ["c", "a", "d", "b"] {
        return Some(format!("ended c, a, d, b; got {:?}", names));
    }
    for d in data {
        if name_attribute(d) != Some(&format!("\"{}\"", d.name)) {
            return Some(format!("`{}` carries another span's attributes", d.name));
        }
    }
    let by = |n: &str| data.iter().find(|d| d.name == n);
    let (a, b, c, d) = (by("a")?, by("b")?, by("c")?, by("d")?);
    if b.parent_span_id != a.span_context.span_id || d.parent_span_id != c.span_context.span_id {
        return Some("parents point at the wrong spans".into());
    }
    if b.span_context.trace_id != a.span_context.trace_id
        || a.span_context.trace_id == c.span_context.trace_id
    {
        return Some("trace ids mixed up".into());
    }
    if b.events.first().map(|e| e.name.as_str()) != Some("b-event") {
        return Some("b lost its event".into());
    }
    None
}

#[test]
fn spans_ended_out_of_order_with_handles_shifted_keep_their_own_data() -> R {
    for (start, end) in [(0, 0), (2, 0), (0, 3), (3, 5)] {
        let data = interleaved(Build::Registry, start, end)?;
        assert_eq!(first_mistake(&data), None, "holding {} then {}", start, end);
        // Ids are random 16 and 8 bytes, never a small key or handle.
        for d in &data {
            assert_eq!(d.span_context.trace_id.len(), 32);
            assert_eq!(d.span_context.span_id.len(), 16);
            assert!(u64::from_str_radix(&d.span_context.span_id, 16)? > u32::MAX as u64);
        }
    }
    Ok(())
}

#[test]
fn the_naive_sdk_fails_the_same_scenario() -> R {
    for (start, end) in [(0, 0), (3, 5)] {
        let mistake = first_mistake(&interleaved(Build::Naive, start, end)?);
        assert!(mistake.is_some(), "the handle-keyed SDK passed");
        println!(
            "naive SDK, holding {} then {}: {}",
            start,
            end,
            mistake.unwrap_or_default()
        );
    }
    Ok(())
}

#[test]
fn limits_are_wit_errors_not_traps() -> R {
    let (mut s, provider, tracer) = session(Build::Registry)?;
    let admin = s.api.wrr_otel_admin().clone();
    // The provider is one entry: room for two spans under a limit of 3.
    admin.call_set_limit(&mut s.store, 3)?;
    let a = span(&mut s, tracer, "a", Parent::NewRoot)?;
    let b = span(&mut s, tracer, "b", Parent::NewRoot)?;
    assert_eq!(
        s.start_span(tracer, "c", Parent::NewRoot)?.err(),
        Some(OtelError::LimitReached(3))
    );
    let meter = s.meter(provider, "m")?;
    assert_eq!(meter.err(), Some(OtelError::LimitReached(3)));
    assert_eq!(admin.call_stats(&mut s.store)?.rejected, 2);
    s.end_span(a)?;
    let c = span(&mut s, tracer, "c", Parent::NewRoot)?;
    for handle in [b, c] {
        s.end_span(handle)?;
    }
    let names: Vec<String> = s
        .take_telemetry()
        .spans
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    let stats = admin.call_stats(&mut s.store)?;
    assert_eq!((stats.live, stats.high_water), (1, 3));
    Ok(())
}

#[test]
fn invalid_arguments_are_wit_errors() -> R {
    let (mut s, provider, _) = session(Build::Registry)?;
    let meter = s.meter(provider, "m")??;
    let m = s.api.wrr_otel_metrics().clone();
    let counter = m
        .meter()
        .call_counter(&mut s.store, meter, "c", &options(NumberType::U64))??;
    let add = |s: &mut SdkSession, n| m.counter().call_add(&mut s.store, counter, n, &[]);
    assert!(matches!(
        add(&mut s, Number::F64(1.0))?,
        Err(OtelError::Invalid(_))
    ));
    assert_eq!(add(&mut s, Number::U64(2))?, Ok(()));
    let same_name = m
        .meter()
        .call_gauge(&mut s.store, meter, "c", &options(NumberType::U64))?;
    assert!(matches!(same_name, Err(OtelError::Invalid(_))));
    let f64_counter =
        m.meter()
            .call_counter(&mut s.store, meter, "f", &options(NumberType::F64))??;
    let negative = m
        .counter()
        .call_add(&mut s.store, f64_counter, Number::F64(-1.0), &[])?;
    assert!(matches!(negative, Err(OtelError::Invalid(_))));
    let bounds = [5.0, 1.0];
    let histogram = m.meter().call_histogram(
        &mut s.store,
        meter,
        "h",
        &options(NumberType::F64),
        Some(&bounds),
    )?;
    assert!(matches!(histogram, Err(OtelError::Invalid(_))));
    let logger = s.logger(provider, "l")?;
    let emitted = s.api.wrr_otel_logs().logger().call_emit(
        &mut s.store,
        logger,
        &log_record(25, LogContext::None),
    )?;
    assert!(matches!(emitted, Err(OtelError::Invalid(_))));
    Ok(())
}

#[test]
fn a_dropped_span_handle_ends_the_span() -> R {
    let (mut s, _provider, tracer) = session(Build::Registry)?;
    let admin = s.api.wrr_otel_admin().clone();
    let live = admin.call_stats(&mut s.store)?.live;
    let dropped = span(&mut s, tracer, "dropped", Parent::NewRoot)?;
    assert_eq!(admin.call_stats(&mut s.store)?.live, live + 1);
    dropped.resource_drop(&mut s.store)?;
    assert_eq!(admin.call_stats(&mut s.store)?.live, live);
    let ended = s.take_telemetry().spans;
    assert_eq!(ended.len(), 1);
    assert_eq!(
        (ended[0].name.as_str(), &ended[0].status),
        ("dropped", &Status::Unset)
    );
    Ok(())
}

#[test]
fn shutdown_ends_each_forgotten_span_once_then_refuses() -> R {
    let (mut s, provider, tracer) = session(Build::Registry)?;
    let done = span(&mut s, tracer, "done", Parent::NewRoot)?;
    let forgotten = span(&mut s, tracer, "forgotten", Parent::Span(done))?;
    s.end_span(done)?;
    assert_eq!(s.shutdown(provider)?, Ok(()));
    let got = s.take_telemetry();
    // on-start reported each span once, with the context it ended with.
    let started: Vec<&str> = got.started.iter().map(|c| c.span_id.as_str()).collect();
    let ended: Vec<&str> = got
        .spans
        .iter()
        .map(|d| d.span_context.span_id.as_str())
        .collect();
    assert_eq!(started, ended);
    let spans = got.spans;
    let names: Vec<&str> = spans.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["done", "forgotten"]);
    let Status::Error(message) = &spans[1].status else {
        panic!("{:?}", spans[1].status)
    };
    assert!(message.contains("never ended"), "{}", message);
    assert_eq!(name_attribute(&spans[1]), Some("\"forgotten\""));
    // Ending it now reports nothing: shutdown already did, once.
    s.end_span(forgotten)?;
    assert!(s.take_telemetry().spans.is_empty(), "reported twice");
    assert_eq!(s.shutdown(provider)?, Err(OtelError::ShutDown));
    assert_shut_down(&mut s, tracer)
}

/// After its provider's shutdown a tracer starts nothing, and the provider's
/// whole tree is gone from the registry.
fn assert_shut_down(s: &mut SdkSession, tracer: ResourceAny) -> R {
    assert_eq!(
        s.start_span(tracer, "late", Parent::NewRoot)?.err(),
        Some(OtelError::ShutDown)
    );
    let stats = s.api.wrr_otel_admin().call_stats(&mut s.store)?;
    assert_eq!(stats.live, 0, "the whole tree was taken");
    Ok(())
}

#[test]
fn a_dropped_provider_handle_shuts_the_provider_down() -> R {
    let (mut s, provider, tracer) = session(Build::Registry)?;
    let _forgotten = span(&mut s, tracer, "forgotten", Parent::NewRoot)?;
    provider.resource_drop(&mut s.store)?;
    let spans = s.take_telemetry().spans;
    let names: Vec<&str> = spans.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["forgotten"], "ended once, when its provider went");
    assert!(matches!(&spans[0].status, Status::Error(m) if m.contains("never ended")));
    assert_shut_down(&mut s, tracer)
}

#[test]
fn parents_come_from_the_caller_the_current_span_or_the_host() -> R {
    let (mut s, _provider, tracer) = session(Build::Registry)?;
    // No host span: `current` with nothing open starts a new trace.
    let alone = span(&mut s, tracer, "alone", Parent::Current)?;
    s.end_span(alone)?;
    let server = HostSpan::new("GET /");
    s.set_outer(Some(&server));
    let root = span(&mut s, tracer, "root", Parent::Current)?;
    let inner = span(&mut s, tracer, "inner", Parent::Current)?;
    let remote_context = s
        .api
        .wrr_otel_tracing()
        .span()
        .call_span_context(&mut s.store, root)?;
    let remote = span(&mut s, tracer, "remote", Parent::Remote(remote_context))?;
    for handle in [remote, inner, root] {
        s.end_span(handle)?;
    }
    s.set_outer(None);
    let spans = s.take_telemetry().spans;
    let by = |n: &str| spans.iter().find(|d| d.name == n).unwrap();
    assert_eq!(by("alone").parent_span_id, "");
    assert_ne!(by("alone").span_context.trace_id, server.context().trace_id);
    assert_eq!(by("root").span_context.trace_id, server.context().trace_id);
    assert_eq!(by("root").parent_span_id, server.context().span_id);
    assert_eq!(by("inner").parent_span_id, by("root").span_context.span_id);
    assert_eq!(by("remote").parent_span_id, by("root").span_context.span_id);
    assert_eq!(
        by("remote").span_context.trace_id,
        server.context().trace_id
    );
    Ok(())
}

fn log_record(severity: u8, context: LogContext) -> LogRecord {
    LogRecord {
        timestamp: None,
        observed_timestamp: None,
        severity_number: severity,
        severity_text: Some("INFO".into()),
        body: Some(Value::String("hello".into())),
        attributes: vec![text("k", "v")],
        event_name: Some("greeting".into()),
        context,
    }
}

#[test]
fn log_records_carry_the_ids_of_the_span_they_belong_to() -> R {
    let (mut s, provider, tracer) = session(Build::Registry)?;
    let logger = s.logger(provider, "l")?;
    let outer = span(&mut s, tracer, "outer", Parent::NewRoot)?;
    let inner = span(&mut s, tracer, "inner", Parent::Span(outer))?;
    let outer_context = s
        .api
        .wrr_otel_tracing()
        .span()
        .call_span_context(&mut s.store, outer)?;
    let logs = s.api.wrr_otel_logs().clone();
    for context in [
        LogContext::Current,
        LogContext::Span(outer),
        LogContext::Context(outer_context),
        LogContext::None,
    ] {
        logs.logger()
            .call_emit(&mut s.store, logger, &log_record(9, context))??;
    }
    for handle in [inner, outer] {
        s.end_span(handle)?;
    }
    let got = s.take_telemetry();
    let id = |n: &str| {
        let d = got.spans.iter().find(|d| d.name == n).unwrap();
        (
            Some(d.span_context.trace_id.clone()),
            Some(d.span_context.span_id.clone()),
        )
    };
    let ids: Vec<_> = got
        .logs
        .iter()
        .map(|l| (l.trace_id.clone(), l.span_id.clone()))
        .collect();
    assert_eq!(ids, [id("inner"), id("outer"), id("outer"), (None, None)]);
    let first = &got.logs[0];
    assert_eq!(first.severity_number, Some(9));
    assert_eq!(first.body.as_deref(), Some("\"hello\""));
    assert_eq!(first.event_name.as_deref(), Some("greeting"));
    assert!(first.observed_timestamp.is_some());
    assert_eq!(
        first.resource.as_ref().unwrap().attributes[0].value,
        "\"test\""
    );
    Ok(())
}

#[test]
fn every_instrument_kind_and_delta_temporality() -> R {
    let mut s = SdkSession::new(Build::Registry)?;
    let provider = s.provider("m", Temporality::Delta)?;
    let p = s.api.wrr_otel_provider().clone();
    let meter = s.meter(provider, "m")??;
    let m = s.api.wrr_otel_metrics().clone();
    let up_down = m.meter().call_up_down_counter(
        &mut s.store,
        meter,
        "queue",
        &options(NumberType::S64),
    )??;
    let gauge = m
        .meter()
        .call_gauge(&mut s.store, meter, "temp", &options(NumberType::F64))??;
    let counter =
        m.meter()
            .call_counter(&mut s.store, meter, "hits", &options(NumberType::U64))??;
    for (n, colour) in [(5, "red"), (-2, "red"), (7, "blue")] {
        m.up_down_counter().call_add(
            &mut s.store,
            up_down,
            Number::S64(n),
            &[text("colour", colour)],
        )??;
    }
    for t in [20.5, 19.0] {
        m.gauge()
            .call_record(&mut s.store, gauge, Number::F64(t), &[])??;
    }
    for _ in 0..3 {
        m.counter()
            .call_add(&mut s.store, counter, Number::U64(2), &[])??;
    }
    // Dropping an instrument's handle loses none of its data.
    counter.resource_drop(&mut s.store)?;
    p.provider().call_force_flush(&mut s.store, provider)??;
    let first = s.take_telemetry().metrics;
    assert_eq!(first.len(), 1);
    let metrics = &first[0].scope_metrics[0].metrics;
    let find = |n: &str| &metrics.iter().find(|m| m.name == n).unwrap().data;
    let MetricData::S64Sum(queue) = find("queue") else {
        panic!("queue")
    };
    assert!(!queue.is_monotonic);
    let mut values: Vec<_> = queue
        .data_points
        .iter()
        .map(|p| (p.attributes[0].value.clone(), p.value))
        .collect();
    values.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        values,
        [
            ("\"blue\"".to_string(), MetricNumber::S64(7)),
            ("\"red\"".to_string(), MetricNumber::S64(3))
        ]
    );
    let MetricData::F64Gauge(temp) = find("temp") else {
        panic!("temp")
    };
    assert_eq!(temp.data_points[0].value, MetricNumber::F64(19.0));
    let MetricData::U64Sum(hits) = find("hits") else {
        panic!("hits")
    };
    assert_eq!(hits.data_points[0].value, MetricNumber::U64(6));
    // Delta: the next collection has only what happened since.
    m.up_down_counter().call_add(
        &mut s.store,
        up_down,
        Number::S64(1),
        &[text("colour", "red")],
    )??;
    p.provider().call_force_flush(&mut s.store, provider)??;
    let second = s.take_telemetry().metrics;
    let metrics = &second[0].scope_metrics[0].metrics;
    let MetricData::S64Sum(queue) = &metrics.iter().find(|m| m.name == "queue").unwrap().data
    else {
        panic!("queue")
    };
    assert_eq!(queue.data_points.len(), 1);
    assert_eq!(queue.data_points[0].value, MetricNumber::S64(1));
    assert!(
        metrics.iter().all(|m| m.name != "hits"),
        "delta resent old data"
    );
    Ok(())
}

#[test]
fn an_instrument_refuses_attribute_sets_past_its_cardinality_limit() -> R {
    let (mut s, provider, _) = session(Build::Registry)?;
    let (m, counter) = u64_counter(&mut s, provider)?;
    for i in 0..2_000 {
        m.counter().call_add(
            &mut s.store,
            counter,
            Number::U64(1),
            &[text("i", &i.to_string())],
        )??;
    }
    let refused = m.counter().call_add(
        &mut s.store,
        counter,
        Number::U64(1),
        &[text("i", "one more")],
    )?;
    assert_eq!(refused, Err(OtelError::LimitReached(2_000)));
    // An existing series still takes values.
    let existing =
        m.counter()
            .call_add(&mut s.store, counter, Number::U64(1), &[text("i", "7")])?;
    assert_eq!(existing, Ok(()));
    Ok(())
}

#[test]
fn a_trap_does_not_corrupt_the_next_instance() -> R {
    let (mut s, _provider, tracer) = session(Build::Registry)?;
    let _open = span(&mut s, tracer, "open", Parent::NewRoot)?;
    let admin = s.api.wrr_otel_admin().clone();
    let err = admin.call_trap(&mut s.store, "deliberate").unwrap_err();
    assert!(format!("{:?}", err).contains("wasm trap"), "{:?}", err);
    assert!(
        admin.call_stats(&mut s.store).is_err(),
        "the trapped instance ran on"
    );
    let (mut next, _provider, tracer) = session(Build::Registry)?;
    let a = span(&mut next, tracer, "after", Parent::NewRoot)?;
    next.end_span(a)?;
    assert_eq!(next.take_telemetry().spans[0].name, "after");
    Ok(())
}

#[test]
fn drop_calling_back_into_the_registry_does_not_trap_on_wasm32() -> R {
    let mut s = SdkSession::new(Build::Registry)?;
    let admin = s.api.wrr_otel_admin().clone();
    // 24 parents (removed, taken, 2 drained, 2 drained one by one, removed
    // from a snapshot, drained alone, 2 inserted, 3 guards dropped / taken /
    // given up for a key, a parent whose take was refused for its child and
    // that child, 3 taken as a tree, a child kept for its gone parent, 4
    // refused at a limit of zero, a dropped registry's), each dropping a
    // child from inside its Drop (registered, or refused and kept at the
    // limit): 48 drops, none trapped; twice.
    assert_eq!(admin.call_reentrancy_check(&mut s.store)?, 48);
    assert_eq!(admin.call_reentrancy_check(&mut s.store)?, 48);
    Ok(())
}

#[test]
fn in_component_churn_runs_lifecycles_inside_one_call() -> R {
    let mut s = SdkSession::new(Build::Registry)?;
    let admin = s.api.wrr_otel_admin().clone();
    assert_eq!(admin.call_churn(&mut s.store, 10_000)?, 10_000);
    // The admin provider is the one entry left.
    assert_eq!(admin.call_stats(&mut s.store)?.live, 1);
    assert!(s.take_telemetry().is_empty(), "churn reports nothing");
    assert_eq!(admin.call_churn_floor(&mut s.store, 10_000)?, 10_000);
    let mut naive = SdkSession::new(Build::Naive)?;
    assert_eq!(
        naive
            .api
            .wrr_otel_admin()
            .call_churn(&mut naive.store, 10_000)?,
        10_000
    );
    Ok(())
}

#[test]
fn memory_stays_flat_over_100k_spans() -> R {
    let (mut s, _provider, tracer) = session(Build::Registry)?;
    let method = Value::String("GET".into());
    let mut after_warm_up = 0;
    let mut ended = 0;
    for i in 0..100_000u32 {
        let handle = s.start_span(tracer, "request", Parent::NewRoot)??;
        s.set_attribute(handle, "http.method", &method)?;
        s.end_span(handle)?;
        if i % 1_000 == 999 {
            ended += s.take_telemetry().spans.len();
        }
        if i == 10_000 {
            after_warm_up = s.memory_bytes();
        }
    }
    assert_eq!(ended, 100_000);
    assert!(after_warm_up > 0, "the host saw the guest's memory");
    assert_eq!(s.memory_bytes(), after_warm_up, "memory grew after warm-up");
    let stats = s.api.wrr_otel_admin().call_stats(&mut s.store)?;
    assert_eq!(
        (stats.live, stats.registered, stats.removed),
        (1, 100_001, 100_000)
    );
    Ok(())
}

#[test]
fn a_provider_the_registry_refused_still_works_and_shuts_down() -> R {
    let mut s = SdkSession::new(Build::Registry)?;
    let admin = s.api.wrr_otel_admin().clone();
    admin.call_set_limit(&mut s.store, 0)?;
    // The constructor cannot fail: the provider is made, unregistered.
    let provider = s.provider("refused", Temporality::Cumulative)?;
    assert_eq!(admin.call_stats(&mut s.store)?.rejected, 1);
    admin.call_set_limit(&mut s.store, 10)?;
    let tracer = s.tracer(provider, "t")?;
    let done = span(&mut s, tracer, "done", Parent::NewRoot)?;
    let _forgotten = span(&mut s, tracer, "forgotten", Parent::Span(done))?;
    s.end_span(done)?;
    // Its meters work too, and are flushed.
    let (m, counter) = u64_counter(&mut s, provider)?;
    m.counter()
        .call_add(&mut s.store, counter, Number::U64(5), &[])??;
    s.api
        .wrr_otel_provider()
        .provider()
        .call_force_flush(&mut s.store, provider)??;
    let flushed = s.take_telemetry();
    let MetricData::U64Sum(sum) = &flushed.metrics[0].scope_metrics[0].metrics[0].data else {
        panic!("a u64 sum")
    };
    assert_eq!(sum.data_points[0].value, MetricNumber::U64(5));
    assert_eq!(s.shutdown(provider)?, Ok(()));
    let mut spans = flushed.spans;
    spans.extend(s.take_telemetry().spans);
    let got: Vec<(&str, bool)> = spans
        .iter()
        .map(|d| (d.name.as_str(), matches!(d.status, Status::Error(_))))
        .collect();
    assert_eq!(got, [("done", false), ("forgotten", true)]);
    assert_eq!(admin.call_stats(&mut s.store)?.live, 0);
    Ok(())
}
