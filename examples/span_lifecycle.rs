//! A span lifecycle story, told the way a telemetry component lives it:
//! spans created under a parent, ended in another order (the parent while its
//! child still holds it), one dropped by the caller, some forgotten, a limit
//! hit without a trap or a lost span, and a shutdown that ends what is left
//! exactly once.
//!
//! Run with `cargo run --example span_lifecycle`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Registration, ResourceRegistry, Taken};

struct SpanInner {
    name: String,
    events: Vec<String>,
    /// A child keeps its parent alive, as an SDK span keeps its parent's
    /// context: ending the parent must work all the same.
    parent: Option<Arc<Mutex<SpanInner>>>,
}

/// At most four spans alive: a misbehaving caller cannot grow us forever.
static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(4);

/// What the component's exported `span` resource holds: one guard. A WIT
/// constructor cannot fail, and `register` never does: a span refused at the
/// limit is kept in the guard, unregistered, and ends like any other.
struct MySpan {
    entry: Registration<'static, SpanInner>,
}

/// The span's constructor.
fn start(name: &str, parent: Option<&MySpan>) -> MySpan {
    let inner = Arc::new(Mutex::new(SpanInner {
        name: name.to_string(),
        events: Vec::new(),
        parent: parent.and_then(|p| SPANS.get(p.entry.key()?)),
    }));
    let entry = SPANS.register(inner);
    if let Some(key) = entry.key() {
        println!("  start {:<14} key {}", name, key);
    } else if let Some(refused) = entry.refusal() {
        println!("  start {:<14} kept unregistered: {}", name, refused);
    }
    MySpan { entry }
}

/// Stands in for handing the finished span to an exporter.
fn export(taken: &mut Taken<SpanInner>, how: &str) {
    let shared = match taken {
        Taken::Owned(_) => "owned",
        Taken::Shared(_) => "shared",
    };
    taken.with(|span| {
        let parent = span.parent.as_ref().map(|p| p.lock().unwrap().name.clone());
        println!(
            "  end   {:<14} {} ({}) parent {:?} events {:?}",
            span.name, how, shared, parent, span.events
        )
    });
}

/// The span's `end: static func(this: span)`, after `this.into_inner()`.
fn end(span: MySpan) {
    let how = match span.entry.refusal() {
        None => "ended",
        Some(_) => "ended unregistered",
    };
    // Registered or kept, the same one line ends it. `Err` only means that
    // the shutdown drain ended it first, and exported it then: these spans
    // are no registry children, so `HasChildren` cannot refuse it here.
    if let Ok(mut taken) = span.entry.take() {
        export(&mut taken, how);
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
    query.entry.with(|span| span.events.push("rows=42".into()));
    end(query); // ended before the span created first
    end(root); // its child `render` still holds it: ended all the same

    println!("\n3. The caller drops a span without ending it: the guard cleans up.");
    let dropped = start("abandoned", None);
    println!("   live before drop: {}", SPANS.len());
    drop(dropped);
    println!("   live after drop:  {}", SPANS.len());

    println!("\n4. The caller forgets spans and keeps starting more: the limit holds,");
    println!("   and the span over the limit still works, kept unregistered, and is");
    println!("   ended and exported like the others.");
    let mut over = None;
    for n in 0..4 {
        let span = start(&format!("leak-{}", n), None);
        if span.entry.refusal().is_none() {
            std::mem::forget(span); // a host that never drops its handle
        } else {
            over = Some(span);
        }
    }
    if let Some(span) = over {
        span.entry
            .with(|span| span.events.push("over the limit".into()));
        end(span);
    }

    println!("\n5. A stale key finds nothing once its span has ended.");
    let key = render.entry.key();
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
    let open = SPANS.drain();
    let ended = open.len();
    for (_key, mut span) in open {
        export(&mut span, "never ended");
    }
    println!("  ended at shutdown: {}", ended);

    println!("\nstats: {}", SPANS.stats());
    assert!(SPANS.is_empty());
}
