//! Values whose `Drop` calls back into the registry that is dropping them,
//! through every operation that can drop a value. On wasm32 a second lock of
//! a `Mutex` by the same thread panics (a trap), so this only returns if the
//! registry never runs user code under its lock.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use wit_resource_registry::ResourceRegistry;

static REG: ResourceRegistry<Reentrant> = ResourceRegistry::new();
static DROPS: AtomicU32 = AtomicU32::new(0);

struct Reentrant {
    child: bool,
}

impl Drop for Reentrant {
    fn drop(&mut self) {
        let _ = (REG.len(), REG.stats(), REG.snapshot(), REG.leak_report());
        if !self.child {
            // Register a child and remove it again: it is dropped here, and
            // its own Drop re-enters once more. Refused (id 0) when full.
            let id = REG.register(value(true));
            if id != 0 {
                drop(REG.remove(id));
            }
        }
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

fn value(child: bool) -> Arc<Mutex<Reentrant>> {
    Arc::new(Mutex::new(Reentrant { child }))
}

fn parent() -> Arc<Mutex<Reentrant>> {
    value(false)
}

pub(crate) fn check() -> u32 {
    DROPS.store(0, Ordering::Relaxed);
    // remove and take (the caller drops what they return)
    let id = REG.register(parent());
    drop(REG.remove(id));
    let id = REG.register(parent());
    drop(REG.take(id));
    // drain, drain_with, retain, clear: the registry drops or hands out
    for _ in 0..2 {
        REG.register(parent());
    }
    drop(REG.drain());
    REG.register(parent());
    REG.drain_with(|_, v| drop(v));
    REG.register(parent());
    REG.retain(|_, _| false);
    REG.register(parent());
    REG.clear();
    // insert displacing an entry, then removing it
    REG.insert(7, parent());
    drop(REG.insert(7, parent()));
    drop(REG.remove(7));
    // a Registration guard dropped
    drop(REG.register_guarded(parent()));
    // a value refused by a full registry, dropped inside `register`
    // Zero is within the maximum: never refused.
    let _ = REG.set_limit(0);
    REG.register(parent());
    REG.lift_limit();
    // a registry dropped while its values call into this one
    let doomed: ResourceRegistry<Reentrant> = ResourceRegistry::new();
    doomed.register(parent());
    drop(doomed);
    assert!(REG.is_empty());
    DROPS.load(Ordering::Relaxed)
}
