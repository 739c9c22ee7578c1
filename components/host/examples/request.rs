//! A realistic session against the telemetry component: one HTTP request
//! handled with nested spans, logs, a counter and a histogram; one span the
//! caller forgets; then shutdown. Prints what the exporter hands over.
//!
//! Run with `cargo run -p telemetry-host --example request`.

use std::collections::BTreeMap;

use telemetry_host::{Batch, Guest, Session, Severity, SpanData, StatusCode};
use wasmtime::component::ResourceAny;

type R<T = ()> = wasmtime::Result<T>;

fn start(
    s: &mut Session,
    tracer: ResourceAny,
    name: &str,
    parent: Option<ResourceAny>,
) -> R<ResourceAny> {
    s.start_span(tracer, name, parent)?
        .map_err(|e| wasmtime::format_err!("start {}: {:?}", name, e))
}

fn log(s: &mut Session, severity: Severity, body: &str, span: ResourceAny) -> R {
    let record = s
        .log_record(severity, body)?
        .map_err(|e| wasmtime::format_err!("log: {:?}", e))?;
    s.log_span(record, span)?;
    s.emit(record)?;
    Ok(())
}

fn main() -> R {
    let mut s = Session::new(Guest::Registry)?;
    let exporter = s.exporter()?;
    let tracer = s.tracer("shop-frontend", "1.4.2")?;
    let meter = s.meter("http")?;
    let requests = s
        .counter(meter, "http.requests")?
        .map_err(|e| wasmtime::format_err!("{:?}", e))?;
    let latency = s
        .histogram(meter, "http.latency_ms", &[5.0, 25.0, 100.0])?
        .map_err(|e| wasmtime::format_err!("{:?}", e))?;

    // GET /cart: auth, a database query with a cache miss, rendering.
    let request = start(&mut s, tracer, "GET /cart", None)?;
    s.set_attribute(request, "http.method", "GET")?;
    s.add(requests, 1)?;
    let auth = start(&mut s, tracer, "auth", Some(request))?;
    log(&mut s, Severity::Debug, "token accepted", auth)?;
    let db = start(&mut s, tracer, "db.query", Some(request))?;
    s.set_attribute(db, "db.statement", "SELECT * FROM cart WHERE user = ?")?;
    s.add_event(db, "cache miss")?;
    let auth_data = s.end_span(auth)?; // ended while its sibling is still open
    log(&mut s, Severity::Info, "3 items", db)?;
    s.end_span(db)?;
    let render = start(&mut s, tracer, "render", Some(request))?;
    let _prefetch = start(&mut s, tracer, "prefetch recommendations", Some(render))?; // forgotten
    s.end_span(render)?;
    s.set_status(request, StatusCode::Ok, "")?;
    s.end_span(request)?;
    for ms in [3.0, 12.0, 40.0, 180.0] {
        s.record(latency, ms)?;
    }
    let mid = s.kind_stats("spans")?;

    let flushed = s.force_flush(exporter)?;
    let at_shutdown = s.shutdown(exporter)?;
    println!(
        "auth ended first, as span {:#010x}, with its own data: {}",
        auth_data.id, auth_data.name
    );
    println!("\n== force-flush");
    print_batch(&flushed);
    println!("\n== shutdown (what the caller never ended)");
    print_batch(&at_shutdown);
    println!("\n== stats");
    let leaked: Vec<String> = mid.leaked.iter().map(|k| format!("{:#010x}", k)).collect();
    println!(
        "  spans live before shutdown: {} (leaked keys {})",
        mid.live,
        leaked.join(", ")
    );
    for k in s.stats()? {
        println!(
            "  {:<12} live {} high-water {} registered {} removed {} rejected {}",
            k.kind, k.live, k.high_water, k.registered, k.removed, k.rejected
        );
    }

    println!("\n== the same four interleaved spans through the naive, handle-keyed guest");
    for guest in [Guest::Registry, Guest::Naive] {
        let mut s = Session::new(guest)?;
        let t = s.tracer("t", "1")?;
        let spans: Vec<ResourceAny> = ["a", "b", "c", "d"]
            .iter()
            .map(|n| start(&mut s, t, n, None))
            .collect::<R<_>>()?;
        let got: Vec<String> = [2, 0, 3, 1]
            .iter()
            .map(|&i| {
                s.end_span(spans[i]).map(|d| {
                    if d.name.is_empty() {
                        "?".into()
                    } else {
                        d.name
                    }
                })
            })
            .collect::<R<_>>()?;
        println!("  {:?}: ended c, a, d, b -> got {}", guest, got.join(", "));
    }
    Ok(())
}

/// `StatusCode::Ok` -> `Ok`.
fn short(value: &impl std::fmt::Debug) -> String {
    let text = format!("{:?}", value);
    text.rsplit("::").next().unwrap_or(&text).to_string()
}

fn print_batch(batch: &Batch) {
    // Spans as a tree, children under parents, with logical durations.
    let mut children: BTreeMap<Option<u32>, Vec<&SpanData>> = BTreeMap::new();
    for span in &batch.spans {
        let parent = span
            .parent
            .filter(|p| batch.spans.iter().any(|s| s.id == *p));
        children.entry(parent).or_default().push(span);
    }
    fn walk(children: &BTreeMap<Option<u32>, Vec<&SpanData>>, parent: Option<u32>, depth: usize) {
        let mut spans = children.get(&parent).cloned().unwrap_or_default();
        spans.sort_by_key(|s| s.start);
        for span in spans {
            let attrs: Vec<String> = span
                .attributes
                .iter()
                .map(|a| format!("{}={}", a.key, a.value))
                .collect();
            let events: Vec<&str> = span.events.iter().map(|e| e.name.as_str()).collect();
            println!(
                "  {}{} [{}] {} ticks{}{}",
                "  ".repeat(depth),
                span.name,
                short(&span.status),
                span.end - span.start,
                if attrs.is_empty() {
                    String::new()
                } else {
                    format!(" {}", attrs.join(" "))
                },
                if events.is_empty() {
                    String::new()
                } else {
                    format!(" events: {}", events.join(", "))
                },
            );
            walk(children, Some(span.id), depth + 1);
        }
    }
    walk(&children, None, 0);
    for log in &batch.logs {
        let span = log
            .span
            .map_or("-".to_string(), |id| format!("{:#010x}", id));
        println!(
            "  log {} \"{}\" (span {})",
            short(&log.severity),
            log.body,
            span
        );
    }
    for m in &batch.metrics {
        println!(
            "  metric {}/{} {}: count {} sum {} buckets {:?}",
            m.meter,
            m.name,
            short(&m.kind),
            m.count,
            m.sum,
            m.buckets
        );
    }
}
