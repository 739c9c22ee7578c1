//! Forged and stale ids: random `u32`s never panic and never find an entry
//! they do not name; a removed key stays dead until its slot has been reused
//! `GENERATION_WRAP` times, and the test pins that bound exactly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Error, Key, ResourceRegistry, GENERATION_WRAP};

fn val(v: u32) -> Arc<Mutex<u32>> {
    Arc::new(Mutex::new(v))
}

#[test]
fn a_million_forged_ids_against_ten_thousand_live_entries() {
    let reg = ResourceRegistry::new();
    let live: HashMap<u32, u32> = (0..10_000u32).map(|v| (reg.register(val(v)), v)).collect();
    assert_eq!(live.len(), 10_000);
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let (mut hits, mut misses) = (0u32, 0u32);
    for _ in 0..1_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let id = x as u32;
        // Every lookup agrees with the map of live ids: a forged id either is
        // a live key (and finds exactly that entry) or finds nothing.
        match (reg.get(id), live.get(&id)) {
            (Some(found), Some(&v)) => {
                assert_eq!(*found.lock().unwrap(), v);
                hits += 1;
            }
            (None, None) => misses += 1,
            (got, want) => panic!("id {:#x}: got {:?}, want {:?}", id, got.map(|_| ()), want),
        }
        assert_eq!(
            reg.contains(Key::<u32>::from_raw(id)),
            live.contains_key(&id)
        );
        if !live.contains_key(&id) {
            assert_eq!(reg.take(id), Err(Error::NotFound));
            assert!(reg.remove(id).is_none());
        }
    }
    assert_eq!(hits + misses, 1_000_000);
    assert_eq!(reg.len(), 10_000, "forged ids removed nothing");
    let s = reg.stats();
    // get, take and remove each count a miss; contains does not.
    assert_eq!(s.stale_lookups + s.unknown_lookups, 3 * misses as u64);
}

#[test]
fn stale_keys_never_resolve_to_a_newer_entry_before_the_wrap() {
    let reg = ResourceRegistry::new();
    // Many slots, each reused many times: no removed key may find anything
    // while its slot has been reused fewer than GENERATION_WRAP times.
    let mut stale: Vec<u32> = Vec::new();
    let mut keys: Vec<u32> = (0..64).map(|v| reg.register(val(v))).collect();
    for round in 0..1_000u32 {
        for key in keys.iter_mut() {
            assert!(reg.remove(*key).is_some());
            stale.push(*key);
            *key = reg.register(val(round));
        }
        if round % 100 == 0 {
            for &old in &stale {
                assert!(
                    reg.get(old).is_none(),
                    "stale key {:#x} resolved in round {}",
                    old,
                    round
                );
            }
        }
    }
    assert_eq!(reg.len(), 64);
}

#[test]
fn the_wrap_bound_is_exactly_generation_wrap_reuses() {
    let reg = ResourceRegistry::new();
    let first = reg.register(val(0));
    assert!(reg.remove(first).is_some());
    // With one entry alive at a time, every slot is vacated and reused in
    // turn (a thread rotates over a few shards); count the reuses of the
    // first key's slot (its low 20 bits) until it comes back.
    let slot_of = |key: u32| key & ((1 << (32 - wit_resource_registry::GENERATION_BITS)) - 1);
    let mut reuses = 0;
    let wrapped = loop {
        let key = reg.register(val(reuses));
        if slot_of(key) == slot_of(first) {
            reuses += 1;
            if key == first {
                break key;
            }
        }
        assert!(
            reg.get(first).is_none(),
            "the removed key resolved after {} reuses",
            reuses
        );
        assert!(reg.remove(key).is_some());
    };
    assert_eq!(
        reuses, GENERATION_WRAP,
        "the key came back after {} reuses of its slot",
        reuses
    );
    assert!(reg.get(wrapped).is_some());
}
