//! The table on its own, as every target runs it: the queue, the threshold,
//! the limit, the counters, the keys.

use std::sync::{Arc, Mutex};

use super::*;
use crate::key::{stamp, wide, GROUP_BITS, SHARDS};

fn val(v: u32) -> Value<u32> {
    Arc::new(Mutex::new(v))
}

fn cap(limit: usize) -> AtomicUsize {
    AtomicUsize::new(limit)
}

fn register(t: &mut Table<u32>, v: u32) -> u32 {
    t.insert(0, val(v), 0, None).ok().unwrap().key
}

fn value(t: &Table<u32>, raw: u32) -> Option<u32> {
    t.get(raw).map(|v| *v.lock().unwrap())
}

/// The queue, head first, as slot indices.
fn queue(t: &Table<u32>) -> Vec<u32> {
    let mut out = Vec::new();
    let mut link = t.head;
    while link != 0 {
        out.push(link - 1);
        if link == t.tail {
            break;
        }
        link = t.slots[link as usize - 1].born as u32;
    }
    out
}

#[test]
fn a_vacated_slot_waits_behind_the_quarantine() {
    let mut t = Table::new();
    let first = register(&mut t, 0);
    t.remove(first).unwrap();
    // One entry at a time: new slots until QUARANTINE + 1 wait, then the
    // oldest comes back, under its next tag.
    for n in 1..=QUARANTINE as u32 {
        let k = register(&mut t, n);
        assert_ne!(slot_index(k), slot_index(first), "slot reused too early");
        t.remove(k).unwrap();
    }
    let again = register(&mut t, 99);
    assert_eq!(slot_index(again), slot_index(first));
    assert_ne!(again, first);
    assert_eq!(value(&t, first), None);
    assert_eq!(value(&t, again), Some(99));
    assert_eq!(t.counters.registered(), QUARANTINE as u64 + 2);
    assert_eq!(t.slots.len(), QUARANTINE + 1);
}

#[test]
fn the_fast_path_stops_at_the_limit_and_the_high_water_mark() {
    let limit = cap(3);
    let mut t = Table::new();
    for n in 0..3 {
        assert!(t.insert(0, val(n), 0, Some(&limit)).is_ok());
    }
    let (error, back) = t.insert(0, val(9), 0, Some(&limit)).unwrap_err();
    assert_eq!(
        (error, *back.lock().unwrap()),
        (Error::Full { limit: 3 }, 9)
    );
    assert_eq!(
        (t.counters.live, t.counters.high_water, t.counters.rejected),
        (3, 3, 1)
    );
    // Churn far below the old mark reuses slots on the fast path and never
    // moves the mark; going above it again is counted.
    let keys: Vec<u32> = t.slots.iter().map(|s| s.key).collect();
    for key in keys {
        t.remove(key).unwrap();
    }
    t.set_cap(UNBOUNDED);
    for n in 0..2000 {
        let k = t.insert(0, val(n), 0, None).ok().unwrap().key;
        t.remove(k).unwrap();
    }
    assert_eq!(t.counters.high_water, 3);
    let held: Vec<u32> = (0..5).map(|n| register(&mut t, n)).collect();
    assert_eq!((t.counters.live, t.counters.high_water), (5, 5));
    assert_eq!(held.len(), 5);
}

#[test]
fn a_full_table_is_exhausted_and_keeps_the_value() {
    let mut t = Table::new();
    for n in 0..SLOTS_PER_SHARD - QUARANTINE {
        register(&mut t, n as u32);
    }
    let (error, back) = t.insert(0, val(7), 0, None).unwrap_err();
    assert_eq!((error, *back.lock().unwrap()), (Error::Exhausted, 7));
    assert_eq!(t.counters.rejected, 0, "the registry counts it, once");
}

#[test]
fn keys_guards_and_wide_keys_name_one_entry_only() {
    let mut t = Table::new();
    let k = register(&mut t, 1);
    let born = t.slots[0].born;
    let w = wide(k, stamp(k, t.slots[0].wraps, born));
    assert_eq!(t.find(Id::Wide(w)), Some(Loc::Slot(0)));
    assert_eq!(t.find(Id::Exact(0, born)), Some(Loc::Slot(0)));
    t.remove(k).unwrap();
    for id in [Id::Raw(k), Id::Wide(w), Id::Exact(0, born)] {
        assert_eq!(t.locate(id), None);
    }
    assert_eq!(t.counters.stale_lookups, 3);
    assert_eq!(t.locate(Id::Raw(12345)), None, "a caller id never inserted");
    assert_eq!(t.counters.unknown_lookups, 1);
}

#[test]
fn births_follow_the_clock_and_the_floor() {
    let mut t = Table::new();
    let a = t.insert(0, val(0), 0, None).ok().unwrap().born;
    let b = t
        .insert(0, val(1), 40 << GROUP_BITS, None)
        .ok()
        .unwrap()
        .born;
    let c = t.insert(0, val(2), 0, None).ok().unwrap().born;
    assert_eq!((a, b, c), (0, 40 << GROUP_BITS, 41 << GROUP_BITS));
    assert_eq!(
        t.counters.registered(),
        3,
        "registrations, whatever the ticks"
    );
}

#[test]
fn drain_queues_its_slots_behind_those_already_waiting() {
    let mut t = Table::new();
    let keys: Vec<u32> = (0..4).map(|n| register(&mut t, n)).collect();
    t.remove(keys[2]).unwrap();
    let out = t.drain_into(Vec::new(), |k, v, _| (k, v));
    assert_eq!(out.len(), 3);
    assert_eq!(queue(&t), [2, 0, 1, 3]);
    assert!(keys.iter().all(|&k| value(&t, k).is_none()));
    assert_eq!(t.counters.live, 0);
    // Drained again when already empty: nothing moves.
    let out = t.drain_into(out, |k, v, _| (k, v));
    assert_eq!((out.len(), queue(&t)), (3, vec![2, 0, 1, 3]));
    // And a named entry drains too.
    t.insert_named(77, val(5), 0, None).unwrap();
    let out = t.drain_into(Vec::new(), |k, v, _| (k, v));
    assert_eq!(out.len(), 1);
    assert_eq!(t.counters.live, 0);
}

#[test]
fn the_threshold_counts_named_entries_as_not_in_slots() {
    // Named entries hold no slot: with them alive, slot reuse must still wait
    // for more than QUARANTINE vacant slots.
    let mut t = Table::new();
    for raw in 1..=100 {
        t.insert_named(raw, val(raw), 0, None).unwrap();
    }
    let first = register(&mut t, 0);
    t.remove(first).unwrap();
    for n in 1..=QUARANTINE as u32 {
        let k = register(&mut t, n);
        assert_ne!(slot_index(k), slot_index(first), "slot reused too early");
        t.remove(k).unwrap();
    }
    assert_eq!(slot_index(register(&mut t, 1)), slot_index(first));
}

#[test]
fn slot_ids_carry_the_shard() {
    let mut t = Table::new();
    let k = t.insert(SHARDS - 1, val(0), 0, None).ok().unwrap().key;
    assert_eq!(crate::key::shard_of(k), SHARDS - 1);
}
