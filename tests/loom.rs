//! loom model checks of the registry's own synchronisation (run by
//! `scripts/loom.sh`, which builds with `--cfg loom`). Without that cfg this
//! file compiles to nothing.
#![cfg(loom)]

use std::sync::{Arc as StdArc, Mutex as StdMutex};

use loom::sync::Arc;
use loom::thread;
use wit_resource_registry::{Error, ResourceRegistry};

/// Counts the interleavings each model explored, so a test can tell that
/// loom really ran more than one.
static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn explored<F: Fn() + Sync + Send + 'static>(name: &str, model: F) {
    RUNS.store(0, std::sync::atomic::Ordering::SeqCst);
    loom::model(move || {
        RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        model();
    });
    let runs = RUNS.load(std::sync::atomic::Ordering::SeqCst);
    println!("{}: {} interleavings", name, runs);
    assert!(runs > 1, "{}: loom explored a single interleaving", name);
}

fn val(v: u32) -> StdArc<StdMutex<u32>> {
    StdArc::new(StdMutex::new(v))
}

#[test]
fn racing_takes_of_one_id_have_exactly_one_winner() {
    explored("take/take", || {
        let reg = Arc::new(ResourceRegistry::new());
        let id = reg.register(val(7));
        let other = {
            let reg = reg.clone();
            thread::spawn(move || reg.take(id).map(|mut t| t.with(|v| *v)))
        };
        let mine = reg.take(id).map(|mut t| t.with(|v| *v));
        let theirs = other.join().unwrap();
        let wins = [&mine, &theirs].iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "{:?} / {:?}", mine, theirs);
        assert!(mine == Err(Error::NotFound) || theirs == Err(Error::NotFound));
        assert!(reg.is_empty());
    });
}

#[test]
fn take_racing_drain_ends_each_entry_exactly_once() {
    explored("take/drain", || {
        let reg = Arc::new(ResourceRegistry::new());
        let a = reg.register(val(1));
        let b = reg.register(val(2));
        let drainer = {
            let reg = reg.clone();
            thread::spawn(move || {
                let mut ended = Vec::new();
                reg.drain_with(|_, mut v| ended.push(v.with(|v| *v)));
                ended
            })
        };
        let mut ended: Vec<u32> = [a, b]
            .iter()
            .filter_map(|&k| reg.take(k).ok().map(|mut t| t.with(|v| *v)))
            .collect();
        ended.extend(drainer.join().unwrap());
        ended.sort_unstable();
        assert_eq!(ended, [1, 2]);
        assert!(reg.is_empty());
        let s = reg.stats();
        assert_eq!((s.registered, s.removed), (2, 2));
    });
}

#[test]
fn register_racing_a_full_registry_never_exceeds_the_limit() {
    explored("register/full", || {
        let reg = Arc::new(ResourceRegistry::with_limit(1));
        let spawn = |v: u32| {
            let reg = reg.clone();
            thread::spawn(move || match reg.try_register(val(v)) {
                Ok(_) => None,
                Err(refused) => Some(*refused.into_value().lock().unwrap()),
            })
        };
        let (one, two) = (spawn(1), spawn(2));
        // An observer on this thread: the count never passes the limit.
        assert!(reg.len() <= 1);
        let back: Vec<u32> = [one.join().unwrap(), two.join().unwrap()]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(back.len(), 1, "exactly one value refused and handed back");
        assert_eq!(reg.len(), 1);
        assert_eq!(reg.stats().rejected, 1);
        let kept = reg.drain();
        assert_ne!(*kept[0].1.lock().unwrap(), back[0]);
    });
}

#[test]
fn remove_racing_register_keeps_the_count_exact() {
    explored("remove/register", || {
        let reg = Arc::new(ResourceRegistry::with_limit(2));
        let a = reg.register(val(1));
        let remover = {
            let reg = reg.clone();
            thread::spawn(move || reg.remove(a).is_some())
        };
        let b = reg.try_register(val(2)).is_ok();
        assert!(remover.join().unwrap());
        assert!(b, "a limit of 2 always has room for the second");
        assert_eq!(reg.len(), 1);
        assert_eq!(reg.snapshot().len(), 1);
    });
}

#[test]
fn stats_racing_register_and_remove_is_one_cut() {
    explored("stats/register/remove", || {
        let reg = Arc::new(ResourceRegistry::with_limit(2));
        let a = reg.register(val(1));
        let worker = {
            let reg = reg.clone();
            thread::spawn(move || {
                let b = reg.register(val(2));
                reg.remove(a);
                b
            })
        };
        let s = reg.stats();
        assert_eq!(s.live as u64, s.registered - s.removed, "{:?}", s);
        assert!(s.live <= s.high_water, "{:?}", s);
        assert_eq!(s.clock, s.registered, "{:?}", s);
        assert_ne!(worker.join().unwrap(), 0);
    });
}

#[test]
fn threads_of_two_groups_count_apart_in_one_cut() {
    explored("groups/stats", || {
        let reg = Arc::new(ResourceRegistry::new());
        let a = reg.register(val(1)); // this thread registers first: group 0
        let other = {
            let reg = reg.clone();
            thread::spawn(move || {
                let b = reg.register(val(2)); // group 1
                assert!(reg.remove(a).is_some(), "released in group 0 from group 1");
                b
            })
        };
        let s = reg.stats();
        assert_eq!(s.live as u64, s.registered - s.removed, "{:?}", s);
        assert!(s.live <= s.high_water, "{:?}", s);
        assert_eq!(s.clock, s.registered, "{:?}", s);
        let b = other.join().unwrap();
        let s = reg.stats();
        assert_eq!(
            (s.live, s.high_water, s.clock, reg.len()),
            (1, 2, 2, 1),
            "{:?}",
            s
        );
        assert!(reg.get(b).is_some());
        let report = reg.leak_report();
        assert_eq!(report.entries.len(), 1);
        // Each shard numbers its own entries: b was its shard's first, and
        // no shard's clock is past 1.
        assert_eq!(
            (report.entries[0].born, report.now),
            (0, 1),
            "b was its shard's first"
        );
        // Released in group 1 from group 0: every group's count back to zero.
        assert!(reg.remove(b).is_some());
        assert_eq!((reg.len(), reg.stats().live), (0, 0));
    });
}

#[test]
fn a_limit_set_and_lifted_while_another_group_registers_keeps_counts_exact() {
    explored("limit/groups", || {
        let reg = Arc::new(ResourceRegistry::new());
        let a = reg.register(val(1));
        let other = {
            let reg = reg.clone();
            thread::spawn(move || {
                let b = reg.try_register(val(2)).is_ok();
                let removed = reg.remove(a).is_some();
                (b, removed)
            })
        };
        reg.set_limit(1).unwrap();
        let mine = reg.try_register(val(3)).is_ok();
        reg.lift_limit();
        let (theirs, removed) = other.join().unwrap();
        assert!(removed);
        let live = usize::from(mine) + usize::from(theirs);
        let s = reg.stats();
        assert_eq!((reg.len(), s.live), (live, live), "{:?}", s);
        assert!(s.high_water >= live && s.high_water <= 3, "{:?}", s);
        // Whatever moved where, the counts come back to zero, not below.
        reg.clear();
        assert_eq!((reg.len(), reg.stats().live), (0, 0));
        reg.register(val(4));
        assert_eq!(reg.len(), 1);
    });
}
