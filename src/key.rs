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

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// The largest caller-chosen id: `insert` accepts ids `1..=65535`, the range
/// handle numbers and other small integers live in. Registry-issued keys are
/// never in this range.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{ResourceRegistry, MAX_CALLER_ID};
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// assert!(reg.try_insert(MAX_CALLER_ID, Arc::new(Mutex::new(1))).is_ok());
/// assert!(reg.register(Arc::new(Mutex::new(2))) > MAX_CALLER_ID);
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

/// How long a stale [`WideKey`] stays dead.
///
/// On 64-bit targets, until its slot has been filled again `4095 * (2^32 -
/// 1)` times: a wide key carries the count of its slot's fills, and two fills
/// of a slot are at least 1,025 registrations apart (see
/// [`KEY_REISSUE_BOUND`]), so that is over `1.8 * 10^16` registrations.
///
/// On 32-bit targets (wasm32), whose 16-byte slots have no room for that
/// count, for `2^44 - 2^12` registrations (over `1.7 * 10^13`): a wide key
/// carries its entry's birth tick, and ticks grow by at least one per
/// registration in a shard (or to the registering thread's own clock, which
/// runs no further ahead than the registrations made). A guard compares the
/// whole birth tick and never resolves again, on any target.
///
/// ```
/// assert!(wit_resource_registry::WIDE_KEY_REUSES > 17_000_000_000_000);
/// ```
#[cfg(target_pointer_width = "64")]
pub const WIDE_KEY_REUSES: u64 = NARROW_TAGS * (WIDE_TAGS / (NARROW_TAGS + 1));
/// See the 64-bit docs: `2^44 - 2^12` registrations on this 32-bit target.
#[cfg(not(target_pointer_width = "64"))]
pub const WIDE_KEY_REUSES: u64 = WIDE_TAGS;

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

/// A typed `u32` key into a [`ResourceRegistry<T>`](crate::ResourceRegistry).
///
/// It is a `u32` underneath (convert with [`Key::into_raw`] / [`Key::from_raw`]
/// or `u32::from` / `Key::from`) so it can cross a WIT boundary, but its type
/// parameter stops a span key from being used on an exporter registry:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Key, ResourceRegistry};
///
/// struct Span;
/// static SPANS: ResourceRegistry<Span> = ResourceRegistry::new();
///
/// let key: Key<Span> = SPANS.try_register(Arc::new(Mutex::new(Span))).unwrap();
/// let wire: u32 = key.into_raw();          // what goes into the WIT record
/// let back = Key::<Span>::from_raw(wire);  // and back, on the other side
/// assert!(SPANS.get(back).is_some());
/// ```
///
/// ```compile_fail
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Key, ResourceRegistry};
/// struct Span;
/// struct Exporter;
/// static SPANS: ResourceRegistry<Span> = ResourceRegistry::new();
/// static EXPORTERS: ResourceRegistry<Exporter> = ResourceRegistry::new();
/// let key: Key<Span> = SPANS.try_register(Arc::new(Mutex::new(Span))).unwrap();
/// EXPORTERS.get(key); // a span key on the exporter registry does not compile
/// ```
///
/// Any `u32` can be turned into a key; a forged or stale one simply finds no
/// entry (or, for a forged one that happens to equal a live key, that entry:
/// 32 bits carry no secret). A key that outlives its entry stays dead for at
/// least [`KEY_REISSUE_BOUND`] registrations; for ids that must stay dead
/// longer, use a [`WideKey`].
pub struct Key<T> {
    raw: u32,
    // `fn() -> T` keeps the key `Send + Sync + Copy` whatever `T` is.
    _type: PhantomData<fn() -> T>,
}

impl<T> Key<T> {
    /// Makes a key from its `u32` form. Never fails: an id that names no live
    /// entry is simply not found.
    ///
    /// ```
    /// use wit_resource_registry::Key;
    /// let key = Key::<String>::from_raw(7);
    /// assert_eq!(key.into_raw(), 7);
    /// ```
    #[inline]
    pub const fn from_raw(raw: u32) -> Self {
        Key {
            raw,
            _type: PhantomData,
        }
    }

    /// The key's `u32` form, for a WIT record or a log line.
    ///
    /// ```
    /// use wit_resource_registry::Key;
    /// assert_eq!(Key::<()>::from_raw(0x0010_0001).into_raw(), 0x0010_0001);
    /// ```
    #[inline]
    pub const fn into_raw(self) -> u32 {
        self.raw
    }

    /// Whether this is a caller-chosen id (`1..=`[`MAX_CALLER_ID`]) rather
    /// than a registry-issued key.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Key, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// assert!(Key::<u8>::from_raw(9).is_caller_id());
    /// assert!(!reg.try_register(Arc::new(Mutex::new(1))).unwrap().is_caller_id());
    /// ```
    #[inline]
    pub const fn is_caller_id(self) -> bool {
        self.raw != 0 && self.raw <= MAX_CALLER_ID
    }
}

/// A typed `u64` key: the same entry as a [`Key`], with enough tag bits that
/// a stale one stays dead far longer (see [`WIDE_KEY_REUSES`]: over `10^16`
/// registrations on 64-bit targets, over `10^13` on 32-bit ones).
///
/// For ids that travel in WIT records and may outlive their entry: parent
/// references, context ids, anything a caller may hand back much later. Every
/// wide key is at least `2^32`, so a `u64` field can carry either form without
/// ambiguity, and every lookup accepts both.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{ResourceRegistry, WideKey};
///
/// let reg: ResourceRegistry<&str> = ResourceRegistry::new();
/// let key = reg.try_register(Arc::new(Mutex::new("parent"))).unwrap();
/// let wide: WideKey<&str> = reg.wide_key(key).unwrap();
/// let wire: u64 = wide.into_raw();                 // a WIT `u64`
/// assert!(wire > u64::from(u32::MAX));
/// assert_eq!(*reg.get(WideKey::from_raw(wire)).unwrap().lock().unwrap(), "parent");
/// reg.remove(key);
/// assert!(reg.get(wide).is_none());                 // stale: stays dead
/// ```
pub struct WideKey<T> {
    raw: u64,
    _type: PhantomData<fn() -> T>,
}

impl<T> WideKey<T> {
    /// Makes a wide key from its `u64` form. Never fails: an id that names no
    /// live entry is simply not found.
    ///
    /// ```
    /// use wit_resource_registry::WideKey;
    /// assert_eq!(WideKey::<u8>::from_raw(1 << 40).into_raw(), 1 << 40);
    /// ```
    #[inline]
    pub const fn from_raw(raw: u64) -> Self {
        WideKey {
            raw,
            _type: PhantomData,
        }
    }

    /// The wide key's `u64` form.
    ///
    /// ```
    /// use wit_resource_registry::WideKey;
    /// assert_eq!(u64::from(WideKey::<u8>::from_raw(5 << 32)), 5 << 32);
    /// ```
    #[inline]
    pub const fn into_raw(self) -> u64 {
        self.raw
    }
}

/// The trait impls both key types share, written by hand so that `T` needs
/// none of these traits.
macro_rules! key_impls {
    ($key:ident, $raw:ty, $width:literal) => {
        impl<T> Clone for $key<T> {
            #[inline]
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<T> Copy for $key<T> {}
        impl<T> PartialEq for $key<T> {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                self.raw == other.raw
            }
        }
        impl<T> Eq for $key<T> {}
        impl<T> PartialOrd for $key<T> {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl<T> Ord for $key<T> {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.raw.cmp(&other.raw)
            }
        }
        impl<T> Hash for $key<T> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.raw.hash(state);
            }
        }
        impl<T> fmt::Debug for $key<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    concat!(stringify!($key), "({:#0", $width, "x})"),
                    self.raw
                )
            }
        }
        impl<T> fmt::Display for $key<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!("{:#0", $width, "x}"), self.raw)
            }
        }
        impl<T> From<$key<T>> for $raw {
            #[inline]
            fn from(key: $key<T>) -> $raw {
                key.raw
            }
        }
        impl<T> From<$raw> for $key<T> {
            #[inline]
            fn from(raw: $raw) -> Self {
                $key::from_raw(raw)
            }
        }
    };
}
key_impls!(Key, u32, 10);
key_impls!(WideKey, u64, 18);

mod sealed {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl<T> Sealed for super::Key<T> {}
    impl<T> Sealed for &super::Key<T> {}
    impl<T> Sealed for super::WideKey<T> {}
    impl<T> Sealed for &super::WideKey<T> {}
}

/// What the registry's lookups accept: a plain `u32` id (the compatible API),
/// or a [`Key<T>`] or [`WideKey<T>`] of the registry's own type. Sealed, and
/// `u32` is the only integer type in it, so integer literals infer as `u32`;
/// a `u64` from a WIT record goes through [`WideKey::from_raw`], which also
/// accepts a `u32` key widened.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Key, ResourceRegistry, WideKey};
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// let id: u32 = reg.register(Arc::new(Mutex::new(1)));
/// let key = Key::<u8>::from_raw(id);
/// let wide = reg.wide_key(key).unwrap();
/// assert!(reg.get(id).is_some() && reg.get(key).is_some() && reg.get(&key).is_some());
/// assert!(reg.get(wide).is_some() && reg.get(WideKey::<u8>::from_raw(id.into())).is_some());
/// ```
pub trait AsKey<T>: sealed::Sealed {
    /// The id as a `u64`: a `u32` id or key as is, a wide key's raw form
    /// (always above `u32::MAX`).
    ///
    /// ```
    /// use wit_resource_registry::{AsKey, Key};
    /// assert_eq!(AsKey::<u8>::raw_id(&Key::<u8>::from_raw(9)), 9);
    /// assert_eq!(AsKey::<u8>::raw_id(&9u32), 9);
    /// ```
    fn raw_id(&self) -> u64;
}
impl<T> AsKey<T> for u32 {
    #[inline]
    fn raw_id(&self) -> u64 {
        u64::from(*self)
    }
}
impl<T> AsKey<T> for Key<T> {
    #[inline]
    fn raw_id(&self) -> u64 {
        u64::from(self.raw)
    }
}
impl<T> AsKey<T> for &Key<T> {
    #[inline]
    fn raw_id(&self) -> u64 {
        u64::from(self.raw)
    }
}
impl<T> AsKey<T> for WideKey<T> {
    #[inline]
    fn raw_id(&self) -> u64 {
        self.raw
    }
}
impl<T> AsKey<T> for &WideKey<T> {
    #[inline]
    fn raw_id(&self) -> u64 {
        self.raw
    }
}

#[cfg(test)]
mod tests;
