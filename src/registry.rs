//! [`ResourceRegistry`]: tables behind locks, and the operations on one
//! entry. Enumeration lives in `enumerate.rs`, relations in `children.rs`,
//! everything else a table guarantees in `table.rs`.
//!
//! A key names its shard, so every operation on one id takes exactly one
//! lock, and only enumeration takes them all, in order. A thread registers
//! into its own group of shards (`home.rs`); a child goes to its parent's
//! shard, so a subtree is under one lock. Values leave a table before its
//! lock is released and are dropped, or handed to user code, only afterwards.

use std::fmt;
use std::sync::Arc;

use crate::counts::Count;
use crate::error::{Error, Rejected};
use crate::home::{home, saw};
use crate::key::{shard_of, slot_index, split_wide, AsKey, Key, WideKey, GROUPS, SEAL, SHARDS};
use crate::registration::{OwnedRegistration, Place, Registration};
use crate::sync::{lock, AtomicUsize, CachePadded, Mutex, MutexGuard};
use crate::table::{Filled, Id, Refused, Table, UNBOUNDED};
use crate::taken::Taken;
use crate::tree::Loc;

pub(crate) use crate::table::Value;

/// A thread-safe table of `Arc<Mutex<T>>` resources keyed by ids that stay
/// valid across a WebAssembly component boundary.
///
/// It can live in a `static` with no wrapper, and every method takes `&self`.
/// The common case is a guard in the resource's implementation struct:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::ResourceRegistry;
///
/// struct SpanInner { name: String }
/// static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(1024);
///
/// let span = SPANS.register(Arc::new(Mutex::new(SpanInner { name: "GET /".into() })));
/// assert_eq!(span.with(|s| s.name.clone()).as_deref(), Some("GET /"));
/// if let Ok(mut ended) = span.take() {                // exactly once
///     assert_eq!(ended.with(|s| s.name.clone()), "GET /");
/// }
/// assert!(SPANS.is_empty());
/// ```
///
/// # Methods by job
///
/// * Build: [`new`](Self::new), [`with_limit`](Self::with_limit),
///   [`set_limit`](Self::set_limit).
/// * Register: [`register`](Self::register) and
///   [`register_child`](Self::register_child) (a guard that never fails),
///   their `_owned` forms for a registry in an `Arc`, and
///   [`try_register`](Self::try_register) (a key, or the value back).
/// * End: [`take`](Self::take), [`take_tree`](Self::take_tree),
///   [`drain`](Self::drain), and the guard's [`take`](crate::Guard::take).
/// * Look: [`get`](Self::get), [`wide_key`](Self::wide_key),
///   [`children`](Self::children), [`parent`](Self::parent),
///   [`snapshot`](Self::snapshot), [`stats`](Self::stats),
///   [`leak_report`](Self::leak_report).
/// * The compatibility layer of the simple `HashMap<u32, _>` registry:
///   [`insert`](Self::insert), [`try_insert`](Self::try_insert),
///   [`get`](Self::get), [`remove`](Self::remove),
///   [`contains`](Self::contains), [`len`](Self::len),
///   [`is_empty`](Self::is_empty), `Default`.
///
/// # Three id spaces that never meet
///
/// * `0` names nothing, ever.
/// * **Caller-chosen ids** `1..=`[`MAX_CALLER_ID`](crate::MAX_CALLER_ID), given
///   to [`insert`](Self::insert), are stored as is, exactly like the
///   `HashMap<u32, Arc<Mutex<T>>>` this type replaces.
/// * **Issued keys**, from [`register`](Self::register) and its variants, are
///   `2^20` or more and generational: once removed, a [`Key`] stays dead for at
///   least [`KEY_REISSUE_BOUND`](crate::KEY_REISSUE_BOUND) (over `2^22`) later
///   registrations, and a [`WideKey`] for over `10^16` (`10^13` on 32-bit
///   targets, [`WIDE_KEY_REISSUE_BOUND`](crate::WIDE_KEY_REISSUE_BOUND)). Keep them in the
///   resource's own implementation struct (see the crate docs); never use a
///   wit-bindgen `handle()` as an identity.
///
/// # Limits
///
/// [`with_limit`](Self::with_limit) or [`set_limit`](Self::set_limit) bound
/// the live entries. A registration over the limit hands the value back:
/// kept in the guard ([`Guard::refusal`](crate::Guard::refusal)), or in a
/// [`Rejected`] with [`Error::Full`]. Every refusal for want of room counts
/// in [`Stats::rejected`](crate::Stats::rejected) and nowhere else.
///
/// # Concurrency and re-entrancy
///
/// Every method takes `&self`. The registry never runs user code (closures,
/// `Drop` of `T`) while it holds a lock, so a `Drop` or a closure may call back
/// into the same registry, natively and on wasm32 where a second lock of a
/// `Mutex` panics. A panic in user code leaves the registry usable.
pub struct ResourceRegistry<T> {
    pub(crate) shards: [CachePadded<Mutex<Table<T>>>; SHARDS],
    /// The limit on live entries; `UNBOUNDED` for none.
    pub(crate) limit: AtomicUsize,
    /// With several shards and a limit, every entry is counted here too, as
    /// the limit is over all of them. Read and written under a shard's lock;
    /// the limit only changes with every shard locked.
    pub(crate) counted: Count,
    /// With several shards, entries also count in the group of the thread
    /// that registered them (the low bits of their birth), wherever they are
    /// stored: threads in different groups never write the same counter, and
    /// one thread alone keeps an exact high-water mark.
    pub(crate) groups: [CachePadded<Count>; GROUPS],
}

/// With one shard, the table's own limit is the registry's.
pub(crate) const ONE_TABLE: bool = SHARDS == 1;

#[cfg(not(loom))]
impl<T> ResourceRegistry<T> {
    // A path to a constant may be repeated in an array expression even though
    // the table is not `Copy`; this is what makes `new` a `const fn`. It is
    // only ever copied into a new registry, never used in place.
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: CachePadded<Mutex<Table<T>>> = CachePadded(Mutex::new(Table::new()));
    #[allow(clippy::declare_interior_mutable_const)]
    const NO_COUNT: CachePadded<Count> = CachePadded(Count::new());

    /// An empty registry with no limit; usable in a `static`.
    ///
    /// ```
    /// use wit_resource_registry::ResourceRegistry;
    /// static SPANS: ResourceRegistry<String> = ResourceRegistry::new();
    /// assert!(SPANS.is_empty());
    /// ```
    pub const fn new() -> Self {
        ResourceRegistry {
            shards: [Self::EMPTY; SHARDS],
            limit: AtomicUsize::new(UNBOUNDED),
            counted: Count::new(),
            groups: [Self::NO_COUNT; GROUPS],
        }
    }

    /// An empty registry that holds at most `limit` live entries; usable in a
    /// `static`. A registry never holds more than
    /// [`MAX_ISSUED`](crate::MAX_ISSUED) issued keys, so a higher limit means
    /// that; [`stats`](Self::stats) reports the limit in force.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry, MAX_ISSUED};
    /// static SPANS: ResourceRegistry<u32> = ResourceRegistry::with_limit(2);
    /// SPANS.try_register(Arc::new(Mutex::new(1))).unwrap();
    /// SPANS.try_register(Arc::new(Mutex::new(2))).unwrap();
    /// let refused = SPANS.try_register(Arc::new(Mutex::new(3))).unwrap_err();
    /// assert_eq!(refused.error(), Error::Full { limit: 2 });
    /// let huge = ResourceRegistry::<u32>::with_limit(usize::MAX);
    /// assert_eq!(huge.stats().limit, Some(MAX_ISSUED));
    /// ```
    pub const fn with_limit(limit: usize) -> Self {
        let mut registry = Self::new();
        registry.limit = AtomicUsize::new(clamp(limit));
        registry
    }
}

impl<T> ResourceRegistry<T> {
    /// Sets the limit on live entries (`None` lifts it), as
    /// [`with_limit`](Self::with_limit) takes it: one above
    /// [`MAX_ISSUED`](crate::MAX_ISSUED) means as many as the registry can hold. Entries already
    /// alive beyond a new, lower limit stay; new ones are refused until the
    /// count is below it.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{ResourceRegistry, MAX_ISSUED};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.set_limit(Some(0));
    /// assert!(reg.try_register(Arc::new(Mutex::new(1))).is_err());
    /// reg.set_limit(None);
    /// assert!(reg.try_register(Arc::new(Mutex::new(2))).is_ok());
    /// reg.set_limit(Some(usize::MAX));
    /// assert_eq!(reg.stats().limit, Some(MAX_ISSUED));
    /// ```
    pub fn set_limit(&self, limit: Option<usize>) {
        self.switch_limit(limit.map_or(UNBOUNDED, clamp));
    }
}

/// A limit the registry can reach: one above [`MAX_ISSUED`](crate::MAX_ISSUED)
/// means "as many as it can hold".
pub(crate) const fn clamp(limit: usize) -> usize {
    if limit > crate::MAX_ISSUED {
        crate::MAX_ISSUED
    } else {
        limit
    }
}

// loom's primitives cannot be built in a `const fn`; the model tests build
// their registries at run time instead.
#[cfg(loom)]
impl<T> ResourceRegistry<T> {
    /// An empty registry with no limit.
    pub fn new() -> Self {
        ResourceRegistry {
            shards: std::array::from_fn(|_| CachePadded(Mutex::new(Table::new()))),
            limit: AtomicUsize::new(UNBOUNDED),
            counted: Count::new(),
            groups: std::array::from_fn(|_| CachePadded(Count::new())),
        }
    }

    /// An empty registry that holds at most `limit` live entries.
    pub fn with_limit(limit: usize) -> Self {
        let registry = Self::new();
        registry
            .limit
            .store(clamp(limit), crate::sync::Ordering::Relaxed);
        registry
    }
}

impl<T> Default for ResourceRegistry<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for ResourceRegistry<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceRegistry")
            .field("len", &self.len())
            .field("limit", &self.limit())
            .finish_non_exhaustive()
    }
}

/// An id as the tables read it, and the shard it lives in.
#[inline]
pub(crate) fn route(raw: u64) -> (usize, Id) {
    match u32::try_from(raw) {
        Ok(raw) => (shard_of(raw), Id::Raw(raw)),
        Err(_) => (shard_of(split_wide(raw).0), Id::Wide(raw)),
    }
}

impl<T> ResourceRegistry<T> {
    #[inline]
    pub(crate) fn table(&self, shard: usize) -> MutexGuard<'_, Table<T>> {
        lock(&self.shards[shard % SHARDS])
    }

    /// Stores `value` in `shard`'s table under a new key, as a child of
    /// `parent` if given (which must be live there).
    #[inline]
    pub(crate) fn place_in(
        &self,
        shard: usize,
        parent: Option<Id>,
        value: Value<T>,
        floor: u64,
    ) -> Result<Place, Refused<T>> {
        let mut table = self.table(shard);
        let parent = match parent {
            None => None,
            Some(id) => match table.locate(id) {
                Some(loc) => Some(loc),
                None => return Err((Error::NotFound, value)),
            },
        };
        let value = if self.counting() {
            self.reserve(&mut table, value)?
        } else {
            value
        };
        match table.insert(shard, value, floor, self.cap()) {
            Ok(Filled { key, wraps, born }) => {
                if let Some(parent) = parent {
                    table.link(parent, Loc::Slot(slot_index(key) as u32));
                }
                self.entered(born);
                drop(table);
                saw(born);
                Ok(Place {
                    shard,
                    key,
                    wraps,
                    born,
                })
            }
            Err(refused) => Err(self.unreserve(refused)),
        }
    }

    /// Registers into this thread's home shard, or, when that one holds all
    /// it can, into any other, and makes `made` of where it landed. The fast
    /// path alone is small enough to inline into the caller, and `made` lets
    /// it hand back only what the caller keeps (a key is one word where a
    /// `Place` is four); any other case goes out of line in one call.
    #[inline]
    pub(crate) fn place<R>(
        &self,
        value: Value<T>,
        made: impl Fn(Place) -> R,
    ) -> Result<R, Rejected<Value<T>>> {
        let (home, floor) = home();
        let mut table = self.table(home);
        let value = if self.counting() {
            value
        } else {
            match table.insert_fast(value, floor) {
                Ok(Filled { key, wraps, born }) => {
                    self.entered(born);
                    drop(table);
                    saw(born);
                    return Ok(made(Place {
                        shard: home,
                        key,
                        wraps,
                        born,
                    }));
                }
                Err(value) => value,
            }
        };
        drop(table);
        self.place_slow(home, value, floor, made)
    }

    /// [`place`](Self::place) past the fast path: the slow path, then other
    /// shards. It makes `made` of the landing itself, so the inlined caller
    /// gets back its own result as is, with nothing to convert.
    #[cold]
    #[inline(never)]
    fn place_slow<R>(
        &self,
        home: usize,
        value: Value<T>,
        floor: u64,
        made: impl Fn(Place) -> R,
    ) -> Result<R, Rejected<Value<T>>> {
        match self.place_in(home, None, value, floor) {
            Ok(place) => Ok(made(place)),
            Err((error, value)) => self.place_elsewhere(home, error, value, floor).map(made),
        }
    }

    #[cold]
    pub(crate) fn place_elsewhere(
        &self,
        home: usize,
        mut error: Error,
        mut value: Value<T>,
        floor: u64,
    ) -> Result<Place, Rejected<Value<T>>> {
        // Only a shard out of slots sends the value on; a full registry (its
        // refusal counted where it happened) refuses in every shard alike.
        for step in 1..SHARDS {
            if error != Error::Exhausted {
                break;
            }
            match self.place_in((home + step) % SHARDS, None, value, floor) {
                Ok(place) => return Ok(place),
                Err(refused) => (error, value) = refused,
            }
        }
        if error == Error::Exhausted {
            return Err(self.exhausted(home, error, value));
        }
        Err(Rejected::new(error, value))
    }

    /// Counts a refusal for want of a slot, once, in `shard`.
    #[cold]
    pub(crate) fn exhausted(
        &self,
        shard: usize,
        error: Error,
        value: Value<T>,
    ) -> Rejected<Value<T>> {
        let (error, value) = self.table(shard).refuse(error, value);
        Rejected::new(error, value)
    }

    /// Removes the entry a guard names.
    #[inline]
    pub(crate) fn remove_exact(&self, place: Place) -> Option<Value<T>> {
        let mut table = self.table(place.shard);
        let (value, born) = table.remove_exact(place.index(), place.born)?;
        self.left(born);
        drop(table);
        Some(value)
    }

    // ----- registering --------------------------------------------------

    /// Stores `value` under a new key and returns the guard to keep in the
    /// resource's implementation struct. Never fails: a value the registry
    /// refuses ([`Error::Full`], [`Error::Exhausted`]) is kept in the guard,
    /// which says why ([`refusal`](crate::Guard::refusal)) and ends it like
    /// any other ([`take`](crate::Guard::take)), so a WIT constructor, which
    /// cannot return an error, neither traps nor loses it.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// static SPANS: ResourceRegistry<&str> = ResourceRegistry::new();
    /// {
    ///     let span = SPANS.register(Arc::new(Mutex::new("span")));
    ///     assert_eq!(SPANS.len(), 1);
    ///     # let _ = span;
    /// }                                  // the caller dropped the handle
    /// assert_eq!(SPANS.len(), 0);
    /// ```
    #[inline]
    pub fn register(&self, value: Value<T>) -> Registration<'_, T> {
        Registration::new(self, self.place(value, |place| place))
    }

    /// Like [`register`](Self::register), for a registry kept in an `Arc` (one
    /// registry per instance, say): the guard holds a clone of the `Arc`, so
    /// it has no lifetime to carry.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{OwnedRegistration, ResourceRegistry};
    /// struct Instance { spans: Arc<ResourceRegistry<String>> }
    /// struct HostSpan { entry: OwnedRegistration<String> }
    ///
    /// let instance = Instance { spans: Arc::new(ResourceRegistry::new()) };
    /// let span = HostSpan { entry: instance.spans.register_owned(Arc::new(Mutex::new("GET /".into()))) };
    /// assert_eq!(instance.spans.len(), 1);
    /// drop(span);
    /// assert!(instance.spans.is_empty());
    /// ```
    pub fn register_owned(self: &Arc<Self>, value: Value<T>) -> OwnedRegistration<T> {
        OwnedRegistration::new(Arc::clone(self), self.place(value, |place| place))
    }

    /// Stores `value` under a new typed key and returns the key, or hands the
    /// value back with the reason ([`Error::Full`], [`Error::Exhausted`]).
    /// For entries that live by key alone (ended with [`take`](Self::take) or
    /// a [`drain`](Self::drain)); a resource keeps a guard instead
    /// ([`register`](Self::register)).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Key, ResourceRegistry};
    /// let reg: ResourceRegistry<&str> = ResourceRegistry::with_limit(1);
    /// let key: Key<&str> = reg.try_register(Arc::new(Mutex::new("span"))).unwrap();
    /// assert_eq!(*reg.get(key).unwrap().lock().unwrap(), "span");
    /// let refused = reg.try_register(Arc::new(Mutex::new("more"))).unwrap_err();
    /// assert_eq!(*refused.into_value().lock().unwrap(), "more");
    /// ```
    #[inline]
    pub fn try_register(&self, value: Value<T>) -> Result<Key<T>, Rejected<Value<T>>> {
        self.place(value, |place| Key::from_raw(place.key))
    }

    // ----- identity that survives the boundary -----------------------------

    /// The [`WideKey`] of the live entry under `key`; `None` if it names
    /// nothing (or a caller-chosen id, which has no wide form).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new(1))).unwrap();
    /// let wide = reg.wide_key(key).unwrap();
    /// assert_eq!(reg.take(wide).unwrap().into_inner().ok(), Some(1));
    /// assert!(reg.wide_key(key).is_none());
    /// ```
    pub fn wide_key<K: AsKey<T>>(&self, key: K) -> Option<WideKey<T>> {
        let (shard, id) = route(key.raw_id(SEAL));
        let table = self.table(shard);
        let loc = table.find(id)?;
        table.wide_key_of(loc).map(WideKey::from_raw)
    }

    // ----- ending ------------------------------------------------------------

    /// Ends the entry under `key`: removes it and hands back its value, as the
    /// owned `T` when the registry held the last reference and as the shared
    /// `Arc<Mutex<T>>` otherwise ([`Taken`]). Exactly once, even when threads
    /// race for it, and whatever clones exist: so an `Err` means only that
    /// something else ended it first ([`Error::NotFound`]), or that it has
    /// live children ([`Error::HasChildren`]; it stays, and
    /// [`take_tree`](Self::take_tree) ends it with them).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry, Taken};
    /// let reg: ResourceRegistry<String> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new("span".to_string()))).unwrap();
    /// let clone = reg.get(key).unwrap();              // a clone elsewhere
    /// let mut taken = reg.take(key).unwrap();         // ends it all the same
    /// assert!(matches!(taken, Taken::Shared(_)));
    /// assert_eq!(taken.with(|name| name.clone()), "span");
    /// assert_eq!(reg.take(key).unwrap_err(), Error::NotFound);
    /// # drop(clone);
    /// ```
    pub fn take<K: AsKey<T>>(&self, key: K) -> Result<Taken<T>, Error> {
        let (shard, id) = route(key.raw_id(SEAL));
        self.take_id(shard, id)
    }

    pub(crate) fn take_id(&self, shard: usize, id: Id) -> Result<Taken<T>, Error> {
        let mut table = self.table(shard);
        let loc = table.locate(id).ok_or(Error::NotFound)?;
        if table.has_children(loc) {
            return Err(Error::HasChildren);
        }
        let (value, born) = table.remove_at(loc).ok_or(Error::NotFound)?;
        self.left(born);
        drop(table);
        Ok(Taken::from_arc(value))
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
