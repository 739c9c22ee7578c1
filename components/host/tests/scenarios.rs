//! The telemetry components under wasmtime: every scenario of the issue, run
//! against the registry-backed guest, and scenario 1 against the naive one,
//! which must fail it.

use telemetry_host::{Guest, MetricKind, Session, Severity, SpanData, StatusCode, TelemetryError};
use wasmtime::component::ResourceAny;

type R<T = ()> = wasmtime::Result<T>;

fn span(
    s: &mut Session,
    tracer: ResourceAny,
    name: &str,
    parent: Option<ResourceAny>,
) -> R<ResourceAny> {
    let span = s
        .start_span(tracer, name, parent)?
        .map_err(|e| wasmtime::format_err!("{:?}", e))?;
    s.set_attribute(span, "name", name)?;
    Ok(span)
}

fn attribute<'a>(data: &'a SpanData, key: &str) -> Option<&'a str> {
    data.attributes
        .iter()
        .find(|a| a.key == key)
        .map(|a| a.value.as_str())
}

/// Scenario 1's workload: several spans alive at once, created while the
/// guest holds `hold_at_start` spans of its own and ended (in another order)
/// while it holds `hold_at_end` more. Returns every span-data.
fn interleaved(guest: Guest, hold_at_start: u32, hold_at_end: u32) -> R<Vec<SpanData>> {
    let mut s = Session::new(guest)?;
    let tracer = s.tracer("checkout", "1.0")?;
    s.hold_spans(hold_at_start)?;
    let a = span(&mut s, tracer, "a", None)?;
    let b = span(&mut s, tracer, "b", Some(a))?;
    s.release_held_spans()?;
    let c = span(&mut s, tracer, "c", None)?;
    let d = span(&mut s, tracer, "d", Some(c))?;
    s.add_event(b, "b-event")?;
    s.hold_spans(hold_at_end)?;
    let mut out = Vec::new();
    for handle in [c, a, d, b] {
        out.push(s.end_span(handle)?);
    }
    Ok(out)
}

/// What a correct implementation returns for [`interleaved`]: `None` when it
/// did, or the first thing it got wrong.
fn first_mistake(data: &[SpanData]) -> Option<String> {
    let expected = ["c", "a", "d", "b"];
    for (got, want) in data.iter().zip(expected) {
        if got.name != want || attribute(got, "name") != Some(want) {
            return Some(format!(
                "ended `{}`, got span-data for `{}`",
                want, got.name
            ));
        }
    }
    let mut ids: Vec<u32> = data.iter().map(|d| d.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != 4 {
        return Some(format!(
            "span ids collide: {:?}",
            data.iter().map(|d| d.id).collect::<Vec<_>>()
        ));
    }
    let by_name = |n: &str| data.iter().find(|d| d.name == n);
    let (a, b, c, d) = (by_name("a")?, by_name("b")?, by_name("c")?, by_name("d")?);
    if b.parent != Some(a.id) || d.parent != Some(c.id) {
        return Some("parents point at the wrong spans".into());
    }
    if b.events.first().map(|e| e.name.as_str()) != Some("b-event") {
        return Some("b lost its event".into());
    }
    None
}

#[test]
fn s1_spans_ended_out_of_order_keep_their_own_data() -> R {
    for (start, end) in [(0, 0), (2, 0), (0, 3), (3, 5)] {
        let data = interleaved(Guest::Registry, start, end)?;
        assert_eq!(
            first_mistake(&data),
            None,
            "holding {} then {}: {:#?}",
            start,
            end,
            data
        );
    }
    Ok(())
}

#[test]
fn s2_the_naive_guest_fails_scenario_1() -> R {
    let data = interleaved(Guest::Naive, 0, 0)?;
    let mistake = first_mistake(&data);
    assert!(
        mistake.is_some(),
        "the handle-keyed registry passed: {:#?}",
        data
    );
    println!("naive guest: {}", mistake.unwrap_or_default());
    // With handles held by the guest, the numbers shift too; still wrong.
    assert!(first_mistake(&interleaved(Guest::Naive, 3, 5)?).is_some());
    Ok(())
}

#[test]
fn s3_a_dropped_span_is_cleaned_up() -> R {
    let mut s = Session::new(Guest::Registry)?;
    let tracer = s.tracer("t", "1")?;
    let kept = span(&mut s, tracer, "kept", None)?;
    let dropped = span(&mut s, tracer, "dropped", None)?;
    assert_eq!(s.kind_stats("spans")?.live, 2);
    s.drop_handle(dropped)?;
    let stats = s.kind_stats("spans")?;
    assert_eq!((stats.live, stats.removed), (1, 1));
    // The guest's own handles go through the same path.
    s.hold_spans(4)?;
    assert_eq!(s.kind_stats("spans")?.live, 5);
    s.release_held_spans()?;
    assert_eq!(s.kind_stats("spans")?.live, 1);
    assert_eq!(s.end_span(kept)?.name, "kept");
    assert_eq!(s.kind_stats("spans")?.live, 0);
    Ok(())
}

#[test]
fn s4_a_forgotten_span_is_ended_once_by_shutdown() -> R {
    let mut s = Session::new(Guest::Registry)?;
    let tracer = s.tracer("t", "1")?;
    let exporter = s.exporter()?;
    let done = span(&mut s, tracer, "done", None)?;
    let _forgotten = span(&mut s, tracer, "forgotten", None)?; // never ended nor dropped
    s.end_span(done)?;
    let flushed = s.force_flush(exporter)?;
    assert_eq!(
        flushed
            .spans
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["done"]
    );
    let leaked = s.kind_stats("spans")?.leaked;
    assert_eq!(leaked.len(), 1);

    let batch = s.shutdown(exporter)?;
    assert_eq!(batch.spans.len(), 1);
    let ended = &batch.spans[0];
    assert_eq!(
        (ended.name.as_str(), ended.status),
        ("forgotten", StatusCode::Unfinished)
    );
    assert_eq!(ended.id, leaked[0]);
    assert_eq!(attribute(ended, "name"), Some("forgotten"));
    assert!(s.force_flush(exporter)?.spans.is_empty(), "reported twice");
    assert!(s.shutdown(exporter)?.spans.is_empty(), "reported twice");
    assert_eq!(s.kind_stats("spans")?.live, 0);
    // After shutdown, new spans are refused with the WIT error, not a trap.
    assert_eq!(
        s.start_span(tracer, "late", None)?.err(),
        Some(TelemetryError::ShutDown)
    );
    Ok(())
}

#[test]
fn s5_the_span_limit_is_an_error_not_a_trap() -> R {
    let mut s = Session::new(Guest::Registry)?;
    let tracer = s.tracer("t", "1")?;
    s.set_max_spans(3)?;
    let spans: Vec<ResourceAny> = ["a", "b", "c"]
        .iter()
        .map(|n| span(&mut s, tracer, n, None))
        .collect::<R<_>>()?;
    assert_eq!(
        s.start_span(tracer, "d", None)?.err(),
        Some(TelemetryError::LimitReached(3))
    );
    assert_eq!(s.kind_stats("spans")?.rejected, 1);
    assert_eq!(s.end_span(spans[1])?.name, "b");
    let d = span(&mut s, tracer, "d", None)?;
    let names: Vec<String> = [spans[0], spans[2], d]
        .iter()
        .map(|&h| s.end_span(h).map(|d| d.name))
        .collect::<R<_>>()?;
    assert_eq!(names, ["a", "c", "d"]);
    let stats = s.kind_stats("spans")?;
    assert_eq!((stats.live, stats.high_water, stats.registered), (0, 3, 4));
    Ok(())
}

#[test]
fn s6_logs_and_metrics_use_the_same_machinery() -> R {
    let mut s = Session::new(Guest::Registry)?;
    let exporter = s.exporter()?;
    let tracer = s.tracer("t", "1")?;
    let request = span(&mut s, tracer, "request", None)?;
    let request_id = s.span_id(request)?;

    // Logs: emitted once each; an unemitted one shows up at shutdown only.
    let mut emitted_ids = Vec::new();
    for i in 0..5 {
        let record = s
            .log_record(Severity::Info, &format!("line {}", i))?
            .unwrap();
        s.log_attribute(record, "i", &i.to_string())?;
        s.log_span(record, request)?;
        let data = s.emit(record)?;
        assert_eq!(
            (data.body.as_str(), data.span, data.emitted),
            (format!("line {}", i).as_str(), Some(request_id), true)
        );
        emitted_ids.push(data.id);
    }
    let dropped = s.log_record(Severity::Debug, "dropped")?.unwrap();
    s.drop_handle(dropped)?;
    let _unemitted = s.log_record(Severity::Warn, "never emitted")?.unwrap();
    let flushed = s.force_flush(exporter)?;
    assert_eq!(
        flushed.logs.iter().map(|l| l.id).collect::<Vec<_>>(),
        emitted_ids
    );
    assert!(s.force_flush(exporter)?.logs.is_empty());

    // Metrics: 40 counters named "requests" (half dropped before collect) and
    // 10 histograms named "latency" aggregate into one series each.
    let meter = s.meter("http")?;
    let mut counters = Vec::new();
    for i in 0..40u64 {
        let c = s.counter(meter, "requests")?.unwrap();
        s.add(c, i)?;
        counters.push(c);
    }
    for c in counters.drain(..20) {
        s.drop_handle(c)?;
    }
    let mut histograms = Vec::new();
    for i in 0..10 {
        let h = s.histogram(meter, "latency", &[1.0, 10.0])?.unwrap();
        for v in [0.5, 5.0, 50.0] {
            s.record(h, v * (i + 1) as f64)?;
        }
        histograms.push(h);
    }
    let points = s.collect(meter)?;
    let requests = points.iter().find(|p| p.name == "requests").unwrap();
    assert_eq!(requests.kind, MetricKind::Counter);
    assert_eq!(
        (requests.instruments, requests.count, requests.sum),
        (40, 40, (0..40).sum::<u64>() as f64)
    );
    let latency = points.iter().find(|p| p.name == "latency").unwrap();
    assert_eq!((latency.instruments, latency.count), (10, 30));
    assert_eq!(latency.buckets.iter().sum::<u64>(), 30);
    // 0.5k, 5k and 50k for k = 1..=10 against bounds [1, 10]:
    // <= 1: 0.5, 1.0; <= 10: 1.5..5.0 and 5, 10; the rest above.
    assert_eq!(latency.buckets, [2, 10, 18]);
    assert_eq!(latency.max, 500.0);
    assert_eq!(s.kind_stats("instruments")?.live, 30);

    let batch = s.shutdown(exporter)?;
    let unemitted: Vec<_> = batch
        .logs
        .iter()
        .filter(|l| !l.emitted)
        .map(|l| l.body.as_str())
        .collect();
    assert_eq!(unemitted, ["never emitted"]);
    assert_eq!(batch.spans.len(), 1, "the open request span");
    assert_eq!(s.kind_stats("log-records")?.live, 0);
    Ok(())
}

#[test]
fn s7_two_instances_keep_separate_registries() -> R {
    let mut one = Session::new(Guest::Registry)?;
    let mut two = Session::new(Guest::Registry)?;
    let (t1, t2) = (one.tracer("one", "1")?, two.tracer("two", "1")?);
    let a = span(&mut one, t1, "in-one", None)?;
    let _b1 = span(&mut one, t1, "also-in-one", None)?;
    let b = span(&mut two, t2, "in-two", None)?;
    assert_eq!(one.kind_stats("spans")?.live, 2);
    assert_eq!(two.kind_stats("spans")?.live, 1);
    // The same key can exist in both: each instance has its own `static`.
    assert_eq!(one.span_id(a)?, two.span_id(b)?);
    assert_eq!(two.end_span(b)?.name, "in-two");
    assert_eq!(one.end_span(a)?.name, "in-one");
    assert_eq!(one.kind_stats("spans")?.live, 1);
    assert_eq!(two.kind_stats("spans")?.live, 0);
    Ok(())
}

#[test]
fn s8_memory_stops_growing_over_100k_lifecycles() -> R {
    let mut s = Session::new(Guest::Registry)?;
    let tracer = s.tracer("t", "1")?;
    let exporter = s.exporter()?;
    let mut after_warm_up = 0;
    for i in 0..100_000u32 {
        let handle = span(&mut s, tracer, "request", None)?;
        let data = s.end_span(handle)?;
        assert_eq!(data.name, "request");
        if i % 1_000 == 999 {
            assert_eq!(s.force_flush(exporter)?.spans.len(), 1_000);
        }
        if i == 10_000 {
            after_warm_up = s.memory_bytes();
        }
    }
    assert!(after_warm_up > 0, "the host saw the guest's memory");
    assert_eq!(s.memory_bytes(), after_warm_up, "memory grew after warm-up");
    let stats = s.kind_stats("spans")?;
    assert_eq!(
        (stats.live, stats.registered, stats.removed),
        (0, 100_000, 100_000)
    );
    assert!(stats.leaked.is_empty());
    Ok(())
}

#[test]
fn s9_a_trap_does_not_corrupt_the_next_instance() -> R {
    let mut s = Session::new(Guest::Registry)?;
    let tracer = s.tracer("t", "1")?;
    let _open = span(&mut s, tracer, "open", None)?;
    let err = s.trap("deliberate").unwrap_err();
    assert!(
        format!("{:?}", err).contains("unreachable") || format!("{:?}", err).contains("wasm trap"),
        "{:?}",
        err
    );
    // The trapped instance refuses further calls rather than running on.
    assert!(s.kind_stats("spans").is_err());
    // A new instance starts clean and works.
    let mut next = Session::new(Guest::Registry)?;
    assert_eq!(next.kind_stats("spans")?.live, 0);
    let t = next.tracer("t", "1")?;
    let a = span(&mut next, t, "after", None)?;
    assert_eq!(next.end_span(a)?.name, "after");
    Ok(())
}

#[test]
fn in_guest_churn_runs_lifecycles_inside_one_call() -> R {
    let mut s = Session::new(Guest::Registry)?;
    assert_eq!(s.churn(10_000)?, 10_000);
    let stats = s.kind_stats("spans")?;
    assert_eq!((stats.live, stats.registered), (0, 10_000));
    // The benchmark's other two contenders do the same work.
    assert_eq!(s.churn_floor(10_000)?, 10_000);
    assert_eq!(Session::new(Guest::Naive)?.churn(10_000)?, 10_000);
    Ok(())
}

#[test]
fn drop_calling_back_into_the_registry_does_not_trap_on_wasm32() -> R {
    let mut s = Session::new(Guest::Registry)?;
    // 12 parents (remove, take, 2 drained, drain_with, retain, clear, 2
    // inserted, a guard, a refused one, a dropped registry's), each dropping
    // a child from inside its Drop: 24 drops, none trapped.
    assert_eq!(s.reentrancy_check()?, 24);
    // And again, on the same instance: the registry is still usable.
    assert_eq!(s.reentrancy_check()?, 24);
    Ok(())
}
