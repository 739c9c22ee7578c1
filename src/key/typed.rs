//! The typed keys a registry hands out, and the sealed traits that say which
//! ids each method accepts: typed keys everywhere, plain `u32` ids only in
//! the compatibility layer.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// A typed `u32` key into a [`ResourceRegistry<T>`](crate::ResourceRegistry).
///
/// It is a `u32` underneath (convert with [`Key::into_raw`] and
/// [`Key::from_raw`]) so it can cross a WIT boundary, but its type parameter
/// stops a span key from being used on an exporter registry, and a plain
/// number from being ended, related or widened:
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
/// ```compile_fail
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Key, ResourceRegistry};
/// struct Span;
/// static SPANS: ResourceRegistry<Span> = ResourceRegistry::new();
/// let key: Key<Span> = SPANS.try_register(Arc::new(Mutex::new(Span))).unwrap();
/// SPANS.take(key.into_raw()); // a bare number is not a key: `Key::from_raw` says you mean it
/// ```
///
/// Any `u32` can be turned into a key; a forged or stale one simply finds no
/// entry (or, for a forged one that happens to equal a live key, that entry:
/// 32 bits carry no secret). A key that outlives its entry stays dead for at
/// least [`KEY_REISSUE_BOUND`](crate::KEY_REISSUE_BOUND) registrations; for ids that must stay dead
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
}

/// A typed `u64` key: the same entry as a [`Key`], with enough tag bits that
/// a stale one stays dead far longer (see [`WIDE_KEY_REISSUE_BOUND`](crate::WIDE_KEY_REISSUE_BOUND): over `10^16`
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
    };
}
key_impls!(Key, u32, 10);
key_impls!(WideKey, u64, 18);

/// How the registry reads any id: as a `u64`, a `u32` id or key as is, a
/// wide key's raw form (always above `u32::MAX`). Private: reachable only
/// through [`AsKey`] and [`AsId`], which no other crate can implement.
pub trait Raw {
    /// Asks for a [`Seal`], which only this crate can make: a supertrait's
    /// method is callable wherever its subtrait is a bound, and this one is
    /// no part of the API.
    fn raw_id(&self, seal: Seal) -> u64;
}

/// See [`Raw::raw_id`].
pub struct Seal(());
pub(crate) const SEAL: Seal = Seal(());

/// The typed keys of a registry of `T`: a [`Key<T>`] or a [`WideKey<T>`] (or
/// a reference to one). Every method that ends, relates or widens an entry
/// takes one; a plain number needs [`Key::from_raw`] or
/// [`WideKey::from_raw`] first. Sealed: it has no method of its own.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{AsKey, Key, ResourceRegistry};
/// fn end_all<K: AsKey<u8>>(reg: &ResourceRegistry<u8>, keys: impl IntoIterator<Item = K>) -> usize {
///     keys.into_iter().filter_map(|key| reg.take(key).ok()).count()
/// }
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// let key = reg.try_register(Arc::new(Mutex::new(1))).unwrap();
/// let wide = reg.wide_key(key).unwrap();
/// assert_eq!(end_all(&reg, [key]), 1);
/// assert_eq!(end_all(&reg, [wide]), 0); // the same entry, ended once
/// ```
pub trait AsKey<T>: AsId<T> {}

/// What the compatibility layer's lookups ([`get`], [`remove`],
/// [`contains`]) accept: any [`AsKey`], or a plain `u32` id as code written
/// for a `HashMap<u32, _>` registry passes. `u32` is the only integer type
/// here, so integer literals infer as `u32`. Sealed: it has no method of its
/// own.
///
/// [`get`]: crate::ResourceRegistry::get
/// [`remove`]: crate::ResourceRegistry::remove
/// [`contains`]: crate::ResourceRegistry::contains
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Key, ResourceRegistry};
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// reg.insert(7, Arc::new(Mutex::new(1)));
/// let key = reg.try_register(Arc::new(Mutex::new(2))).unwrap();
/// assert!(reg.get(7).is_some() && reg.get(key).is_some() && reg.get(&key).is_some());
/// assert!(reg.get(key.into_raw()).is_some());
/// ```
pub trait AsId<T>: Raw {}

impl Raw for u32 {
    #[inline]
    fn raw_id(&self, _: Seal) -> u64 {
        u64::from(*self)
    }
}
impl<T> Raw for Key<T> {
    #[inline]
    fn raw_id(&self, _: Seal) -> u64 {
        u64::from(self.raw)
    }
}
impl<T> Raw for WideKey<T> {
    #[inline]
    fn raw_id(&self, _: Seal) -> u64 {
        self.raw
    }
}
impl<K: Raw> Raw for &K {
    #[inline]
    fn raw_id(&self, _: Seal) -> u64 {
        (**self).raw_id(SEAL)
    }
}

impl<T> AsId<T> for u32 {}
impl<T> AsId<T> for Key<T> {}
impl<T> AsId<T> for &Key<T> {}
impl<T> AsId<T> for WideKey<T> {}
impl<T> AsId<T> for &WideKey<T> {}
impl<T> AsKey<T> for Key<T> {}
impl<T> AsKey<T> for &Key<T> {}
impl<T> AsKey<T> for WideKey<T> {}
impl<T> AsKey<T> for &WideKey<T> {}
