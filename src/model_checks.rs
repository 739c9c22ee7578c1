//! loom model checks of the registry's own synchronisation (run by
//! `scripts/loom.sh`, which builds the unit tests with `--cfg loom`). Unit
//! tests rather than an integration test, so that loom is a dev-dependency:
//! no crate that depends on this one ever resolves it.

use std::sync::{Arc as StdArc, Mutex as StdMutex};

use crate::{Error, ResourceRegistry};
use loom::sync::Arc;
use loom::thread;

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
        let id = reg.try_register(val(7)).unwrap();
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
        let a = reg.try_register(val(1)).unwrap();
        let b = reg.try_register(val(2)).unwrap();
        let drainer = {
            let reg = reg.clone();
            thread::spawn(move || {
                let mut ended = Vec::new();
                for (_, mut v) in reg.drain() {
                    ended.push(v.with(|v| *v));
                }
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
        let mut kept: Vec<_> = reg.drain().collect();
        assert_eq!(kept.len(), 1);
        assert_ne!(kept[0].1.with(|v| *v), back[0]);
    });
}

#[test]
fn remove_racing_register_keeps_the_count_exact() {
    explored("remove/register", || {
        let reg = Arc::new(ResourceRegistry::with_limit(2));
        let a = reg.try_register(val(1)).unwrap();
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
        let a = reg.try_register(val(1)).unwrap();
        let worker = {
            let reg = reg.clone();
            thread::spawn(move || {
                let b = reg.try_register(val(2)).unwrap();
                reg.remove(a);
                b
            })
        };
        let s = reg.stats();
        assert_eq!(s.live as u64, s.registered - s.removed, "{:?}", s);
        assert!(s.live <= s.high_water, "{:?}", s);
        assert_eq!(s.clock, s.registered, "{:?}", s);
        let b = worker.join().unwrap();
        assert!(reg.contains(b) && !reg.contains(a));
    });
}

#[test]
fn threads_of_two_groups_count_apart_in_one_cut() {
    explored("groups/stats", || {
        let reg = Arc::new(ResourceRegistry::new());
        let a = reg.try_register(val(1)).unwrap(); // this thread registers first: group 0
        let other = {
            let reg = reg.clone();
            thread::spawn(move || {
                let b = reg.try_register(val(2)).unwrap(); // group 1
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
        let a = reg.try_register(val(1)).unwrap();
        let other = {
            let reg = reg.clone();
            thread::spawn(move || {
                let b = reg.try_register(val(2)).is_ok();
                let removed = reg.remove(a).is_some();
                (b, removed)
            })
        };
        reg.set_limit(Some(1));
        let mine = reg.try_register(val(3)).is_ok();
        reg.set_limit(None);
        let (theirs, removed) = other.join().unwrap();
        assert!(removed);
        let live = usize::from(mine) + usize::from(theirs);
        let s = reg.stats();
        assert_eq!((reg.len(), s.live), (live, live), "{:?}", s);
        assert!(s.high_water >= live && s.high_water <= 3, "{:?}", s);
        // Whatever moved where, the counts come back to zero, not below.
        drop(reg.drain()); // what `clear` was
        assert_eq!((reg.len(), reg.stats().live), (0, 0));
        reg.try_register(val(4)).unwrap();
        assert_eq!(reg.len(), 1);
    });
}

/// Which outcomes of a race the interleavings of one model reached: a model
/// that never reached the losing branch would prove nothing about it.
struct Outcomes([std::sync::atomic::AtomicUsize; 2]);

impl Outcomes {
    const fn new() -> Self {
        Outcomes([
            std::sync::atomic::AtomicUsize::new(0),
            std::sync::atomic::AtomicUsize::new(0),
        ])
    }
    fn saw(&self, which: usize) {
        self.0[which].fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    fn both(&self) -> bool {
        self.0
            .iter()
            .all(|n| n.load(std::sync::atomic::Ordering::SeqCst) > 0)
    }
}

/// A guard's `take` racing a shutdown drain: the entry ends exactly once, and
/// the loser's answer is `NotFound` with a spent guard.
#[test]
fn a_guard_take_racing_a_drain_ends_the_entry_exactly_once() {
    static SEEN: Outcomes = Outcomes::new();
    explored("guard take/drain", || {
        // The guard owns a std `Arc` of the registry (loom does not model
        // it); the registry's own locks and atomics are loom's.
        let reg = StdArc::new(ResourceRegistry::new());
        let guard = reg.register_owned(val(1));
        let other = reg.register_owned(val(2));
        let ender = thread::spawn(move || match guard.take() {
            Ok(mut taken) => Some(taken.with(|v| *v)),
            Err(back) => {
                assert_eq!(back.error(), Error::NotFound);
                let spent = back.into_value();
                assert_eq!(spent.with(|v| *v), None);
                None
            }
        });
        let mut ended: Vec<u32> = reg.drain().map(|(_, mut t)| t.with(|v| *v)).collect();
        let theirs = ender.join().unwrap();
        SEEN.saw(usize::from(theirs.is_some()));
        ended.extend(theirs);
        ended.sort_unstable();
        assert_eq!(ended, [1, 2]);
        // Drained: its guard acts on nothing any more.
        let newcomer = reg.try_register(val(3)).unwrap();
        assert_eq!(other.with(|v| *v), None);
        drop(other);
        assert!(reg.contains(newcomer));
        let s = reg.stats();
        assert_eq!((s.registered, s.removed, s.live), (3, 2, 1));
    });
    assert!(SEEN.both(), "both the guard and the drain won some runs");
}

/// A parent's guard `take` racing the end of its only child: refused with
/// `HasChildren` (the guard still armed, the entry still there) or ended,
/// never lost; the guard that came back ends it on its next `take`.
#[test]
fn a_parent_guard_take_racing_its_child_never_loses_the_parent() {
    static SEEN: Outcomes = Outcomes::new();
    explored("guard take/child", || {
        let reg = StdArc::new(ResourceRegistry::new());
        let parent = reg.register_owned(val(1));
        let child = reg.register_child_owned(parent.key().unwrap(), val(2));
        let ender = thread::spawn(move || child.take().map(|mut t| t.with(|v| *v)).ok());
        let (mut taken, theirs) = match parent.take() {
            // Only once the child has ended.
            Ok(taken) => {
                SEEN.saw(0);
                (taken, ender.join().unwrap())
            }
            Err(back) => {
                SEEN.saw(1);
                assert_eq!(back.error(), Error::HasChildren);
                let parent = back.into_value();
                assert_eq!(parent.with(|v| *v), Some(1), "still armed");
                let theirs = ender.join().unwrap(); // the child ends
                (parent.take().unwrap(), theirs)
            }
        };
        assert_eq!(taken.with(|v| *v), 1);
        assert_eq!(theirs, Some(2));
        assert!(reg.is_empty());
        assert_eq!(reg.stats().removed, 2);
    });
    assert!(
        SEEN.both(),
        "the parent was refused in some runs, ended in others"
    );
}
