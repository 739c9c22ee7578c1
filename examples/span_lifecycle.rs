//! A span lifecycle story, told the way a telemetry component lives it:
//! spans created under a parent, ended in another order (the parent while its
//! child still holds it), one dropped by the caller, some forgotten, a limit
//! hit without a trap, and a shutdown that ends what is left exactly once.
//!
//! Run with `cargo run --example span_lifecycle`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Registration, Rejected, ResourceRegistry, Taken};

struct SpanInner {
    name: String,
    events: Vec<String>,
    /// A child keeps its parent alive, as an SDK span keeps its parent's
    /// context: ending the parent must work all the same.
    parent: Option<Arc<Mutex<SpanInner>>>,
}

/// At most four spans alive: a misbehaving caller cannot grow us forever.
static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(4);

/// What the component's exported `span` resource holds. A WIT constructor
/// cannot fail, so a span refused at the limit lives on unregistered.
struct MySpan {
    entry: Result<Registration<'static, SpanInner>, Rejected<Arc<Mutex<SpanInner>>>>,
}

fn start(name: &str, parent: Option<&MySpan>) -> MySpan {
    let inner = Arc::new(Mutex::new(SpanInner {
        name: name.to_string(),
        events: Vec::new(),
        parent: parent.and_then(|p| p.entry.as_ref().ok()?.get()),
    }));
    let entry = SPANS.register_guarded(inner);
    match &entry {
        Ok(guard) => println!("  start {:<14} key {}", name, guard.key()),
        Err(refused) => println!("  start {:<14} unregistered: {}", name, refused.error()),
    }
    MySpan { entry }
}

fn report(taken: &mut Taken<SpanInner>, how: &str) {
    let shared = if taken.is_owned() { "owned" } else { "shared" };
    taken.with(|span| {
        let parent = span.parent.as_ref().map(|p| p.lock().unwrap().name.clone());
        println!(
            "  end   {:<14} {} ({}) parent {:?} events {:?}",
            span.name, how, shared, parent, span.events
        )
    });
}

fn end(span: MySpan) {
    match span.entry {
        Ok(entry) => match entry.take() {
            Ok(mut taken) => report(&mut taken, "ended"),
            Err(_) => println!("  end   (already ended by shutdown)"),
        },
        Err(refused) => report(&mut Taken::from(refused.into_value()), "ended unregistered"),
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
    let root = start("GET /", None);
    let query = start("db.query", Some(&root));
    let render = start("render", Some(&root));
    if let Ok(guard) = &query.entry {
        guard.with(|span| span.events.push("rows=42".into()));
    }
    end(query); // ended before the span created first
    end(root); // its child `render` still holds it: ended all the same

    println!("\n3. The caller drops a span without ending it: the guard cleans up.");
    let dropped = start("abandoned", None);
    println!("   live before drop: {}", SPANS.len());
    drop(dropped);
    println!("   live after drop:  {}", SPANS.len());

    println!("\n4. The caller forgets spans and keeps starting more: the limit holds,");
    println!("   and the span over the limit still works, unregistered.");
    let mut over = None;
    for n in 0..4 {
        let span = start(&format!("leak-{}", n), None);
        if span.entry.is_ok() {
            std::mem::forget(span); // a host that never drops its handle
        } else {
            over = Some(span);
        }
    }
    if let Some(span) = over {
        end(span);
    }

    println!("\n5. A stale key finds nothing once its span has ended.");
    let key = render.entry.as_ref().map(|g| g.key()).ok();
    end(render);
    if let Some(key) = key {
        println!(
            "  get({}) after end -> {:?}",
            key,
            SPANS.get(key).map(|_| "found")
        );
    }

    println!("\n6. Shutdown: the leak report, then every open span ended exactly once.");
    println!(
        "  {}",
        SPANS.leak_report().to_string().replace('\n', "\n  ")
    );
    let ended = SPANS.drain_with(|_key, mut span| report(&mut span, "never ended"));
    println!("  ended at shutdown: {}", ended);

    println!("\nstats: {}", SPANS.stats());
    assert!(SPANS.is_empty());
}
