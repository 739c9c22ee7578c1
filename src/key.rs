//! Keys: what a registry hands out, and how the bits of one are laid out.
//!
//! Three id spaces never meet:
//!
//! * `0` names nothing, ever;
//! * `1..=`[`MAX_CALLER_ID`] are caller-chosen ids (`insert`), the numbers
//!   code written for a `HashMap<u32, _>` registry uses;
//! * everything from `2^20` up is an issued key: the low 20 bits are the slot
//!   id (the slot's index above the shard's number), the high 12 a tag that
//!   moves on each time the slot is filled, skipping 0. So an issued key is
//!   never below `2^20`, and its tag comes back only after 4095 fills.
//!
//! A [`WideKey`] carries, above the same slot id, a 44-bit tag: natively the
//! count of the slot's fills (its `u32` tag and, in the slot's padding, how
//! many times that tag wrapped), on 32-bit targets, where a slot has no room
//! to spare, the entry's birth tick. Every wide key is at least `2^32`, so it
//! cannot be confused with a `u32` one.

mod typed;

pub(crate) use typed::SEAL;
pub use typed::{AsId, AsKey, Key, WideKey};

/// The largest caller-chosen id: `insert` accepts ids `1..=65535`, the range
/// handle numbers and other small integers live in. Registry-issued keys are
/// never in this range.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{ResourceRegistry, MAX_CALLER_ID};
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// assert!(reg.try_insert(MAX_CALLER_ID, Arc::new(Mutex::new(1))).is_ok());
/// assert!(reg.try_register(Arc::new(Mutex::new(2))).unwrap().into_raw() > MAX_CALLER_ID);
/// ```
pub const MAX_CALLER_ID: u32 = 0xFFFF;

/// Bits of an issued key that name the slot (shard and index together).
const SLOT_ID_BITS: u32 = 20;
const SLOT_ID_MASK: u32 = (1 << SLOT_ID_BITS) - 1;

/// The `u32` ids from here up are issued keys; below, caller ids and ids
/// that name nothing.
pub(crate) const ISSUED_FROM: u32 = 1 << SLOT_ID_BITS;

/// Distinct tags a `u32` key can carry: 12 bits, 0 excluded.
const NARROW_TAGS: u64 = (1 << (32 - SLOT_ID_BITS)) - 1;

/// The smallest tag of a wide key: `2^12`, so that every wide key is at least
/// `2^32`.
const WIDE_TAG_MIN: u64 = 1 << (32 - SLOT_ID_BITS);
/// Distinct tags a wide key can carry: every 44-bit value from `2^12` up.
const WIDE_TAGS: u64 = (1 << (64 - SLOT_ID_BITS)) - WIDE_TAG_MIN;

/// How many slot fills a stale [`WideKey`] outlives on 64-bit targets: it
/// carries the count of its slot's fills, which comes back after
/// `4095 * (2^32 - 1)` of them.
#[cfg(target_pointer_width = "64")]
const WIDE_FILLS: u64 = NARROW_TAGS * (WIDE_TAGS / (NARROW_TAGS + 1));

/// No [`WideKey`] is issued again, and no stale one resolves again, within
/// this many later registrations into the same registry: the same measure as
/// [`KEY_REISSUE_BOUND`], for ids that may come back much later.
///
/// On 64-bit targets `1 + (4095 * (2^32 - 1) - 1) * 1025`, over `1.8 *
/// 10^16`: a wide key carries the count of its slot's fills, which comes back
/// after `4095 * (2^32 - 1)` fills, and two fills of a slot are at least 1,025
/// registrations apart (see [`KEY_REISSUE_BOUND`]).
///
/// On 32-bit targets (wasm32), whose 16-byte slots have no room for that
/// count, `2^44 - 2^12`, over `1.7 * 10^13`: a wide key carries its entry's
/// birth tick, and ticks grow by at least one per registration in a shard
/// (or to the registering thread's own clock, which runs no further ahead
/// than the registrations made). A guard compares the whole birth tick and
/// never resolves again, on any target.
///
/// ```
/// use wit_resource_registry::{KEY_REISSUE_BOUND, WIDE_KEY_REISSUE_BOUND};
/// assert!(WIDE_KEY_REISSUE_BOUND > 17_000_000_000_000);
/// assert!(WIDE_KEY_REISSUE_BOUND > KEY_REISSUE_BOUND * 4_000_000);
/// ```
#[cfg(target_pointer_width = "64")]
pub const WIDE_KEY_REISSUE_BOUND: u64 = 1 + (WIDE_FILLS - 1) * (QUARANTINE as u64 + 1);
/// See the 64-bit docs: `2^44 - 2^12` registrations on this 32-bit target.
#[cfg(not(target_pointer_width = "64"))]
pub const WIDE_KEY_REISSUE_BOUND: u64 = WIDE_TAGS;

/// Bits of the slot id that select a shard. A wasm32 build without the
/// `atomics` feature has one thread, so it has one shard: sharding would only
/// cost memory there.
pub(crate) const SHARD_BITS: u32 =
    if cfg!(all(target_family = "wasm", not(target_feature = "atomics"))) {
        0
    } else {
        4
    };

/// Number of shards in every registry.
pub(crate) const SHARDS: usize = 1 << SHARD_BITS;
const SHARD_MASK: u32 = (1 << SHARD_BITS) - 1;

/// Low bits of a birth tick that name the group of shards of the thread that
/// registered the entry (`home.rs`): two groups of eight shards natively,
/// none with one shard. Two threads then work in shards of their own, and the
/// entries one thread makes for others to read are spread over eight locks
/// (measured against groups of four: 2-thread get 162 -> 113 ns, lifecycle
/// 210 -> 194 ns; rotating one thread over all 16 shards made the 2-thread
/// lifecycle 518 ns, its tables' cache lines bouncing between the cores).
pub(crate) const GROUP_BITS: u32 = if SHARDS > 1 { 1 } else { 0 };
pub(crate) const GROUP_MASK: u64 = (1 << GROUP_BITS) - 1;
pub(crate) const GROUPS: usize = 1 << GROUP_BITS;

/// Slots in one shard.
pub(crate) const SLOTS_PER_SHARD: usize = 1 << (SLOT_ID_BITS - SHARD_BITS);

/// How many vacated slots a shard keeps waiting before it reuses the oldest
/// (see [`KEY_REISSUE_BOUND`]).
pub(crate) const QUARANTINE: usize = 1024;

/// The most registry-issued entries a registry can hold at once: `2^20` slots
/// less 1,024 kept in quarantine per shard (1,032,192 natively, 1,047,552 on
/// single-threaded wasm32). Caller-chosen ids ([`MAX_CALLER_ID`] of them) come
/// on top. It is also the highest limit a registry accepts.
///
/// ```
/// assert!(wit_resource_registry::MAX_ISSUED > 1_000_000);
/// ```
pub const MAX_ISSUED: usize = SHARDS * (SLOTS_PER_SHARD - QUARANTINE);

/// No `u32` key is issued again, and no stale `u32` key resolves again, within
/// this many later registrations into the same registry, under any pattern of
/// use: `1 + 4094 * 1025` = 4,196,351, more than `2^22`.
///
/// Why: a key carries a tag that moves on each time its slot is filled and
/// comes back only after 4095 fills; and vacated slots wait in a first-in
/// first-out queue whose head is reused only while at least 1,024 others wait
/// behind it. Those 1,024 are all reused before the slot comes round again,
/// so two fills of a slot are at least 1,025 registrations apart; only the
/// first reuse after a slot is created can come sooner (the `1 +`). The price
/// is that a registry under churn keeps up to 1,025 vacant slots per shard it
/// uses.
///
/// ```
/// assert!(wit_resource_registry::KEY_REISSUE_BOUND > 1 << 22);
/// ```
pub const KEY_REISSUE_BOUND: u64 = 1 + (NARROW_TAGS - 1) * (QUARANTINE as u64 + 1);

/// The shard an id lives in: the low bits of a key's slot id; a caller id's
/// own low bits.
#[inline]
pub(crate) fn shard_of(raw: u32) -> usize {
    (raw & SHARD_MASK) as usize
}

/// The slot index, in its shard, that a `u32` id names if it is an issued key.
#[inline]
pub(crate) fn slot_index(raw: u32) -> usize {
    ((raw & SLOT_ID_MASK) >> SHARD_BITS) as usize
}

/// The key, at tag 0 (which no key has), of slot `index` of `shard`.
#[inline]
pub(crate) fn slot_id(shard: usize, index: usize) -> u32 {
    ((index as u32) << SHARD_BITS) | shard as u32
}

/// The key of a slot's next entry: the tag moves on, skipping 0; `wraps`
/// counts the times it came back (see [`Wraps`]).
#[inline]
pub(crate) fn next_tag(key: u32, wraps: &mut Wraps) -> u32 {
    let next = key.wrapping_add(ISSUED_FROM);
    if next < ISSUED_FROM {
        wrapped(wraps);
        next + ISSUED_FROM
    } else {
        next
    }
}

/// What a slot keeps for its wide keys beyond its key and birth tick: on
/// 64-bit targets, how many times its `u32` tag wrapped, in four bytes the
/// slot's alignment leaves free; on 32-bit targets nothing (the birth tick
/// serves).
#[cfg(target_pointer_width = "64")]
pub(crate) type Wraps = u32;
#[cfg(not(target_pointer_width = "64"))]
pub(crate) type Wraps = ();
/// A slot whose tag never wrapped.
#[cfg(target_pointer_width = "64")]
pub(crate) const NO_WRAPS: Wraps = 0;
#[cfg(not(target_pointer_width = "64"))]
pub(crate) const NO_WRAPS: Wraps = ();

#[cfg(target_pointer_width = "64")]
#[cold]
fn wrapped(wraps: &mut Wraps) {
    *wraps = wraps.wrapping_add(1);
}
#[cfg(not(target_pointer_width = "64"))]
#[inline]
fn wrapped(_: &mut Wraps) {}

/// What a wide key of the entry under `key`, born `born`, counts.
#[cfg(target_pointer_width = "64")]
#[inline]
pub(crate) fn stamp(key: u32, wraps: Wraps, _born: u64) -> u64 {
    fills(key, wraps)
}
#[cfg(not(target_pointer_width = "64"))]
#[inline]
pub(crate) fn stamp(_key: u32, _wraps: Wraps, born: u64) -> u64 {
    ticks(born)
}

/// The count of a slot's fills: its tag, and the times the tag wrapped.
#[cfg_attr(not(target_pointer_width = "64"), allow(dead_code))]
fn fills(key: u32, wraps: u32) -> u64 {
    u64::from(wraps) << (32 - SLOT_ID_BITS) | u64::from(key >> SLOT_ID_BITS)
}

/// A birth tick without the group in its low bits.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
fn ticks(born: u64) -> u64 {
    born >> GROUP_BITS
}

/// A wide key's tag for `stamp`.
#[inline]
fn wide_tag(stamp: u64) -> u64 {
    stamp % WIDE_TAGS + WIDE_TAG_MIN
}

/// The wide key of the entry under `key` whose [`stamp`] is `stamp`.
#[inline]
pub(crate) fn wide(key: u32, stamp: u64) -> u64 {
    wide_tag(stamp) << SLOT_ID_BITS | u64::from(key & SLOT_ID_MASK)
}

/// The `u32` id whose slot a wide key names (its tag 0, so that it matches
/// no entry by itself), and the tag to check.
#[inline]
pub(crate) fn split_wide(raw: u64) -> (u32, u64) {
    (raw as u32 & SLOT_ID_MASK, raw >> SLOT_ID_BITS)
}

/// Whether the entry whose [`stamp`] is `stamp` carries wide tag `tag`.
#[inline]
pub(crate) fn wide_matches(stamp: u64, tag: u64) -> bool {
    wide_tag(stamp) == tag
}

#[cfg(all(test, not(loom)))]
mod tests;
