//! Forged and stale ids: random `u32`s never panic and never find an entry
//! they do not name, and removed keys stay dead under churn. The exact reuse
//! bound is pinned in `identity.rs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Error, Key, ResourceRegistry};

fn val(v: u32) -> Arc<Mutex<u32>> {
    Arc::new(Mutex::new(v))
}

#[test]
fn a_million_forged_ids_against_ten_thousand_live_entries() {
    let reg = ResourceRegistry::new();
    let live: HashMap<u32, u32> = (0..10_000u32)
        .map(|v| (reg.try_register(val(v)).unwrap().into_raw(), v))
        .collect();
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
            // Ending needs a typed key: a forged number has to say so.
            assert_eq!(reg.take(Key::from_raw(id)).unwrap_err(), Error::NotFound);
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
fn stale_keys_never_resolve_to_a_newer_entry_under_churn() {
    let reg = ResourceRegistry::new();
    // Many slots, each reused many times (64,000 registrations, far below
    // KEY_REISSUE_BOUND): no removed key may find anything.
    let mut stale: Vec<Key<u32>> = Vec::new();
    let mut keys: Vec<Key<u32>> = (0..64).map(|v| reg.try_register(val(v)).unwrap()).collect();
    for round in 0..1_000u32 {
        for key in keys.iter_mut() {
            assert!(reg.remove(*key).is_some());
            stale.push(*key);
            *key = reg.try_register(val(round)).unwrap();
        }
        if round % 100 == 0 {
            for &old in &stale {
                assert!(
                    reg.get(old).is_none(),
                    "stale key {} resolved in round {}",
                    old,
                    round
                );
            }
        }
    }
    assert_eq!(reg.len(), 64);
}
