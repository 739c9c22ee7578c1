//! Values whose `Drop` calls back into the registry that is dropping them,
//! through every operation that can drop a value. On wasm32 a second lock of
//! a `Mutex` by the same thread panics (a trap), so this only returns if the
//! registry never runs user code under its lock.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Key, ResourceRegistry};

static REG: ResourceRegistry<Reentrant> = ResourceRegistry::new();
static DROPS: AtomicU32 = AtomicU32::new(0);
/// Which route the next parent's `Drop` ends its child by.
static ROUTE: AtomicU32 = AtomicU32::new(0);

struct Reentrant {
    child: bool,
}

impl Drop for Reentrant {
    fn drop(&mut self) {
        let _ = (REG.len(), REG.stats(), REG.snapshot(), REG.leak_report());
        if !self.child {
            // Register a child and end it again, each parent by the next of
            // three routes: the child is dropped here, and its own Drop
            // re-enters once more. When the registry is full the child is
            // refused and kept (in a guard, or handed back), and dropped
            // here all the same.
            match ROUTE.fetch_add(1, Ordering::Relaxed) % 3 {
                // A guard dropped: it removes its entry, or drops the value
                // it kept.
                0 => drop(REG.register(value(true))),
                // A guard ended: the value is handed out, registered or kept.
                1 => drop(REG.register(value(true)).take()),
                // The key route: removed by key, or handed back refused.
                _ => match REG.try_register(value(true)) {
                    Ok(key) => drop(REG.remove(key)),
                    Err(refused) => drop(refused.into_value()),
                },
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

/// A parent that lives by its key alone (no limit is set where this is used).
fn registered() -> Key<Reentrant> {
    REG.try_register(parent()).expect("no limit is set")
}

/// Every route by which the registry, or a guard, drops a value or hands
/// one out to be dropped: 24 parents, each dropping a child from inside its
/// `Drop`, so 48 drops.
pub(crate) fn check() -> u32 {
    DROPS.store(0, Ordering::Relaxed);
    ROUTE.store(0, Ordering::Relaxed);
    // remove and take (the caller drops what they return): 2
    drop(REG.remove(registered()));
    drop(REG.take(registered()));
    // drain: every value handed out at once: 2
    for _ in 0..2 {
        registered();
    }
    drop(REG.drain());
    // what drain_with was: each value dropped while the drain's iterator
    // still holds the rest: 2
    for _ in 0..2 {
        registered();
    }
    for (_, taken) in REG.drain() {
        drop(taken);
    }
    // what retain was: a snapshot, and each entry not kept removed (the
    // snapshot's clone let go first, so that `remove` hands out the last
    // one): 1
    registered();
    for (key, value) in REG.snapshot() {
        drop(value);
        drop(REG.remove(key));
    }
    // what clear was: 1
    registered();
    drop(REG.drain());
    // insert displacing an entry, then removing it: 2
    REG.insert(7, parent());
    drop(REG.insert(7, parent()));
    drop(REG.remove(7u32));
    // guards: one dropped, one ended, one given up for its key; a closure
    // run on a value calls back in: 3
    let guard = REG.register(parent());
    guard.with(|_| {
        let _ = (REG.len(), REG.stats(), REG.snapshot(), REG.leak_report());
    });
    drop(guard);
    drop(REG.register(parent()).take());
    if let Ok(key) = REG.register(parent()).into_key() {
        drop(REG.take(key));
    }
    // a parent's guard refused its take (it has a child) comes back armed,
    // and dropping it removes the parent, the child left a root; then the
    // child ended by its guard: 2
    let root = REG.register(parent());
    let child = REG.register_child(root.key().expect("no limit is set"), parent());
    drop(root.take());
    drop(child.take());
    // take_tree: a parent and its two children (registered by key): 3
    let root = registered();
    for _ in 0..2 {
        let _ = REG.register_child(root, parent()).into_key();
    }
    drop(REG.take_tree(root));
    // a child whose parent is gone, kept by its guard and dropped with it: 1
    drop(REG.register_child(root, parent()));
    // a registry at its limit (zero: refuses everything): each value is
    // refused and kept, then dropped with its guard, handed out by its
    // guard's take, handed back by its guard's into_key, handed back by
    // try_register; each parent's child, refused too, goes the same way
    // inside its Drop (the routes restarted, so that these four parents end
    // their children by each of the three): 4
    ROUTE.store(0, Ordering::Relaxed);
    REG.set_limit(Some(0));
    drop(REG.register(parent()));
    drop(REG.register(parent()).take());
    drop(REG.register(parent()).into_key());
    drop(REG.try_register(parent()));
    REG.set_limit(None);
    // a registry dropped while its values call into this one: 1
    let doomed: ResourceRegistry<Reentrant> = ResourceRegistry::new();
    let _ = doomed.register(parent()).into_key();
    drop(doomed);
    assert!(REG.is_empty());
    DROPS.load(Ordering::Relaxed)
}
