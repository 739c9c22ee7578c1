//! Regression tests for the identity review (issue 8), one per numbered
//! finding and named for it: a key or guard that outlives its entry never
//! reaches another entry, and ending never loses one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use wit_resource_registry::{
    Error, Key, ResourceRegistry, Taken, KEY_REISSUE_BOUND, MAX_CALLER_ID, MAX_ISSUED,
};

fn val(v: u32) -> Arc<Mutex<u32>> {
    Arc::new(Mutex::new(v))
}

/// Finding 1 at the bound, in the worst pattern there is: one shard (as on
/// wasm32, here by making every entry the child of one parent), the first
/// key reused by the very next registration, then one entry at a time. A
/// stale guard rides along for finding 2.
#[test]
fn finding_1_a_u32_key_comes_back_exactly_at_the_bound_and_not_before() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    let parent = reg.try_register(val(u32::MAX)).unwrap();
    // The first key is vacated first, then 1,024 others behind it, so the
    // very next registration reuses its slot: the shortest first gap the
    // queue allows. Its guard's entry is removed by someone else.
    let others: Vec<Key<u32>> = (0..1024)
        .map(|n| reg.register_child(parent, val(n)).into_key().unwrap())
        .collect();
    let first = reg.register_child(parent, val(0));
    let first_key = first.key().unwrap();
    let first_wide = first.wide_key().unwrap();
    assert!(reg.remove(first_key).is_some());
    for key in others {
        assert!(reg.remove(key).is_some());
    }

    let mut later: u64 = 0;
    loop {
        let key = reg.register_child(parent, val(1)).into_key().unwrap();
        later += 1;
        if key == first_key {
            break;
        }
        assert!(
            reg.get(first_key).is_none(),
            "the stale key resolved after {} registrations",
            later
        );
        assert!(reg.remove(key).is_some());
    }
    assert_eq!(
        later, KEY_REISSUE_BOUND,
        "came back after {} registrations",
        later
    );
    assert!(later > 1 << 22);

    // Finding 2: the old guard's key now names a live entry, and still the
    // guard reaches nothing of it; its wide key stays dead.
    assert_eq!(first.key(), Some(first_key));
    assert_eq!(first.with(|v| *v), None);
    assert!(reg.get(first_wide).is_none());
    assert_ne!(reg.wide_key(first_key), Some(first_wide));
    let back = first.take().unwrap_err();
    assert_eq!(back.error(), Error::NotFound);
    drop(back);
    assert_eq!(
        *reg.get(first_key).unwrap().lock().unwrap(),
        1,
        "the newcomer is intact"
    );
}

/// Finding 1, natively: one thread, one entry at a time, plain
/// `try_register`. Far from the bound, but the common pattern.
#[test]
fn finding_1_one_at_a_time_keys_do_not_come_back() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    let first = reg.try_register(val(0)).unwrap();
    reg.remove(first);
    for n in 0..200_000 {
        let key = reg.try_register(val(n)).unwrap();
        assert_ne!(key, first, "key issued again after {} registrations", n + 1);
        reg.remove(key);
    }
}

/// Finding 2: after a drain, `insert` under the guard's old number is refused
/// (that number is no caller id), and no later entry is reachable through
/// the guard: not its value, not by taking, not by dropping it.
#[test]
fn finding_2_a_stale_guard_never_acts_on_another_entry() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    let guard = reg.register(val(1));
    let old = guard.key().unwrap();
    assert_eq!(reg.drain().len(), 1);
    let refused = reg.try_insert(old.into_raw(), val(2)).unwrap_err();
    assert_eq!(refused.error(), Error::InvalidId);
    let newcomers: Vec<Key<u32>> = (0..5000)
        .map(|n| reg.try_register(val(n)).unwrap())
        .collect();
    assert_eq!(guard.with(|v| *v), None);
    drop(guard);
    assert_eq!(reg.len(), 5000);
    assert!(newcomers.iter().all(|&k| reg.contains(k)));
}

/// Finding 2, in the guard's own slot: a newcomer reuses the slot of a guard
/// whose entry someone else ended, and the guard reaches none of it.
#[test]
fn finding_2_a_stale_guard_leaves_the_newcomer_in_its_slot_alone() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    let parent = reg.try_register(val(0)).unwrap(); // children share its shard
    let others: Vec<Key<u32>> = (0..1024)
        .map(|n| reg.register_child(parent, val(n)).into_key().unwrap())
        .collect();
    let guard = reg.register_child(parent, val(7));
    let old = guard.key().unwrap();
    reg.remove(old).unwrap(); // someone else ends it
    for key in others {
        reg.remove(key).unwrap(); // 1,024 wait behind it
    }
    let newcomer = reg.register_child(parent, val(8)).into_key().unwrap();
    let slot = |k: Key<u32>| k.into_raw() & 0xF_FFFF;
    assert_eq!(
        slot(newcomer),
        slot(old),
        "the newcomer took the guard's slot"
    );
    assert_ne!(newcomer, old);
    assert_eq!(guard.with(|v| *v), None, "the guard read the newcomer");
    drop(guard);
    assert!(reg.contains(newcomer), "the guard removed the newcomer");
}

/// Finding 3: a guard `take` refused for children loses nothing. The guard
/// comes back still armed (1.0; it used to come back disarmed), so the entry
/// stays for `take_tree`, the shutdown drain or the guard's next `take`, and
/// once something else has ended it the guard acts on nothing. What dropping
/// the armed guard does instead is pinned in `guard.rs`.
#[test]
fn finding_3_a_guard_refused_for_children_stays_armed_and_loses_nothing() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    let provider = reg.register(val(1));
    let key = provider.key().unwrap();
    let child = reg.register_child(key, val(2)).into_key().unwrap();
    let provider = match provider.take() {
        Ok(_) => panic!("ended an entry with a live child"),
        Err(refused) => {
            assert_eq!(refused.error(), Error::HasChildren);
            refused.into_value()
        }
    };
    assert!(reg.contains(key), "the refused take removed its entry");
    assert_eq!(provider.key(), Some(key));
    assert_eq!(provider.with(|v| *v), Some(1), "armed: it still reaches it");
    assert_eq!(reg.parent(child), Some(key));
    let ended: Vec<u32> = reg
        .take_tree(key)
        .unwrap()
        .into_iter()
        .map(|(_, mut t)| t.with(|v| *v))
        .collect();
    assert_eq!(ended, [2, 1]);
    // Ended by the tree: the guard finds nothing, and a newcomer is safe.
    let newcomer = reg.try_register(val(3)).unwrap();
    assert_eq!(provider.with(|v| *v), None);
    assert_eq!(provider.take().unwrap_err().error(), Error::NotFound);
    assert!(reg.contains(newcomer));
    assert_eq!(reg.stats().removed, 2);
}

/// Finding 3, the README's pattern verbatim (included from the same file the
/// README test checks), with every child holding its parent's `Arc` and
/// another thread taking snapshots the whole time: every span is exported
/// exactly once, none is lost.
mod readme {
    use std::sync::{Arc, Mutex};
    use wit_resource_registry::{Registration, ResourceRegistry};

    pub struct SpanInner {
        pub name: String,
        pub parent: Option<Arc<Mutex<SpanInner>>>,
    }
    impl SpanInner {
        fn new(name: String) -> Self {
            SpanInner { name, parent: None }
        }
        fn finish(&mut self) -> String {
            self.name.clone()
        }
        fn finish_unended(&mut self) -> String {
            format!("{} (never ended)", self.name)
        }
    }

    pub static EXPORTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    fn export(name: String) {
        EXPORTED.lock().unwrap().push(name);
    }

    // Stand-ins for what wit-bindgen generates for `resource span`.
    pub trait GuestSpan {
        fn new(name: String) -> Self;
        fn end(this: Span);
    }
    pub struct Span(Box<MySpan>);
    // Generic like wit-bindgen's own `get::<T>()` and `into_inner::<T>()`.
    #[allow(clippy::extra_unused_type_parameters)]
    impl Span {
        pub fn new(span: MySpan) -> Span {
            Span(Box::new(span))
        }
        pub fn get<T>(&self) -> &MySpan {
            &self.0
        }
        pub fn into_inner<T>(self) -> MySpan {
            *self.0
        }
    }

    include!("readme/pattern.rs");

    pub fn spans() -> &'static ResourceRegistry<SpanInner> {
        &SPANS
    }

    /// The child keeps its parent's `Arc`, as an SDK span keeps its parent
    /// (a parent refused at the limit has no entry to share, as before).
    pub fn set_parent(child: &Span, parent: &Span) {
        let parent = parent
            .get::<MySpan>()
            .entry
            .key()
            .and_then(|key| spans().get(key));
        let set = child.get::<MySpan>().entry.with(|c| c.parent = parent);
        assert!(set.is_some(), "the child is registered or kept");
    }
}

#[test]
fn finding_3_the_readme_end_never_loses_a_span_held_by_its_child_or_a_snapshot() {
    use readme::*;
    let stop = Arc::new(AtomicBool::new(false));
    let snapshots = thread::spawn({
        let stop = stop.clone();
        move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += spans().snapshot().len() as u64; // holds clones of every Arc
            }
            n
        }
    });
    let mut forgotten = Vec::new();
    for round in 0..300 {
        let parent = <MySpan as GuestSpan>::new(format!("parent-{}", round));
        let parent = Span::new(parent);
        let child = Span::new(<MySpan as GuestSpan>::new(format!("child-{}", round)));
        set_parent(&child, &parent);
        MySpan::end(parent); // ended first, while its child still holds it
        if round % 50 == 0 {
            forgotten.push(child); // the caller never ends this one
        } else {
            MySpan::end(child);
        }
    }
    stop.store(true, Ordering::Relaxed);
    snapshots.join().unwrap();
    shutdown();
    std::mem::forget(forgotten); // as a host that leaks handles would
    let exported = EXPORTED.lock().unwrap().clone();
    assert_eq!(exported.len(), 600, "every span exported once");
    for round in 0..300 {
        let want_child = if round % 50 == 0 {
            format!("child-{} (never ended)", round)
        } else {
            format!("child-{}", round)
        };
        for want in [format!("parent-{}", round), want_child] {
            assert_eq!(
                exported.iter().filter(|e| **e == want).count(),
                1,
                "{}",
                want
            );
        }
    }
    assert!(spans().is_empty());
}

#[test]
fn finding_3_the_readme_contains_the_tested_pattern_verbatim() {
    let readme = include_str!("../README.md");
    let pattern = include_str!("readme/pattern.rs");
    assert!(
        readme.contains(pattern.trim_end()),
        "README.md must show tests/readme/pattern.rs verbatim"
    );
}

/// Finding 3: ending works inside a loop over a snapshot (what `for_each`
/// and `retain` were), whose clones make the value come back shared; and a
/// guard `take` after a drain ended its entry comes back spent.
#[test]
fn finding_3_take_works_inside_snapshot_loops_and_a_guard_ended_elsewhere_comes_back_spent() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    for n in 0..4 {
        reg.try_register(val(n)).unwrap();
    }
    let mut ended = Vec::new();
    for (key, _value) in reg.snapshot() {
        ended.push(reg.take(key).unwrap().with(|v| *v));
    }
    ended.sort_unstable();
    assert_eq!(ended, [0, 1, 2, 3]);
    reg.try_register(val(9)).unwrap();
    let mut removed = 0;
    for (key, value) in reg.snapshot() {
        // The retain idiom: end what is not kept. The loop holds a clone.
        if *value.lock().unwrap() == 9 {
            assert!(matches!(reg.take(key), Ok(Taken::Shared(_))));
            removed += 1;
        }
    }
    assert_eq!((removed, reg.len()), (1, 0), "taken inside, nothing left");

    let guard = reg.register(val(5));
    drop(reg.drain()); // what `clear` was
    let back = guard.take().unwrap_err();
    assert_eq!(back.error(), Error::NotFound);
    let back = back.into_value();
    let newcomer = reg.try_register(val(6)).unwrap();
    assert_eq!(back.with(|v| *v), None);
    drop(back);
    assert!(reg.contains(newcomer));
}

/// Finding 4: `0` names nothing, ever.
#[test]
fn finding_4_zero_is_not_a_sentinel_anyone_can_fill() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::with_limit(1);
    let refused = reg.try_insert(0, val(1)).unwrap_err();
    assert_eq!(refused.error(), Error::InvalidId);
    assert_eq!(
        *reg.insert(0, val(2)).unwrap().lock().unwrap(),
        2,
        "handed back"
    );
    reg.insert(7, val(3));
    // Refused at the limit: no key at all (it used to be reported as `0`);
    // the guard keeps the value instead.
    let refused = reg.register(val(4));
    assert_eq!(refused.refusal(), Some(Error::Full { limit: 1 }));
    assert_eq!((refused.key(), refused.wide_key()), (None, None));
    assert_eq!(refused.with(|v| *v), Some(4));
    drop(refused);
    assert!(reg.get(0).is_none() && reg.remove(0).is_none());
    assert_eq!(reg.take(Key::from_raw(0)).unwrap_err(), Error::NotFound);
    assert!(reg.wide_key(Key::from_raw(0)).is_none());
    assert_eq!(*reg.get(7).unwrap().lock().unwrap(), 3);
}

/// Finding 5: issued keys are never below 2^16, so handle numbers given to
/// `insert` never meet them.
#[test]
fn finding_5_issued_keys_never_look_like_handle_numbers() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    let issued: Vec<u32> = (0..1000)
        .map(|n| reg.try_register(val(n)).unwrap().into_raw())
        .collect();
    assert!(issued.iter().all(|&k| k >= 1 << 16));
    for handle in 1..=16 {
        assert!(
            reg.insert(handle, val(100 + handle)).is_none(),
            "replaced an issued entry"
        );
    }
    for (n, &k) in issued.iter().enumerate() {
        assert_eq!(*reg.get(k).unwrap().lock().unwrap(), n as u32);
    }
    assert_eq!(reg.len(), 1016);
}

/// Finding 6: caller ids cannot take issued keys' room or shorten their bound.
#[test]
fn finding_6_caller_ids_neither_block_allocation_nor_shorten_bounds() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    for id in 1..=MAX_CALLER_ID {
        assert!(reg.try_insert(id, val(id)).unwrap().is_none());
    }
    // Every issued id a caller might try to claim in advance is refused.
    for raw in [1u32 << 16, 1 << 20, (1 << 20) + 1, u32::MAX] {
        assert_eq!(
            reg.try_insert(raw, val(0)).unwrap_err().error(),
            Error::InvalidId
        );
    }
    let keys: Vec<Key<u32>> = (0..100_000)
        .map(|n| reg.try_register(val(n)).unwrap())
        .collect();
    assert_eq!(reg.len(), MAX_CALLER_ID as usize + 100_000);
    for key in keys {
        assert!(reg.remove(key).is_some());
    }
    // And the issued keys still have all their room.
    let more: Vec<Key<u32>> = (0..MAX_ISSUED as u32 / 8)
        .map(|n| reg.try_register(val(n)).unwrap())
        .collect();
    assert_eq!(more.len(), MAX_ISSUED / 8);
}

/// Finding 7: `stats()` is one cut, and refusals leave no trace.
#[test]
fn finding_7_stats_is_one_consistent_cut() {
    let reg: Arc<ResourceRegistry<u32>> = Arc::new(ResourceRegistry::with_limit(64));
    let stop = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(Barrier::new(3));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (reg, stop, barrier) = (reg.clone(), stop.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                let mut mine = Vec::new();
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    if let Ok(key) = reg.try_register(val(n)) {
                        mine.push(key);
                    }
                    if n % 3 == 0 || mine.len() > 40 {
                        if let Some(key) = mine.pop() {
                            reg.take(key).unwrap();
                        }
                    }
                }
            })
        })
        .collect();
    barrier.wait();
    for _ in 0..20_000 {
        let s = reg.stats();
        assert_eq!(s.live as u64, s.registered - s.removed, "{:?}", s);
        assert!(s.live <= s.high_water && s.high_water <= 64, "{:?}", s);
        assert_eq!(s.clock, s.registered, "{:?}", s);
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }

    // Refusals: full (by key, by guard, for a child, for a caller id),
    // invalid id, stale parent.
    let reg: ResourceRegistry<u32> = ResourceRegistry::with_limit(1);
    let gone = reg.try_register(val(0)).unwrap();
    let gone = (gone, reg.wide_key(gone).unwrap());
    drop(reg.take(gone.0).unwrap());
    let only = reg.try_register(val(0)).unwrap();
    let before = reg.stats();
    assert!(reg.try_register(val(1)).is_err());
    assert_eq!(
        reg.register(val(5)).refusal(),
        Some(Error::Full { limit: 1 })
    );
    assert!(reg.register_child(only, val(2)).refusal().is_some());
    assert!(reg.try_insert(9, val(3)).is_err());
    assert!(reg.try_insert(0, val(4)).is_err());
    let stale = reg.register_child(gone.1, val(6));
    assert_eq!(stale.refusal(), Some(Error::NotFound));
    drop(stale);
    let after = reg.stats();
    assert_eq!(
        (
            after.live,
            after.high_water,
            after.clock,
            after.registered,
            reg.len()
        ),
        (
            before.live,
            before.high_water,
            before.clock,
            before.registered,
            1
        )
    );
    assert_eq!(
        after.rejected,
        before.rejected + 4,
        "only the refusals for room count"
    );

    // Replacing a value keeps the entry's age in the leak report. Only a
    // caller-chosen id's value can be replaced; refusing an issued key's
    // number (1.0: `insert` under it used to replace) moves nothing either.
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    let a = Key::from_raw(5);
    assert!(reg.insert(a.into_raw(), val(1)).is_none());
    let b = reg.try_register(val(2)).unwrap();
    assert_eq!(
        *reg.insert(a.into_raw(), val(3)).unwrap().lock().unwrap(),
        1
    );
    let refused = reg.try_insert(b.into_raw(), val(4)).unwrap_err();
    assert_eq!(refused.error(), Error::InvalidId);
    assert_eq!(*reg.get(b).unwrap().lock().unwrap(), 2);
    let report = reg.leak_report();
    assert_eq!(
        report.entries.iter().map(|l| l.key).collect::<Vec<_>>(),
        [a, b]
    );
    // Natively a thread carries its clock from registry to registry (so that
    // its entries stay in order across shards): ticks need not start at 0.
    let born = report.entries[0].born;
    assert_eq!((report.entries[1].born, report.now), (born + 1, born + 2));
}
