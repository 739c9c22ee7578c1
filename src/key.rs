//! Keys: what a registry hands out, and how a `u32` is laid out inside one.
//!
//! A key is a plain `u32` so that it crosses a WIT boundary as is. Its low
//! [`SLOT_BITS`] bits name a slot (plus one, so that no key is ever `0`), and
//! its high [`GENERATION_BITS`] bits carry the slot's generation, which moves on
//! every time the slot is vacated. A removed key therefore stops resolving at
//! once, and only resolves again after its slot has been reused
//! [`GENERATION_WRAP`] times.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// Bits of a key that hold the slot's generation (the top ones).
///
/// ```
/// use wit_resource_registry::{Key, GENERATION_BITS};
/// let key = Key::<()>::from_raw(5 << (32 - GENERATION_BITS) | 1);
/// assert_eq!(key.generation(), 5);
/// ```
pub const GENERATION_BITS: u32 = 12;

/// How many times a slot can be reused before a stale key to it could resolve
/// again: `2^GENERATION_BITS` = 4096.
///
/// ```
/// assert_eq!(wit_resource_registry::GENERATION_WRAP, 4096);
/// ```
pub const GENERATION_WRAP: u32 = 1 << GENERATION_BITS;

/// Bits of a key that name the slot.
pub(crate) const SLOT_BITS: u32 = 32 - GENERATION_BITS;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
pub(crate) const GENERATION_MASK: u32 = GENERATION_WRAP - 1;

/// Bits of the slot number that select a shard. A wasm32 build without the
/// `atomics` feature has one thread, so sharding would only cost memory there.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
pub(crate) const SHARD_BITS: u32 = 0;
#[cfg(not(all(target_family = "wasm", not(target_feature = "atomics"))))]
pub(crate) const SHARD_BITS: u32 = 4;

/// Number of shards in every registry.
pub(crate) const SHARDS: usize = 1 << SHARD_BITS;
const SHARD_MASK: u32 = (1 << SHARD_BITS) - 1;

/// Slots in one shard. One slot number is given up per shard so that
/// `slot + 1` always fits in [`SLOT_BITS`].
pub(crate) const SLOTS_PER_SHARD: u32 = (1 << (SLOT_BITS - SHARD_BITS)) - 1;

/// The most entries issued by `register` that a registry can hold at once
/// (about a million); caller-chosen ids given to `insert` are not limited by it.
///
/// ```
/// assert!(wit_resource_registry::MAX_ISSUED >= 1_000_000);
/// ```
pub const MAX_ISSUED: usize = SHARDS * SLOTS_PER_SHARD as usize;

/// Where a raw id points: a shard, and maybe a slot with a generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) shard: usize,
    /// `(index in the shard, generation)`, or `None` for ids whose slot bits
    /// are zero: those can only be caller-chosen ids.
    pub(crate) slot: Option<(usize, u32)>,
}

#[inline]
pub(crate) const fn decode(raw: u32) -> Decoded {
    let low = raw & SLOT_MASK;
    if low == 0 {
        return Decoded {
            shard: 0,
            slot: None,
        };
    }
    let slot = low - 1;
    Decoded {
        shard: (slot & SHARD_MASK) as usize,
        slot: Some(((slot >> SHARD_BITS) as usize, raw >> SLOT_BITS)),
    }
}

/// The raw id of slot `index` of `shard` at `generation`; never `0`.
#[inline]
pub(crate) const fn encode(shard: usize, index: usize, generation: u32) -> u32 {
    let slot = ((index as u32) << SHARD_BITS) | shard as u32;
    (generation << SLOT_BITS) | (slot + 1)
}

/// A typed key into a [`ResourceRegistry<T>`](crate::ResourceRegistry).
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
/// 32 bits carry no secret).
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

    /// The generation carried by this key (its top [`GENERATION_BITS`] bits).
    ///
    /// ```
    /// use wit_resource_registry::Key;
    /// assert_eq!(Key::<()>::from_raw(0x0030_0001).generation(), 3);
    /// ```
    #[inline]
    pub const fn generation(self) -> u32 {
        self.raw >> SLOT_BITS
    }
}

impl<T> Clone for Key<T> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Key<T> {}
impl<T> PartialEq for Key<T> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl<T> Eq for Key<T> {}
impl<T> PartialOrd for Key<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Key<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw.cmp(&other.raw)
    }
}
impl<T> Hash for Key<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}
impl<T> fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({:#010x})", self.raw)
    }
}
impl<T> fmt::Display for Key<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.raw)
    }
}
impl<T> From<Key<T>> for u32 {
    #[inline]
    fn from(key: Key<T>) -> u32 {
        key.raw
    }
}
impl<T> From<u32> for Key<T> {
    #[inline]
    fn from(raw: u32) -> Self {
        Key::from_raw(raw)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl<T> Sealed for super::Key<T> {}
    impl<T> Sealed for &super::Key<T> {}
}

/// What the registry's lookups accept: a plain `u32` id (the compatible API) or
/// a [`Key<T>`] of the registry's own type. Sealed.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::ResourceRegistry;
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// let id: u32 = reg.register(Arc::new(Mutex::new(1)));
/// let key = wit_resource_registry::Key::<u8>::from_raw(id);
/// assert!(reg.get(id).is_some() && reg.get(key).is_some() && reg.get(&key).is_some());
/// ```
pub trait AsKey<T>: sealed::Sealed {
    /// The raw `u32` id.
    ///
    /// ```
    /// use wit_resource_registry::{AsKey, Key};
    /// assert_eq!(AsKey::<u8>::raw_id(&Key::<u8>::from_raw(9)), 9);
    /// assert_eq!(AsKey::<u8>::raw_id(&9u32), 9);
    /// ```
    fn raw_id(&self) -> u32;
}
impl<T> AsKey<T> for u32 {
    #[inline]
    fn raw_id(&self) -> u32 {
        *self
    }
}
impl<T> AsKey<T> for Key<T> {
    #[inline]
    fn raw_id(&self) -> u32 {
        self.raw
    }
}
impl<T> AsKey<T> for &Key<T> {
    #[inline]
    fn raw_id(&self) -> u32 {
        self.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_never_zero() {
        for shard in 0..SHARDS {
            for &index in &[0usize, 1, 2, SLOTS_PER_SHARD as usize - 1] {
                for &gen in &[0u32, 1, GENERATION_MASK] {
                    let raw = encode(shard, index, gen);
                    assert_ne!(raw, 0);
                    let d = decode(raw);
                    assert_eq!(d.shard, shard);
                    assert_eq!(d.slot, Some((index, gen)));
                }
            }
        }
    }

    #[test]
    fn ids_with_empty_slot_bits_name_no_slot() {
        assert_eq!(decode(0).slot, None);
        assert_eq!(decode(1 << SLOT_BITS).slot, None);
        assert_eq!(decode(!SLOT_MASK).slot, None);
    }

    #[test]
    fn every_u32_decodes_inside_bounds() {
        // A sample across the whole range, including the edges.
        let mut x = 0u32;
        for i in 0..100_000u32 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223) ^ i;
            for raw in [x, u32::MAX, 0, 1, SLOT_MASK] {
                let d = decode(raw);
                assert!(d.shard < SHARDS);
                if let Some((index, gen)) = d.slot {
                    assert!(index < (1usize << (SLOT_BITS - SHARD_BITS)));
                    assert!(gen <= GENERATION_MASK);
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
    }
}
