//! Key layout: tags, wide stamps, conversions.

use super::typed::{Raw, SEAL};
use super::*;

#[test]
fn tags_skip_zero_and_come_back_after_4095_fills() {
    let first = next_tag(slot_id(SHARDS - 1, 5), &mut Wraps::default());
    let mut key = first;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..NARROW_TAGS {
        assert!(key >= ISSUED_FROM, "tag 0 issued");
        assert_eq!(slot_index(key), 5);
        assert_eq!(shard_of(key), SHARDS - 1);
        assert!(seen.insert(key));
        key = next_tag(key, &mut Wraps::default());
    }
    assert_eq!(key, first);
    assert_eq!(KEY_REISSUE_BOUND, 4_196_351);
}

#[test]
fn both_wide_stamps_tell_every_fill_of_a_slot_apart() {
    // The count of fills, as 64-bit targets keep it: one more per fill,
    // the tag's wraps carried above it.
    let mut key = next_tag(slot_id(0, 9), &mut 0);
    let mut wraps = 0u32;
    let mut last = fills(key, wraps);
    for _ in 0..3 * NARROW_TAGS {
        let mut w = wraps;
        key = next_tag(key, &mut w);
        #[cfg(target_pointer_width = "64")]
        assert_eq!(w, wraps + u32::from(key >> SLOT_ID_BITS == 1));
        wraps += u32::from(key >> SLOT_ID_BITS == 1);
        let now = fills(key, wraps);
        assert!(now > last, "{} after {}", now, last);
        last = now;
    }
    assert_eq!(wraps, 3);
    // The birth tick, as 32-bit targets use it: the group bits aside.
    assert_eq!(ticks(5 << GROUP_BITS | GROUP_MASK), 5);
    #[cfg(target_pointer_width = "64")]
    assert_eq!(WIDE_FILLS, 4095 * (u64::from(u32::MAX)));
    #[cfg(target_pointer_width = "64")]
    assert_eq!(WIDE_KEY_REISSUE_BOUND, 1 + (WIDE_FILLS - 1) * 1025);
}

#[test]
fn wide_keys_sit_above_u32_and_carry_their_slot() {
    for stamp in [0, 1, WIDE_TAGS - 1, WIDE_TAGS, u64::MAX] {
        let key = next_tag(slot_id(3 % SHARDS, 77), &mut Wraps::default());
        let w = wide(key, stamp);
        assert!(w > u64::from(u32::MAX));
        let (slot, tag) = split_wide(w);
        assert_eq!(slot_index(slot), 77);
        assert!(wide_matches(stamp, tag));
        assert!(!wide_matches(stamp.wrapping_add(1), tag));
    }
}

#[test]
fn key_conversions_and_traits() {
    let k = Key::<String>::from_raw(42);
    assert_eq!(u32::from(k), 42);
    assert_eq!(format!("{:?}", k), "Key(0x0000002a)");
    assert_eq!(k.to_string(), "0x0000002a");
    assert!(Key::<String>::from_raw(1) < k);
    assert_eq!(Raw::raw_id(&k, SEAL), 42);
    assert_eq!(Raw::raw_id(&&k, SEAL), 42);
    assert_eq!(Raw::raw_id(&42u32, SEAL), 42);
    let w = WideKey::<String>::from_raw(1 << 33);
    assert_eq!(format!("{:?}", w), "WideKey(0x0000000200000000)");
    assert_eq!(Raw::raw_id(&&w, SEAL), 1 << 33);
}
