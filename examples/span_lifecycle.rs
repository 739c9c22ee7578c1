//! A span lifecycle story, told the way a telemetry component lives it:
//! spans created, ended in another order, one dropped by the caller, one
//! forgotten, a limit hit, and a shutdown that ends what is left.
//!
//! Run with `cargo run --example span_lifecycle`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Error, Registration, ResourceRegistry};

struct SpanInner {
    name: String,
    events: Vec<String>,
}

/// At most four spans alive: a misbehaving caller cannot grow us forever.
static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(4);

/// What the component's exported `span` resource holds: the registry entry.
struct MySpan {
    entry: Registration<'static, SpanInner>,
}

fn start(name: &str) -> Result<MySpan, Error> {
    let inner = Arc::new(Mutex::new(SpanInner {
        name: name.to_string(),
        events: Vec::new(),
    }));
    match SPANS.register_guarded(inner) {
        Ok(entry) => {
            println!("  start {:<14} key {}", name, entry.key());
            Ok(MySpan { entry })
        }
        Err(refused) => Err(refused.error()),
    }
}

fn end(span: MySpan) {
    let key = span.entry.key();
    match span.entry.take() {
        Ok(inner) => println!(
            "  end   {:<14} key {} events {:?}",
            inner.name, key, inner.events
        ),
        Err(e) => println!("  end   ?              key {} -> {}", key, e.error()),
    }
}

fn main() {
    println!("1. The naive registry, keyed by the handle number the guest sees.");
    println!("   Returning a span frees its handle slot, so the next one reuses it:");
    let naive: Mutex<HashMap<u32, String>> = Mutex::new(HashMap::new());
    for name in ["GET /", "db.query", "render"] {
        let handle = 1; // what `Span::new(..).handle()` returned for all three
        naive.lock().unwrap().insert(handle, name.to_string());
        println!("  start {:<14} handle {}", name, handle);
    }
    let naive = naive.into_inner().unwrap();
    println!(
        "   three spans alive, {} left in the naive map: {:?}",
        naive.len(),
        naive.get(&1)
    );

    println!("\n2. The same spans with registry-issued keys kept in the span itself.");
    let root = start("GET /").unwrap();
    let query = start("db.query").unwrap();
    let render = start("render").unwrap();
    query
        .entry
        .get()
        .unwrap()
        .lock()
        .unwrap()
        .events
        .push("rows=42".into());
    end(query); // ended before the span created first
    end(root);

    println!("\n3. The caller drops a span without ending it: the guard cleans up.");
    let dropped = start("abandoned").unwrap();
    println!("   live before drop: {}", SPANS.len());
    drop(dropped);
    println!("   live after drop:  {}", SPANS.len());

    println!("\n4. The caller forgets spans and keeps starting more: the limit holds.");
    for n in 0.. {
        match start(&format!("leak-{}", n)) {
            Ok(span) => std::mem::forget(span), // a host that never drops its handle
            Err(e) => {
                println!("  start leak-{:<9} refused: {}", n, e);
                break;
            }
        }
    }

    println!("\n5. A stale key finds nothing once its span has ended.");
    let key = render.entry.key();
    end(render);
    println!(
        "  get({}) after end -> {:?}",
        key,
        SPANS.get(key).map(|_| "found")
    );

    println!("\n6. Shutdown: the leak report, then every open span ended exactly once.");
    println!(
        "  {}",
        SPANS.leak_report().to_string().replace('\n', "\n  ")
    );
    let ended = SPANS.drain_with(|key, span| {
        let span = span.lock().unwrap();
        println!("  end   {:<14} key {} status unfinished", span.name, key);
    });
    println!("  ended at shutdown: {}", ended);

    println!("\nstats: {}", SPANS.stats());
    assert!(SPANS.is_empty());
}
