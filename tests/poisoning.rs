//! Panics in user closures (the registry's own, and loops over what it hands
//! out) and in `Drop` during each operation leave the registry usable, with
//! consistent stats.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Error, ResourceRegistry, Taken};

struct Bomb {
    armed: bool,
    n: u32,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.armed {
            self.armed = false;
            panic!("Bomb {} went off in Drop", self.n);
        }
    }
}

fn bomb(n: u32, armed: bool) -> Arc<Mutex<Bomb>> {
    Arc::new(Mutex::new(Bomb { armed, n }))
}

fn quiet<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    r
}

/// Every operation still works and the counters still add up.
fn assert_usable(reg: &ResourceRegistry<Bomb>) {
    let id = reg.try_register(bomb(1000, false)).unwrap();
    assert_eq!(reg.get(id).unwrap().lock().unwrap().n, 1000);
    assert!(reg.contains(id));
    assert_eq!(reg.take(id).ok().map(|mut b| b.with(|b| b.n)), Some(1000));
    let g = reg.register(bomb(1001, false));
    assert_eq!(g.with(|b| b.n), Some(1001));
    drop(g);
    let g = reg.register(bomb(1002, false));
    assert_eq!(g.take().ok().map(|mut b| b.with(|b| b.n)), Some(1002));
    reg.insert(5, bomb(5, false));
    assert_eq!(reg.snapshot().len(), reg.len());
    drop(reg.drain());
    assert!(reg.is_empty());
    let s = reg.stats();
    assert_eq!(s.live as u64, s.registered - s.removed, "{:?}", s);
}

#[test]
fn panics_in_closures() {
    let reg = ResourceRegistry::new();
    for n in 0..4 {
        reg.try_register(bomb(n, false)).unwrap();
    }
    // The closures the registry runs: a guard's `with` (registered or kept)
    // and `Taken::with`. Each poisons the value's own mutex, never a
    // registry lock.
    let guard = reg.register(bomb(10, false));
    assert!(quiet(|| guard.with(|_| panic!("in Guard::with"))).is_err());
    assert_eq!(
        guard.with(|b| b.n),
        Some(10),
        "a poisoned value is recovered"
    );
    assert_eq!(reg.len(), 5);
    let mut taken = guard.take().unwrap();
    assert!(quiet(|| taken.with(|_| panic!("in Taken::with"))).is_err());
    drop(taken);
    reg.set_limit(Some(4));
    let kept = reg.register(bomb(11, false));
    assert!(kept.refusal().is_some());
    assert!(quiet(|| kept.with(|_| panic!("in a kept value's with"))).is_err());
    assert_eq!(kept.take().ok().map(|mut b| b.with(|b| b.n)), Some(11));
    reg.set_limit(None);
    assert_eq!(reg.len(), 4);
    // What `for_each` and `retain` were: loops over a snapshot.
    fn flush(_: &Arc<Mutex<Bomb>>) {
        panic!("in a loop over a snapshot");
    }
    fn keep(_: &Arc<Mutex<Bomb>>) -> bool {
        panic!("in a retain predicate");
    }
    assert!(quiet(|| {
        for (_key, value) in reg.snapshot() {
            flush(&value);
        }
    })
    .is_err());
    assert_eq!(reg.len(), 4);
    assert!(quiet(|| {
        for (key, value) in reg.snapshot() {
            if !keep(&value) {
                let _ = reg.take(key);
            }
        }
    })
    .is_err());
    assert_eq!(reg.len(), 4);
    // A finalizer that panics (what `drain_with` was): the entries were
    // already drained, and the rest are dropped while it unwinds.
    fn finalize(_: Taken<Bomb>) {
        panic!("in a loop over a drain");
    }
    assert!(quiet(|| {
        for (_key, taken) in reg.drain() {
            finalize(taken);
        }
    })
    .is_err());
    assert!(reg.is_empty());
    assert_usable(&reg);
}

#[test]
fn panics_in_drop_during_each_operation() {
    let reg = ResourceRegistry::new();
    // remove: the caller drops the value
    let id = reg.try_register(bomb(1, true)).unwrap();
    assert!(quiet(|| drop(reg.remove(id))).is_err());
    // take
    let id = reg.try_register(bomb(2, true)).unwrap();
    assert!(quiet(|| drop(reg.take(id))).is_err());
    // Registration guard, dropped or taken
    let g = reg.register(bomb(3, true));
    assert!(quiet(|| drop(g)).is_err());
    let g = reg.register(bomb(31, true));
    assert!(quiet(|| drop(g.take())).is_err());
    // What `clear` and `retain` were: a dropped drain, a loop of takes
    reg.try_register(bomb(4, true)).unwrap();
    assert!(quiet(|| drop(reg.drain())).is_err());
    reg.try_register(bomb(5, true)).unwrap();
    assert!(quiet(|| {
        for (key, value) in reg.snapshot() {
            drop(value);
            drop(reg.take(key));
        }
    })
    .is_err());
    // A refused value: kept by its guard, dropped with it; or handed back.
    reg.set_limit(Some(0));
    let kept = reg.register(bomb(6, true));
    assert!(quiet(|| drop(kept)).is_err());
    let refused = reg.try_register(bomb(7, true)).unwrap_err();
    assert!(quiet(|| drop(refused)).is_err());
    reg.set_limit(None);
    assert!(reg.is_empty());
    assert_eq!(reg.stats().rejected, 2);
    assert_usable(&reg);
}

#[test]
fn a_poisoned_value_can_still_be_taken() {
    let reg = ResourceRegistry::new();
    let id = reg.try_register(bomb(7, false)).unwrap();
    let v = reg.get(id).unwrap();
    assert!(quiet(|| {
        let _guard = v.lock().unwrap();
        panic!("poison the value's own mutex");
    })
    .is_err());
    assert!(v.is_poisoned());
    drop(v);
    assert_eq!(reg.take(id).ok().map(|mut b| b.with(|b| b.n)), Some(7));
    assert_eq!(reg.take(id).err(), Some(Error::NotFound));
    assert_usable(&reg);
}
