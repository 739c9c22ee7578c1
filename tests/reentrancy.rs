//! Values whose `Drop` calls back into the same registry, during every
//! operation that can drop a value. Natively a lock held across user code
//! would deadlock (on wasm32 it would panic); a watchdog turns a hang into a
//! test failure instead of a stuck CI job.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use wit_resource_registry::{Error, ResourceRegistry, Taken};

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
            // On a full registry the child is refused and kept by its guard;
            // otherwise it is removed right here. Either way it is dropped
            // here, with the guard, and its own Drop re-enters once more.
            let child = self.reg.register(value(self.reg, 1, &self.drops));
            if let Some(key) = child.key() {
                assert!(self.reg.get(key).is_some());
                assert!(self.reg.remove(key).is_some());
            }
            drop(child);
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
        let id = reg.try_register(value(reg, 0, drops)).unwrap();
        drop(reg.remove(id));
    });
    assert_eq!(n, 2);
}

#[test]
fn drop_during_take() {
    let n = with_watchdog("take", |reg, drops| {
        let id = reg.try_register(value(reg, 0, drops)).unwrap();
        drop(reg.take(id).ok().unwrap());
    });
    assert_eq!(n, 2);
}

/// `drain`, and the loop over it that `drain_with` was.
#[test]
fn drop_during_drain_and_a_loop_over_a_drain() {
    let n = with_watchdog("drain", |reg, drops| {
        for _ in 0..3 {
            reg.try_register(value(reg, 0, drops)).unwrap();
        }
        drop(reg.drain());
        for _ in 0..3 {
            reg.try_register(value(reg, 0, drops)).unwrap();
        }
        let mut ended = 0;
        for (_, taken) in reg.drain() {
            drop(taken);
            ended += 1;
        }
        assert_eq!(ended, 3);
    });
    assert_eq!(n, 12);
}

/// The loop over a snapshot that `retain` was, ending each entry with
/// `take`.
#[test]
fn drop_during_a_retain_loop_over_a_snapshot() {
    let n = with_watchdog("retain", |reg, drops| {
        for _ in 0..4 {
            reg.try_register(value(reg, 0, drops)).unwrap();
        }
        let mut removed = 0;
        for (key, value) in reg.snapshot() {
            drop(value); // the last clone outside: `take` hands it back owned
            let taken = reg.take(key).unwrap();
            assert!(matches!(taken, Taken::Owned(_)));
            drop(taken);
            removed += 1;
        }
        assert_eq!(removed, 4);
    });
    assert_eq!(n, 8);
}

/// What `clear` was: a drain dropped at once.
#[test]
fn drop_during_clear_as_a_dropped_drain() {
    let n = with_watchdog("clear", |reg, drops| {
        for _ in 0..4 {
            reg.try_register(value(reg, 0, drops)).unwrap();
        }
        drop(reg.drain());
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
        let guard = reg.register(value(reg, 0, drops));
        drop(guard);
        // And the value a guard's `take` hands back.
        let guard = reg.register(value(reg, 0, drops));
        drop(guard.take().unwrap());
    });
    assert_eq!(n, 4);
}

#[test]
fn drop_of_a_value_refused_by_a_full_registry() {
    let n = with_watchdog("refused", |reg, drops| {
        reg.set_limit(Some(1));
        let only = reg.try_register(value(reg, 1, drops)).unwrap();
        // The refused value is kept by its guard and dropped with it; its
        // Drop registers a child, which is refused too, and both are dropped
        // without a lock.
        let refused = reg.register(value(reg, 0, drops));
        assert_eq!(refused.refusal(), Some(Error::Full { limit: 1 }));
        drop(refused);
        // The same for a value `try_register` hands back.
        let refused = reg.try_register(value(reg, 0, drops)).unwrap_err();
        drop(refused);
        reg.set_limit(None);
        drop(reg.remove(only));
    });
    assert_eq!(n, 5);
}

#[test]
fn drop_of_the_registry_itself() {
    // The values of a registry being dropped call into another, live one.
    let n = with_watchdog("registry drop", |reg, drops| {
        let doomed: Reg = Reg::new();
        for _ in 0..3 {
            doomed.try_register(value(reg, 0, drops)).unwrap();
        }
        drop(doomed);
    });
    assert_eq!(n, 6);
}

#[test]
fn closures_may_call_back_in() {
    with_watchdog("closures", |reg, drops| {
        // The closures the registry runs: a guard's `with` holds no registry
        // lock, so it may read, register, end, and even remove its own entry.
        let guard = reg.register(value(reg, 1, drops));
        let key = guard.key().unwrap();
        let seen = guard.with(|_| {
            assert!(reg.get(key).is_some() && reg.contains(key));
            let _ = (reg.len(), reg.stats(), reg.leak_report(), reg.snapshot());
            let other = reg.register(value(reg, 1, drops));
            assert!(other.take().is_ok());
            let other = reg.try_register(value(reg, 1, drops)).unwrap();
            drop(reg.drain()); // ends `key` too, from inside its own `with`
            assert!(!reg.contains(other) && !reg.contains(key));
            reg.len()
        });
        assert_eq!(seen, Some(0));
        assert_eq!(guard.with(|_| ()), None, "ended meanwhile");
        drop(guard);
        // `Taken::with` runs after the entry has left: registering again
        // from inside it works too.
        let id = reg.try_register(value(reg, 1, drops)).unwrap();
        let mut taken = reg.take(id).unwrap();
        taken.with(|_| {
            let again = reg.try_register(value(reg, 1, drops)).unwrap();
            drop(reg.take(again));
        });
        drop(taken);

        // What `for_each`, `retain` and `drain_with` were: loops over what
        // the registry hands out, calling back in.
        for _ in 0..3 {
            reg.try_register(value(reg, 1, drops)).unwrap();
        }
        for (key, _) in reg.snapshot() {
            assert!(reg.get(key).is_some());
            assert!(reg.len() >= 3);
        }
        let mut removed = 0;
        for (key, _) in reg.snapshot() {
            // remove inside the loop; the retain idiom then finds it gone
            drop(reg.remove(key));
            if reg.take(key).is_ok() {
                removed += 1;
            }
        }
        assert_eq!(removed, 0);
        reg.try_register(value(reg, 1, drops)).unwrap();
        for (key, taken) in reg.drain() {
            assert!(reg.get(key).is_none());
            let value = match taken.into_inner() {
                Ok(inner) => Arc::new(Mutex::new(inner)),
                Err(shared) => shared,
            };
            let again = reg.try_register(value).unwrap();
            drop(reg.remove(again));
        }
    });
}
