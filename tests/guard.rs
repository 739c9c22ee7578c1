//! The 1.0 guard: a registration that never fails (a refused value is kept,
//! not dropped), a `take` refused for children that leaves the guard armed,
//! one answer for every way of ending an entry, and children registered
//! through guards, also on an `Arc`'d registry.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use wit_resource_registry::{
    Error, Key, OwnedRegistration, Registration, Rejected, ResourceRegistry, Taken, WideKey,
};

/// A value that counts its drops, so a test can tell who dropped it and
/// that nothing dropped it twice.
struct Counted {
    n: u32,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn counted(n: u32, drops: &Arc<AtomicUsize>) -> Arc<Mutex<Counted>> {
    Arc::new(Mutex::new(Counted {
        n,
        drops: drops.clone(),
    }))
}

fn dropped(drops: &Arc<AtomicUsize>) -> usize {
    drops.load(Ordering::SeqCst)
}

fn val(v: u32) -> Arc<Mutex<u32>> {
    Arc::new(Mutex::new(v))
}

// ----- 1. a refused registration is kept by its guard ----------------------

#[test]
fn a_registration_refused_at_the_limit_is_kept_by_its_guard() {
    let drops = Arc::new(AtomicUsize::new(0));
    let reg: ResourceRegistry<Counted> = ResourceRegistry::with_limit(1);
    let only = reg.try_register(counted(0, &drops)).unwrap();
    let before = reg.stats();

    let value = counted(1, &drops);
    let kept = reg.register(Arc::clone(&value));
    assert_eq!(kept.refusal(), Some(Error::Full { limit: 1 }));
    assert_eq!((kept.key(), kept.wide_key()), (None, None));
    assert_eq!(Arc::strong_count(&value), 2, "the guard holds the value");
    assert_eq!(dropped(&drops), 0, "the crate dropped nothing");
    // `with` reaches the kept value, and changes stick.
    assert_eq!(kept.with(|c| c.n), Some(1));
    assert_eq!(kept.with(|c| c.n += 10), Some(()));
    assert_eq!(value.lock().unwrap().n, 11);
    // Counted once, as a refusal for room, and nowhere else.
    let s = reg.stats();
    assert_eq!(s.rejected, before.rejected + 1);
    assert_eq!(
        (s.live, s.registered, s.removed, s.clock, reg.len()),
        (
            before.live,
            before.registered,
            before.removed,
            before.clock,
            1
        )
    );
    assert_eq!(reg.leak_report().entries.len(), 1, "not listed as a leak");
    // `take` hands it back like any ended entry: shared while we hold a
    // clone, owned once we do not.
    let taken = kept.take().unwrap();
    assert!(matches!(taken, Taken::Shared(_)));
    drop(value);
    let inner = taken.into_inner().ok().expect("the last reference");
    assert_eq!((inner.n, dropped(&drops)), (11, 0));
    drop(inner);
    assert_eq!(dropped(&drops), 1, "dropped by us, once");

    // Without a clone elsewhere, `take` hands back the owned value.
    let kept = reg.register(counted(2, &drops));
    match kept.take() {
        Ok(Taken::Owned(inner)) => assert_eq!(inner.n, 2),
        other => panic!("expected the owned value, got {:?}", other.map(|_| ())),
    }
    assert_eq!(dropped(&drops), 2);

    // `into_key` hands the refused value back with the reason.
    let value = counted(3, &drops);
    let refused = reg.register(Arc::clone(&value)).into_key().unwrap_err();
    assert_eq!(refused.error(), Error::Full { limit: 1 });
    let back = refused.into_value();
    assert!(Arc::ptr_eq(&back, &value), "the very value handed in");
    assert_eq!((Arc::strong_count(&value), dropped(&drops)), (2, 2));
    drop((back, value));
    assert_eq!(dropped(&drops), 3);

    // Dropping a guard that kept its value drops that value, once; the
    // registered entry is untouched by all of it.
    let kept = reg.register(counted(4, &drops));
    drop(kept);
    assert_eq!(dropped(&drops), 4);
    let s = reg.stats();
    assert_eq!(s.rejected, before.rejected + 4, "each refusal counted once");
    assert_eq!((s.live, s.registered), (1, before.registered));
    assert_eq!(reg.get(only).unwrap().lock().unwrap().n, 0);
}

#[test]
fn a_kept_value_is_ended_the_same_way_as_a_registered_one() {
    // The one `end` a WIT resource needs, whichever way its constructor went.
    fn end(entry: Registration<'_, String>) -> Option<String> {
        entry
            .take()
            .ok()
            .map(|mut span| span.with(|name| name.clone()))
    }
    let reg: ResourceRegistry<String> = ResourceRegistry::with_limit(1);
    let a = reg.register(Arc::new(Mutex::new("a".to_string())));
    let b = reg.register(Arc::new(Mutex::new("b".to_string())));
    assert_eq!(
        (a.refusal(), b.refusal()),
        (None, Some(Error::Full { limit: 1 }))
    );
    assert_eq!((end(a), end(b)), (Some("a".into()), Some("b".into())));
    assert!(reg.is_empty());
    assert_eq!(reg.stats().rejected, 1);
}

// ----- 2. a take refused for children leaves the guard armed -----------------

#[test]
fn a_guard_take_refused_for_children_stays_armed_and_ends_the_parent_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let reg: ResourceRegistry<Counted> = ResourceRegistry::new();
    let parent = reg.register(counted(1, &drops));
    let key = parent.key().unwrap();
    let child = reg.register_child(key, counted(2, &drops));

    let back: Rejected<Registration<'_, Counted>> = parent.take().unwrap_err();
    assert_eq!(back.error(), Error::HasChildren);
    let parent = back.into_value();
    // Still armed: the entry is registered, the guard still reaches it.
    assert_eq!(parent.key(), Some(key));
    assert_eq!(parent.refusal(), None);
    assert!(reg.contains(key));
    assert_eq!(parent.with(|c| c.n), Some(1));
    assert_eq!(reg.children(key), [child.key().unwrap()]);
    assert_eq!((reg.len(), dropped(&drops)), (2, 0));

    // End the child, then the returned guard ends the parent: exactly once.
    assert_eq!(child.take().unwrap().with(|c| c.n), 2);
    let mut ended = parent.take().unwrap();
    assert!(matches!(ended, Taken::Owned(_)));
    assert_eq!(ended.with(|c| c.n), 1);
    drop(ended);
    assert!(reg.is_empty());
    assert_eq!(reg.take(key).unwrap_err(), Error::NotFound);
    assert_eq!(dropped(&drops), 2, "each value dropped once");
    let s = reg.stats();
    assert_eq!((s.registered, s.removed), (2, 2));
}

#[test]
fn dropping_the_armed_guard_a_refused_take_returns_removes_the_entry_and_orphans_its_children() {
    let drops = Arc::new(AtomicUsize::new(0));
    let reg: ResourceRegistry<Counted> = ResourceRegistry::new();
    let parent = reg.register(counted(1, &drops));
    let key = parent.key().unwrap();
    let a = reg.register_child(key, counted(2, &drops));
    let b = reg.register_child(key, counted(3, &drops));
    let (a_key, b_key) = (a.key().unwrap(), b.key().unwrap());
    assert_eq!(reg.children(key), [a_key, b_key]);

    let back = parent.take().unwrap_err();
    assert_eq!(back.error(), Error::HasChildren);
    drop(back); // the armed guard inside it removes the entry
    assert!(!reg.contains(key));
    assert_eq!(dropped(&drops), 1, "the parent's value dropped, once");
    // The children stay, as roots.
    assert_eq!((reg.parent(a_key), reg.parent(b_key)), (None, None));
    assert!(reg.children(key).is_empty());
    assert_eq!(reg.len(), 2);
    assert_eq!(reg.take(key).unwrap_err(), Error::NotFound);
    // No parent refuses their ends any more.
    assert_eq!(a.take().unwrap().with(|c| c.n), 2);
    assert_eq!(reg.take(b_key).unwrap().with(|c| c.n), 3);
    drop(b); // its entry was ended by key: its guard removes nothing
    assert!(reg.is_empty());
    assert_eq!(dropped(&drops), 3);
    assert_eq!(reg.stats().removed, 3);
}

// ----- 3. every way of ending answers the same way ---------------------------

/// The ways an entry with a guard can be ended.
#[derive(Clone, Copy, Debug)]
enum End {
    Take,
    TakeWide,
    TakeTree,
    TakeTreeWide,
    Guard,
    Drain,
    Remove,
}

const ENDS: [End; 7] = [
    End::Take,
    End::TakeWide,
    End::TakeTree,
    End::TakeTreeWide,
    End::Guard,
    End::Drain,
    End::Remove,
];

/// What `take_tree` hands back.
type Tree = Vec<(Key<u32>, Taken<u32>)>;

/// Ends the entry `key` (`wide`) by `how`: its value if this ended it, or
/// the error; `None` for `End::Guard` once the guard is gone. The guard comes
/// back unless `how` consumed it.
fn end<'r>(
    reg: &'r ResourceRegistry<u32>,
    guard: Option<Registration<'r, u32>>,
    (key, wide): (Key<u32>, WideKey<u32>),
    how: End,
) -> (Option<Result<u32, Error>>, Option<Registration<'r, u32>>) {
    let read = |mut t: Taken<u32>| t.with(|v| *v);
    let tree = |tree: Tree| {
        assert_eq!(tree.len(), 1, "a childless entry's tree is itself");
        let (k, t) = tree.into_iter().next().unwrap();
        assert_eq!(k, key);
        read(t)
    };
    let got = match how {
        End::Take => {
            let r: Result<Taken<u32>, Error> = reg.take(key);
            r.map(read)
        }
        End::TakeWide => reg.take(wide).map(read),
        End::TakeTree => {
            let r: Result<Tree, Error> = reg.take_tree(key);
            r.map(tree)
        }
        End::TakeTreeWide => reg.take_tree(wide).map(tree),
        End::Guard => {
            let guard = match guard {
                Some(guard) => guard,
                None => return (None, None),
            };
            let r: Result<Taken<u32>, Rejected<Registration<'r, u32>>> = guard.take();
            let r = r.map(read).map_err(|back| {
                let error = back.error();
                let spent = back.into_value();
                assert_eq!(spent.with(|v| *v), None, "a spent guard comes back");
                error
            });
            return (Some(r), None);
        }
        End::Drain => {
            let mut mine = reg.drain().filter(|(k, _)| *k == key).map(|(_, t)| read(t));
            let r = mine.next().ok_or(Error::NotFound);
            assert!(mine.next().is_none());
            r
        }
        End::Remove => {
            let r = reg.remove(key).map(|v| *v.lock().unwrap());
            r.ok_or(Error::NotFound)
        }
    };
    (Some(got), guard)
}

#[test]
fn every_way_of_ending_answers_the_same_way_and_a_second_end_finds_nothing() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    for first in ENDS {
        for second in ENDS {
            let ctx = format!("{:?} then {:?}", first, second);
            let guard = reg.register(val(7));
            let ids = (guard.key().unwrap(), guard.wide_key().unwrap());
            let bystander = reg.try_register(val(8)).unwrap();

            // The first end, by any route, ends it and hands its value back.
            let (got, guard) = end(&reg, Some(guard), ids, first);
            assert_eq!(got, Some(Ok(7)), "{}", ctx);
            assert!(!reg.contains(ids.0), "{}", ctx);

            // The second, by any route, finds nothing: `NotFound` (a guard
            // `take` hands the spent guard back with it). Only when the
            // first end consumed the guard is there no guard to try.
            let (again, guard) = end(&reg, guard, ids, second);
            match again {
                Some(again) => assert_eq!(again, Err(Error::NotFound), "{}", ctx),
                None => assert!(matches!((first, second), (End::Guard, End::Guard))),
            }
            // Dropping whatever guard is left removes nothing: the
            // bystander is ended only by a drain.
            drop(guard);
            let drained = matches!(first, End::Drain) || matches!(second, End::Drain);
            assert_eq!(reg.contains(bystander), !drained, "{}", ctx);
            drop(reg.drain());
        }
    }
    let s = reg.stats();
    assert_eq!((s.registered, s.removed), (2 * 49, 2 * 49));
}

#[test]
fn the_ways_of_ending_agree_on_children_too() {
    let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    let parent = reg.register(val(1));
    let key = parent.key().unwrap();
    let wide = parent.wide_key().unwrap();
    let child = reg.register_child(key, val(2)).into_key().unwrap();
    // `take` by key, by wide key and by guard refuse alike, and change
    // nothing.
    assert_eq!(reg.take(key).unwrap_err(), Error::HasChildren);
    assert_eq!(reg.take(wide).unwrap_err(), Error::HasChildren);
    let parent = match parent.take() {
        Err(back) if back.error() == Error::HasChildren => back.into_value(),
        other => panic!("{:?}", other.map(|_| ())),
    };
    assert_eq!((reg.len(), reg.stats().removed), (2, 0));
    // `take_tree` never refuses: it ends both, children first.
    let tree: Vec<(Key<u32>, u32)> = reg
        .take_tree(key)
        .unwrap()
        .into_iter()
        .map(|(k, mut t)| (k, t.with(|v| *v)))
        .collect();
    assert_eq!(tree, [(child, 2), (key, 1)]);
    // Then every route answers NotFound, the guard's included.
    assert_eq!(reg.take(key).unwrap_err(), Error::NotFound);
    assert_eq!(reg.take(child).unwrap_err(), Error::NotFound);
    assert_eq!(reg.take_tree(wide).unwrap_err(), Error::NotFound);
    assert_eq!(parent.take().unwrap_err().error(), Error::NotFound);
    assert!(reg.is_empty());
}

// ----- 4. children through guards ---------------------------------------------

#[test]
fn register_child_owned_relates_parent_and_child_on_an_arc_registry() {
    let reg: Arc<ResourceRegistry<String>> = Arc::new(ResourceRegistry::new());
    let provider: OwnedRegistration<String> =
        reg.register_owned(Arc::new(Mutex::new("provider".into())));
    let parent = provider.key().unwrap();
    let span = reg.register_child_owned(parent, Arc::new(Mutex::new("span".into())));
    let span_key = span.key().unwrap();
    assert_eq!(span.refusal(), None);
    assert_eq!(reg.parent(span_key), Some(parent));
    assert_eq!(reg.children(parent), [span_key]);
    // A wide key names the parent as well.
    let wide = provider.wide_key().unwrap();
    let event = reg.register_child_owned(wide, Arc::new(Mutex::new("event".into())));
    assert_eq!(reg.parent(event.key().unwrap()), Some(parent));
    assert_eq!(reg.children(parent), [span_key, event.key().unwrap()]);

    // An owned guard has no lifetime: it ends on another thread.
    let ended = thread::spawn(move || span.take().unwrap().with(|s| s.clone()));
    assert_eq!(ended.join().unwrap(), "span");
    drop(event);
    assert!(reg.children(parent).is_empty());
    assert_eq!(provider.take().unwrap().with(|s| s.clone()), "provider");
    assert!(reg.is_empty());

    // A parent that is gone: kept, refused with NotFound, on this form too.
    let orphan = reg.register_child_owned(parent, Arc::new(Mutex::new("late".into())));
    assert_eq!(
        (orphan.refusal(), orphan.key()),
        (Some(Error::NotFound), None)
    );
    assert_eq!(orphan.with(|s| s.clone()).as_deref(), Some("late"));
    drop(orphan);
    assert!(reg.is_empty());
}

#[test]
fn register_child_with_a_dead_parent_keeps_the_value_refused_with_not_found() {
    let drops = Arc::new(AtomicUsize::new(0));
    let reg: ResourceRegistry<Counted> = ResourceRegistry::new();
    let parent = reg.try_register(counted(0, &drops)).unwrap();
    let wide = reg.wide_key(parent).unwrap();
    drop(reg.take(parent).unwrap());
    assert_eq!(dropped(&drops), 1);
    let before = reg.stats();

    for dead in [parent, Key::from_raw(0), Key::from_raw(12345)] {
        let value = counted(1, &drops);
        let child = reg.register_child(dead, Arc::clone(&value));
        assert_eq!(child.refusal(), Some(Error::NotFound));
        assert_eq!((child.key(), child.wide_key()), (None, None));
        assert_eq!(child.with(|c| c.n), Some(1), "kept");
        assert_eq!(Arc::strong_count(&value), 2);
        let mut taken = child.take().unwrap();
        assert_eq!(taken.with(|c| c.n), 1);
        drop((taken, value));
    }
    assert_eq!(dropped(&drops), 4, "each dropped once, by us");
    // The stale wide key, and `into_key`, say the same.
    let refused = reg
        .register_child(wide, counted(2, &drops))
        .into_key()
        .unwrap_err();
    assert_eq!(refused.error(), Error::NotFound);
    assert_eq!(refused.into_value().lock().unwrap().n, 2);
    assert_eq!(dropped(&drops), 5);
    // A missing parent is not a refusal for room: nothing counted or added.
    let after = reg.stats();
    assert_eq!(
        (after.live, after.registered, after.rejected, after.clock),
        (
            before.live,
            before.registered,
            before.rejected,
            before.clock
        )
    );
}
