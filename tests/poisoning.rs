//! Panics in user closures and in `Drop` during each operation leave the
//! registry usable, with consistent stats.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Error, ResourceRegistry};

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
    let id = reg.register(bomb(1000, false));
    assert_eq!(reg.get(id).unwrap().lock().unwrap().n, 1000);
    assert!(reg.contains(id));
    assert_eq!(reg.take(id).ok().map(|mut b| b.with(|b| b.n)), Some(1000));
    let g = reg.register_guarded(bomb(1001, false)).unwrap();
    drop(g);
    reg.insert(5, bomb(5, false));
    assert_eq!(reg.snapshot().len(), reg.len());
    reg.clear();
    assert!(reg.is_empty());
    let s = reg.stats();
    assert_eq!(s.live as u64, s.registered - s.removed, "{:?}", s);
}

#[test]
fn panics_in_closures() {
    let reg = ResourceRegistry::new();
    for n in 0..4 {
        reg.register(bomb(n, false));
    }
    assert!(quiet(|| reg.for_each(|_, _| panic!("in for_each"))).is_err());
    assert_eq!(reg.len(), 4);
    assert!(quiet(|| reg.retain(|_, _| panic!("in retain"))).is_err());
    assert_eq!(reg.len(), 4);
    // A finalizer that panics: the entries were already drained.
    assert!(quiet(|| reg.drain_with(|_, _| panic!("in drain_with"))).is_err());
    assert!(reg.is_empty());
    assert_usable(&reg);
}

#[test]
fn panics_in_drop_during_each_operation() {
    let reg = ResourceRegistry::new();
    // remove: the caller drops the value
    let id = reg.register(bomb(1, true));
    assert!(quiet(|| drop(reg.remove(id))).is_err());
    // take
    let id = reg.register(bomb(2, true));
    assert!(quiet(|| drop(reg.take(id))).is_err());
    // Registration guard
    let g = reg.register_guarded(bomb(3, true)).unwrap();
    assert!(quiet(|| drop(g)).is_err());
    // clear and retain drop values inside the registry
    reg.register(bomb(4, true));
    assert!(quiet(|| reg.clear()).is_err());
    reg.register(bomb(5, true));
    assert!(quiet(|| reg.retain(|_, _| false)).is_err());
    // a refused value dropped inside `register`
    reg.set_limit(0).unwrap();
    assert!(quiet(|| reg.register(bomb(6, true))).is_err());
    reg.lift_limit();
    assert!(reg.is_empty());
    assert_eq!(reg.stats().rejected, 1);
    assert_usable(&reg);
}

#[test]
fn a_poisoned_value_can_still_be_taken() {
    let reg = ResourceRegistry::new();
    let id = reg.register(bomb(7, false));
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
