//! Values whose `Drop` calls back into the same registry, during every
//! operation that can drop a value. Natively a lock held across user code
//! would deadlock (on wasm32 it would panic); a watchdog turns a hang into a
//! test failure instead of a stuck CI job.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use wit_resource_registry::ResourceRegistry;

type Reg = ResourceRegistry<Reentrant>;

struct Reentrant {
    reg: &'static Reg,
    depth: u8,
    drops: Arc<AtomicUsize>,
}

impl Drop for Reentrant {
    fn drop(&mut self) {
        // Read, enumerate, register and remove on the registry that is in the
        // middle of dropping this value.
        let _ = (self.reg.len(), self.reg.stats(), self.reg.leak_report());
        let _ = self.reg.snapshot();
        if self.depth == 0 {
            // On a full registry the child is refused (id 0) and dropped
            // inside `register`; otherwise it is dropped right here. Either
            // way its own Drop re-enters once more.
            let child = self.reg.register(value(self.reg, 1, &self.drops));
            if child != 0 {
                assert!(self.reg.get(child).is_some());
                assert!(self.reg.remove(child).is_some());
            }
        }
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn value(reg: &'static Reg, depth: u8, drops: &Arc<AtomicUsize>) -> Arc<Mutex<Reentrant>> {
    Arc::new(Mutex::new(Reentrant {
        reg,
        depth,
        drops: drops.clone(),
    }))
}

/// Runs `scenario` on a fresh registry in its own thread and fails if it
/// does not finish in time. Returns how many values were dropped.
fn with_watchdog(name: &str, scenario: fn(&'static Reg, &Arc<AtomicUsize>)) -> usize {
    let reg: &'static Reg = Box::leak(Box::new(Reg::new()));
    let drops = Arc::new(AtomicUsize::new(0));
    let (done, finished) = mpsc::channel();
    let worker = {
        let drops = drops.clone();
        thread::spawn(move || {
            scenario(reg, &drops);
            let _ = done.send(());
        })
    };
    match finished.recv_timeout(Duration::from_secs(20)) {
        Ok(()) => worker.join().expect("scenario panicked"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!(
                "{}: {:?}",
                name,
                worker.join().err().map(|_| "scenario panicked")
            )
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{}: deadlock (no progress in 20 s)", name),
    }
    assert!(reg.is_empty(), "{}: {} entries left", name, reg.len());
    let s = reg.stats();
    assert_eq!(s.registered, s.removed, "{}: {:?}", name, s);
    drops.load(Ordering::SeqCst)
}

// Each parent drop also drops one child: two drops per value.

#[test]
fn drop_during_remove() {
    let n = with_watchdog("remove", |reg, drops| {
        let id = reg.register(value(reg, 0, drops));
        drop(reg.remove(id));
    });
    assert_eq!(n, 2);
}

#[test]
fn drop_during_take() {
    let n = with_watchdog("take", |reg, drops| {
        let id = reg.register(value(reg, 0, drops));
        drop(reg.take(id).ok().unwrap());
    });
    assert_eq!(n, 2);
}

#[test]
fn drop_during_drain_and_drain_with() {
    let n = with_watchdog("drain", |reg, drops| {
        for _ in 0..3 {
            reg.register(value(reg, 0, drops));
        }
        drop(reg.drain());
        for _ in 0..3 {
            reg.register(value(reg, 0, drops));
        }
        assert_eq!(reg.drain_with(|_, v| drop(v)), 3);
    });
    assert_eq!(n, 12);
}

#[test]
fn drop_during_retain() {
    let n = with_watchdog("retain", |reg, drops| {
        for _ in 0..4 {
            reg.register(value(reg, 0, drops));
        }
        assert_eq!(reg.retain(|_, _| false), 4);
    });
    assert_eq!(n, 8);
}

#[test]
fn drop_during_clear() {
    let n = with_watchdog("clear", |reg, drops| {
        for _ in 0..4 {
            reg.register(value(reg, 0, drops));
        }
        reg.clear();
    });
    assert_eq!(n, 8);
}

#[test]
fn drop_during_insert_displacing() {
    let n = with_watchdog("insert", |reg, drops| {
        reg.insert(7, value(reg, 0, drops));
        drop(reg.insert(7, value(reg, 0, drops)));
        drop(reg.remove(7));
    });
    assert_eq!(n, 4);
}

#[test]
fn drop_of_a_registration_guard() {
    let n = with_watchdog("guard", |reg, drops| {
        let guard = reg.register_guarded(value(reg, 0, drops)).unwrap();
        drop(guard);
    });
    assert_eq!(n, 2);
}

#[test]
fn drop_of_a_value_refused_by_a_full_registry() {
    let n = with_watchdog("refused", |reg, drops| {
        reg.set_limit(1).unwrap();
        let kept = reg.register(value(reg, 1, drops));
        // The refused value is dropped inside `register`; its Drop registers
        // a child, which is refused too, and both are dropped without a lock.
        assert_eq!(reg.register(value(reg, 0, drops)), 0);
        reg.lift_limit();
        drop(reg.remove(kept));
    });
    assert_eq!(n, 3);
}

#[test]
fn drop_of_the_registry_itself() {
    // The values of a registry being dropped call into another, live one.
    let n = with_watchdog("registry drop", |reg, drops| {
        let doomed: Reg = Reg::new();
        for _ in 0..3 {
            doomed.register(value(reg, 0, drops));
        }
        drop(doomed);
    });
    assert_eq!(n, 6);
}

#[test]
fn closures_may_call_back_in() {
    with_watchdog("closures", |reg, drops| {
        for _ in 0..3 {
            reg.register(value(reg, 1, drops));
        }
        reg.for_each(|key, _| {
            assert!(reg.get(key).is_some());
            assert!(reg.len() >= 3);
        });
        let removed = reg.retain(|key, _| {
            // remove from inside the predicate; retain then leaves it alone
            drop(reg.remove(key));
            false
        });
        assert_eq!(removed, 0);
        reg.register(value(reg, 1, drops));
        reg.drain_with(|key, v| {
            assert!(reg.get(key).is_none());
            let again = reg.register(v.into_arc());
            drop(reg.remove(again));
        });
    });
}
