//! Keys: what a registry hands out, and how the bits of one are laid out.
//!
//! Three id spaces never meet:
//!
//! * `0` names nothing, ever;
//! * `1..=`[`MAX_CALLER_ID`] are caller-chosen ids (`insert`), the numbers
//!   code written for a `HashMap<u32, _>` registry uses;
//! * everything from `2^20` up is an issued key: the low [`SLOT_ID_BITS`] bits
//!   name a slot, the high bits carry a tag derived from the slot's
//!   generation. The tag of a [`Key`] is never 0, so an issued key is never
//!   below `2^20`; the tag of a [`WideKey`] is never below `2^12`, so a wide
//!   key is never below `2^32` and cannot be confused with a `u32` one.
//!
//! A slot's generation is a `u64` that moves on each time the slot is filled
//! again (a vacant slot matches no key, whatever its generation), skipping
//! multiples of 4096 so that its low 12 bits are never 0: they are a
//! `Key`'s tag as they stand, with no arithmetic on the hot path, and they come
//! back every 4095 reuses. The guard types compare the generation whole, so
//! they never alias; a `WideKey` carries it modulo `2^44 - 2^12`. How long a
//! stale key stays dead depends also on how slots are reused, see `shard.rs`
//! and [`KEY_REISSUE_BOUND`].

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
pub(crate) const SLOT_ID_BITS: u32 = 20;
const SLOT_ID_MASK: u32 = (1 << SLOT_ID_BITS) - 1;

/// Distinct tags a `u32` key can carry: 12 bits, 0 excluded.
pub(crate) const NARROW_TAGS: u64 = (1 << (32 - SLOT_ID_BITS)) - 1;
const NARROW_MASK: u64 = NARROW_TAGS;

/// A new slot's generation: the first whose low 12 bits are not 0.
pub(crate) const FIRST_GENERATION: u64 = 1;
/// The smallest tag of a wide key: `2^12`, so that every wide key is at least
/// `2^32`.
const WIDE_TAG_MIN: u64 = 1 << (32 - SLOT_ID_BITS);
/// Distinct tags a wide key can carry: every 44-bit value from `2^12` up.
pub(crate) const WIDE_TAGS: u64 = (1 << (64 - SLOT_ID_BITS)) - WIDE_TAG_MIN;

/// How many times a slot can be vacated and reused before a stale
/// [`WideKey`] to it, or a guard's generation, resolves again.
///
/// On 64-bit targets `4095 * (2^32 - 1)`, over 17 trillion (generations run
/// through `2^44 - 2^12` values, one in 4096 skipped). Since two reuses of a
/// slot are at least 1,025 registrations apart (see [`KEY_REISSUE_BOUND`]),
/// that is over `1.8 * 10^16` registrations.
///
/// On 32-bit targets (wasm32) a slot stores 32 bits of generation, which
/// keeps it at 16 bytes: `4095 * 2^20` reuses, over 4 billion, so over
/// `4.4 * 10^12` registrations.
///
/// ```
/// assert!(wit_resource_registry::WIDE_KEY_REUSES >= 4095 << 20);
/// ```
#[cfg(target_pointer_width = "64")]
pub const WIDE_KEY_REUSES: u64 = NARROW_TAGS * (WIDE_TAGS / (NARROW_MASK + 1));
/// See the 64-bit docs: `4095 * 2^20` reuses on this 32-bit target.
#[cfg(not(target_pointer_width = "64"))]
pub const WIDE_KEY_REUSES: u64 = NARROW_TAGS << 20;

/// Bits of the slot id that select a shard. A wasm32 build without the
/// `atomics` feature has one thread, so sharding would only cost memory there.
/// The `one-shard` feature builds that layout anywhere, so that the native
/// test suite covers the code wasm32 runs.
#[cfg(any(
    feature = "one-shard",
    all(target_family = "wasm", not(target_feature = "atomics"))
))]
pub(crate) const SHARD_BITS: u32 = 0;
#[cfg(not(any(
    feature = "one-shard",
    all(target_family = "wasm", not(target_feature = "atomics"))
)))]
pub(crate) const SHARD_BITS: u32 = 4;

/// Number of shards in every registry.
pub(crate) const SHARDS: usize = 1 << SHARD_BITS;
const SHARD_MASK: u32 = (1 << SHARD_BITS) - 1;

/// Shards per group: a thread registers into its home group (see `home.rs`),
/// and each group keeps its own counts (`counts.rs`).
pub(crate) const GROUP: usize = if SHARDS >= 4 { 4 } else { SHARDS };

/// Groups of shards in every registry.
pub(crate) const GROUPS: usize = SHARDS / GROUP;

/// Slots in one shard.
pub(crate) const SLOTS_PER_SHARD: usize = 1 << (SLOT_ID_BITS - SHARD_BITS);

/// The most registry-issued entries one shard holds at once: its slots less
/// the ones kept waiting in quarantine.
pub(crate) const LIVE_PER_SHARD: usize = SLOTS_PER_SHARD - QUARANTINE;

/// The most registry-issued entries a registry can hold at once: `2^20` slots
/// less 1,024 kept in quarantine per shard (1,032,192 natively, 1,047,552 on
/// single-threaded wasm32). Caller-chosen ids ([`MAX_CALLER_ID`] of them) come
/// on top. It is also the highest limit a registry accepts.
///
/// ```
/// assert!(wit_resource_registry::MAX_ISSUED > 1_000_000);
/// ```
pub const MAX_ISSUED: usize = SHARDS * LIVE_PER_SHARD;

/// How a lookup recognises the one entry it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// A [`Key`]'s tag: the generation's low 12 bits, never 0.
    Narrow(u32),
    /// A [`WideKey`]'s tag: the generation modulo [`WIDE_TAGS`], plus `2^12`.
    Wide(u64),
    /// The whole generation, as a guard holds it.
    Exact(u64),
}

impl Check {
    #[inline]
    pub(crate) fn matches(self, generation: u64) -> bool {
        match self {
            Check::Narrow(tag) => narrow_tag(generation) == tag,
            Check::Wide(tag) => wide_tag(generation) == tag,
            Check::Exact(g) => g == generation,
        }
    }
}

/// Where an id points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Id {
    /// Nothing can live here: `0`, or bits no key ever has.
    Invalid,
    /// A caller-chosen id.
    Caller(u32),
    /// A slot, and how to tell whether its entry is the one meant.
    Slot {
        shard: usize,
        index: usize,
        check: Check,
    },
}

impl Id {
    /// The shard that holds whatever this id names (shard 0 for nothing).
    #[inline]
    pub(crate) fn shard(self) -> usize {
        match self {
            Id::Invalid => 0,
            Id::Caller(raw) => raw as usize % SHARDS,
            Id::Slot { shard, .. } => shard,
        }
    }
}

/// The generation after `generation`: the next one whose low 12 bits are not
/// 0 (a `u64` never wraps in practice, and if it did it would restart at 1).
// 32-bit targets step their 32-bit generations with `next_generation_u32`.
#[cfg_attr(not(target_pointer_width = "64"), allow(dead_code))]
#[inline]
pub(crate) fn next_generation(generation: u64) -> u64 {
    let next = generation.wrapping_add(1);
    if next & NARROW_MASK == 0 {
        next.wrapping_add(1)
    } else {
        next
    }
}

/// [`next_generation`] of a 32-bit generation, as 32-bit targets store it:
/// the low 32 bits of the 64-bit answer (`2^32` is a multiple of 4096, so the
/// wrap to 0 skips to 1 as every tag of 0 is skipped).
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
#[inline]
pub(crate) fn next_generation_u32(generation: u32) -> u32 {
    let next = generation.wrapping_add(1);
    if next & NARROW_MASK as u32 == 0 {
        next.wrapping_add(1)
    } else {
        next
    }
}

#[inline]
pub(crate) fn narrow_tag(generation: u64) -> u32 {
    (generation & NARROW_MASK) as u32
}

#[inline]
pub(crate) fn wide_tag(generation: u64) -> u64 {
    generation % WIDE_TAGS + WIDE_TAG_MIN
}

#[inline]
const fn slot_id(shard: usize, index: usize) -> u32 {
    ((index as u32) << SHARD_BITS) | shard as u32
}

#[inline]
fn split_slot_id(id: u32) -> (usize, usize) {
    ((id & SHARD_MASK) as usize, (id >> SHARD_BITS) as usize)
}

/// The `u32` key of slot `index` of `shard` at `generation`.
#[inline]
pub(crate) fn encode(shard: usize, index: usize, generation: u64) -> u32 {
    (narrow_tag(generation) << SLOT_ID_BITS) | slot_id(shard, index)
}

/// The wide key of slot `index` of `shard` at `generation`.
#[inline]
pub(crate) fn encode_wide(shard: usize, index: usize, generation: u64) -> u64 {
    (wide_tag(generation) << SLOT_ID_BITS) | u64::from(slot_id(shard, index))
}

/// What a `u32` id names.
#[inline]
pub(crate) fn decode(raw: u32) -> Id {
    // Issued keys first, with one comparison: they are what lookups carry
    // most, and every `u32` from `2^20` up has a tag that is not 0.
    if raw >= 1 << SLOT_ID_BITS {
        let (shard, index) = split_slot_id(raw & SLOT_ID_MASK);
        return Id::Slot {
            shard,
            index,
            check: Check::Narrow(raw >> SLOT_ID_BITS),
        };
    }
    if raw == 0 || raw > MAX_CALLER_ID {
        return Id::Invalid;
    }
    Id::Caller(raw)
}

/// The shard, slot and tag a `u32` id names if it is an issued key, without
/// asking first whether it is one: the lookups' common case, decided by the
/// slot alone. For any other id (a caller id, `0`, the gap below `2^20`) the
/// tag is 0, which no filled slot's generation has, so the lookup misses and
/// [`decode`] settles it on the cold path. The shard is the one
/// `decode(raw).shard()` names for every id but an invalid one.
#[inline]
pub(crate) fn narrow_slot(raw: u32) -> (usize, usize, Check) {
    let (shard, index) = split_slot_id(raw & SLOT_ID_MASK);
    (shard, index, Check::Narrow(raw >> SLOT_ID_BITS))
}

/// What a `u64` id names: a wide key, or a `u32` id widened.
#[inline]
pub(crate) fn decode_wide(raw: u64) -> Id {
    if raw <= u64::from(u32::MAX) {
        return decode(raw as u32);
    }
    let (shard, index) = split_slot_id(raw as u32 & SLOT_ID_MASK);
    Id::Slot {
        shard,
        index,
        check: Check::Wide(raw >> SLOT_ID_BITS),
    }
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

/// No `u32` key is issued again, and no stale `u32` key resolves again, within
/// this many later registrations into the same registry, under any pattern of
/// use: `1 + 4094 * 1025` = 4,196,351, more than `2^22`.
///
/// Why: a key carries the low 12 bits of its slot's generation, which come
/// back only after the slot has been reused 4095 times; and vacated slots wait
/// in a first-in first-out queue whose head is reused only while at least
/// 1,024 others wait behind it. Those 1,024 are all reused before the slot
/// comes round again, so two reuses of a slot are at least 1,025 registrations
/// apart; only the first reuse after a slot is created can come sooner (the
/// `1 +`). The price is that a registry under churn keeps up to 1,025 vacant
/// slots per shard it uses.
///
/// ```
/// assert!(wit_resource_registry::KEY_REISSUE_BOUND > 1 << 22);
/// ```
pub const KEY_REISSUE_BOUND: u64 = 1 + (NARROW_TAGS - 1) * (QUARANTINE as u64 + 1);

/// How many vacated slots a shard keeps waiting before it reuses the oldest
/// (see [`KEY_REISSUE_BOUND`]).
pub(crate) const QUARANTINE: usize = 1024;

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

/// A typed `u64` key: the same entry as a [`Key`], with enough generation bits
/// that a stale one stays dead until its slot has been reused
/// [`WIDE_KEY_REUSES`] times (over 17 trillion; see there for the bound in
/// registrations).
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
mod tests {
    use super::*;

    /// `id` names exactly slot `index` of `shard` at `generation`.
    fn assert_names(id: Id, shard: usize, index: usize, generation: u64) {
        match id {
            Id::Slot {
                shard: s,
                index: i,
                check,
            } => {
                assert_eq!((s, i), (shard, index));
                assert!(check.matches(generation));
                assert!(!check.matches(next_generation(generation)));
            }
            other => panic!("decoded to {:?}", other),
        }
    }

    #[test]
    fn encode_decode_round_trip_in_both_widths() {
        for shard in 0..SHARDS {
            for &index in &[0usize, 1, 2, SLOTS_PER_SHARD - 1] {
                for &gen in &[1u64, 2, NARROW_TAGS, NARROW_TAGS + 2, u64::MAX] {
                    let raw = encode(shard, index, gen);
                    assert!(raw >= 1 << SLOT_ID_BITS, "issued keys stay above 2^20");
                    assert_names(decode(raw), shard, index, gen);
                    let wide = encode_wide(shard, index, gen);
                    assert!(wide > u64::from(u32::MAX));
                    assert_names(decode_wide(wide), shard, index, gen);
                }
            }
        }
    }

    #[test]
    fn the_three_id_spaces_do_not_meet() {
        assert_eq!(decode(0), Id::Invalid);
        assert_eq!(decode(1), Id::Caller(1));
        assert_eq!(decode(MAX_CALLER_ID), Id::Caller(MAX_CALLER_ID));
        // Between the caller ids and the first issued key: nothing.
        assert_eq!(decode(MAX_CALLER_ID + 1), Id::Invalid);
        assert_eq!(decode((1 << SLOT_ID_BITS) - 1), Id::Invalid);
        assert!(matches!(decode(1 << SLOT_ID_BITS), Id::Slot { .. }));
        // A u64 holding a u32 id means that id.
        assert_eq!(decode_wide(7), Id::Caller(7));
    }

    #[test]
    fn a_32_bit_generation_moves_on_as_the_64_bit_one_truncated() {
        // What 32-bit targets store, checked here where both exist: the low
        // 32 bits of the 64-bit step, including the wrap past u32::MAX.
        for g in [
            0,
            1,
            4094,
            4095,
            4096,
            8191,
            u32::MAX - 4096,
            u32::MAX - 1,
            u32::MAX,
        ] {
            assert_eq!(
                next_generation_u32(g),
                next_generation(u64::from(g)) as u32,
                "{g}"
            );
        }
        assert_eq!(next_generation_u32(u32::MAX), 1);
    }

    #[test]
    fn tags_wrap_where_the_docs_say() {
        // Walk one slot's generations: the u32 tag comes back after exactly
        // 4095 reuses, never 0 on the way.
        let mut g = FIRST_GENERATION;
        let mut seen = Vec::new();
        for _ in 0..NARROW_TAGS {
            assert_ne!(narrow_tag(g), 0);
            seen.push(narrow_tag(g));
            g = next_generation(g);
        }
        assert_eq!(narrow_tag(g), narrow_tag(FIRST_GENERATION));
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len() as u64, NARROW_TAGS);
        // The wide tag comes back after WIDE_TAGS generation values, which is
        // WIDE_KEY_REUSES reuses once the skipped values are left out.
        assert_eq!(
            wide_tag(FIRST_GENERATION),
            wide_tag(FIRST_GENERATION + WIDE_TAGS)
        );
        assert_eq!(WIDE_KEY_REUSES, WIDE_TAGS - WIDE_TAGS / 4096);
        assert_eq!(KEY_REISSUE_BOUND, 4_196_351);
    }

    #[test]
    fn every_u32_decodes_inside_bounds() {
        let mut x = 0u32;
        for i in 0..100_000u32 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223) ^ i;
            for raw in [x, u32::MAX, 0, 1, SLOT_ID_MASK] {
                if let Id::Slot { shard, index, .. } = decode(raw) {
                    assert!(shard < SHARDS && index < SLOTS_PER_SHARD);
                }
                if let Id::Slot { shard, index, .. } = decode_wide(u64::from(x) << 20 | 0xFFFF) {
                    assert!(shard < SHARDS && index < SLOTS_PER_SHARD);
                }
            }
        }
    }

    #[test]
    fn key_conversions_and_traits() {
        let k = Key::<String>::from_raw(42);
        assert_eq!(u32::from(k), 42);
        assert_eq!(Key::<String>::from(42u32), k);
        assert_eq!(format!("{:?}", k), "Key(0x0000002a)");
        assert_eq!(k.to_string(), "0x0000002a");
        assert!(Key::<String>::from_raw(1) < k);
        assert_eq!(AsKey::<String>::raw_id(&k), 42);
        assert_eq!(AsKey::<String>::raw_id(&&k), 42);
        assert_eq!(AsKey::<String>::raw_id(&42u32), 42);
        let w = WideKey::<String>::from_raw(1 << 33);
        assert_eq!(format!("{:?}", w), "WideKey(0x0000000200000000)");
        assert_eq!(AsKey::<String>::raw_id(&&w), 1 << 33);
    }
}
