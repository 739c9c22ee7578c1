//! [`ResourceRegistry`]: the shards, the global counters, and the operations
//! on one entry. Enumeration lives in `enumerate.rs`, relations in
//! `children.rs`.
//!
//! Design in short: the key names its shard, so every operation on one id
//! takes exactly one shard lock, and only enumeration takes them all, in
//! order. Registrations go to the registering thread's group of shards (see
//! `home.rs`), so threads working on their own resources rarely meet on a
//! lock; a child goes to its parent's shard, so a subtree is under one lock.
//! Values leave a shard before its lock is released and are dropped, or
//! handed to user closures, only afterwards: user code never runs under a
//! registry lock.

use std::fmt;
use std::sync::Arc;

use crate::counts::{Budget, UNBOUNDED};
use crate::error::{Error, Rejected};
use crate::home::{home_group, home_shard};
use crate::key::{
    decode, decode_wide, narrow_slot, AsKey, Check, Id, Key, WideKey, GROUP, MAX_ISSUED, SHARDS,
    SLOT_ID_BITS,
};
use crate::registration::{OwnedRegistration, Place, Registration};
use crate::shard::{Entry, Miss, Shard};
use crate::sync::{lock, CachePadded, Mutex, MutexGuard};
use crate::taken::Taken;
use crate::tree::Loc;

/// A thread-safe table of `Arc<Mutex<T>>` resources keyed by ids that stay
/// valid across a WebAssembly component boundary.
///
/// It can live in a `static` with no wrapper, and every method takes `&self`:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::ResourceRegistry;
///
/// struct SpanInner { name: String }
/// static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::new();
///
/// let id = SPANS.register(Arc::new(Mutex::new(SpanInner { name: "GET /".into() })));
/// assert_eq!(SPANS.get(id).unwrap().lock().unwrap().name, "GET /");
/// let span = SPANS.take(id).unwrap().into_inner().ok().unwrap();  // exactly once
/// assert!(SPANS.take(id).is_err());
/// # assert_eq!(span.name, "GET /");
/// ```
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
///   registrations, and a [`WideKey`] for over `10^16` (`4 * 10^12` on 32-bit
///   targets, [`WIDE_KEY_REUSES`](crate::WIDE_KEY_REUSES)). Keep them in the
///   resource's own implementation struct (see the crate docs); never use a
///   wit-bindgen `handle()` as an identity.
///
/// `insert` under a live issued key replaces that entry's value (the entry
/// keeps its key, age and guard); under any other id at or above `2^16` it is
/// refused with [`Error::InvalidId`].
///
/// # Limits
///
/// [`with_limit`](Self::with_limit) or [`set_limit`](Self::set_limit) bound
/// the live entries. The fallible methods ([`try_register`](Self::try_register),
/// [`try_insert`](Self::try_insert), [`register_guarded`](Self::register_guarded))
/// then refuse with [`Error::Full`] and hand the value back. The infallible
/// compatible methods keep their signatures and still respect the bound:
/// [`register`](Self::register) returns `0` (an id that never names an entry)
/// and drops the value, [`insert`](Self::insert) returns the refused value
/// itself. Every refusal for want of room counts in
/// [`Stats::rejected`](crate::Stats::rejected) and nowhere else.
///
/// # Concurrency and re-entrancy
///
/// Every method takes `&self`. The registry never runs user code (closures,
/// `Drop` of `T`) while it holds a lock, so a `Drop` or a closure may call back
/// into the same registry, natively and on wasm32 where a second lock of a
/// `Mutex` panics. A panic in user code leaves the registry usable.
pub struct ResourceRegistry<T> {
    pub(crate) shards: [CachePadded<Mutex<Shard<T>>>; SHARDS],
    pub(crate) counts: Budget,
}

/// The `u32` ids from here up are issued keys; below, caller ids and ids
/// that name nothing.
const ISSUED_FROM: u32 = 1 << SLOT_ID_BITS;
/// What a lookup by slot passes for its `u32` id when it was an issued key
/// for sure (a guard's, a wide key's): a miss is then counted and final.
const ISSUED: u32 = u32::MAX;

/// The values users store: always std's `Mutex`, also under loom, where only
/// the registry's own locks are modelled.
pub(crate) type Value<T> = Arc<std::sync::Mutex<T>>;

#[cfg(not(loom))]
impl<T> ResourceRegistry<T> {
    // A path to a constant may be repeated in an array expression even though
    // the shard is not `Copy`; this is what makes `new` a `const fn`. It is
    // only ever copied into a new registry, never used in place.
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY_SHARD: CachePadded<Mutex<Shard<T>>> = CachePadded(Mutex::new(Shard::new()));

    /// An empty registry with no limit; usable in a `static`.
    ///
    /// ```
    /// use wit_resource_registry::ResourceRegistry;
    /// static SPANS: ResourceRegistry<String> = ResourceRegistry::new();
    /// assert!(SPANS.is_empty());
    /// ```
    pub const fn new() -> Self {
        Self::build(UNBOUNDED)
    }

    const fn build(limit: usize) -> Self {
        ResourceRegistry {
            shards: [Self::EMPTY_SHARD; SHARDS],
            counts: Budget::new(limit),
        }
    }

    /// An empty registry that holds at most `limit` live entries; usable in a
    /// `static`. A limit above [`MAX_ISSUED`](crate::MAX_ISSUED), the most
    /// the registry can hold, is lowered to it (and [`limit`](Self::limit)
    /// says so); [`try_with_limit`](Self::try_with_limit) refuses it instead.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry};
    /// static SPANS: ResourceRegistry<u32> = ResourceRegistry::with_limit(2);
    /// SPANS.try_register(Arc::new(Mutex::new(1))).unwrap();
    /// SPANS.try_register(Arc::new(Mutex::new(2))).unwrap();
    /// let refused = SPANS.try_register(Arc::new(Mutex::new(3))).unwrap_err();
    /// assert_eq!(refused.error(), Error::Full { limit: 2 });
    /// assert_eq!(ResourceRegistry::<u32>::with_limit(usize::MAX).limit(), Some(wit_resource_registry::MAX_ISSUED));
    /// ```
    pub const fn with_limit(limit: usize) -> Self {
        Self::build(if limit > MAX_ISSUED {
            MAX_ISSUED
        } else {
            limit
        })
    }

    /// An empty registry that holds at most `limit` live entries, or
    /// [`Error::LimitTooHigh`] if it could never hold that many.
    ///
    /// ```
    /// use wit_resource_registry::{Error, ResourceRegistry, MAX_ISSUED};
    /// assert!(ResourceRegistry::<u8>::try_with_limit(MAX_ISSUED).is_ok());
    /// let too_high = ResourceRegistry::<u8>::try_with_limit(MAX_ISSUED + 1).unwrap_err();
    /// assert_eq!(too_high, Error::LimitTooHigh { max: MAX_ISSUED });
    /// ```
    pub const fn try_with_limit(limit: usize) -> Result<Self, Error> {
        if limit > MAX_ISSUED {
            return Err(Error::LimitTooHigh { max: MAX_ISSUED });
        }
        Ok(Self::build(limit))
    }
}

// loom's primitives cannot be built in a `const fn`; the model tests build
// their registries at run time instead.
#[cfg(loom)]
impl<T> ResourceRegistry<T> {
    /// An empty registry with no limit.
    pub fn new() -> Self {
        Self::with_limit(UNBOUNDED)
    }

    /// An empty registry that holds at most `limit` live entries.
    pub fn with_limit(limit: usize) -> Self {
        ResourceRegistry {
            shards: std::array::from_fn(|_| CachePadded(Mutex::new(Shard::new()))),
            counts: Budget::new(limit),
        }
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

impl<T> ResourceRegistry<T> {
    #[inline]
    pub(crate) fn lock_shard(&self, id: Id) -> MutexGuard<'_, Shard<T>> {
        lock(&self.shards[id.shard()])
    }

    // ----- the compatible API ---------------------------------------------

    /// Stores `value` under a caller-chosen `id`, returning the value it
    /// displaced (never dropping it silently), like `HashMap::insert`.
    ///
    /// Caller-chosen ids are `1..=`[`MAX_CALLER_ID`](crate::MAX_CALLER_ID);
    /// `id` may also be a live issued key, whose value is then replaced. Any
    /// other id, and a new id on a registry at its limit, is refused: the
    /// refused `value` itself is returned. Use
    /// [`try_insert`](Self::try_insert) to tell the cases apart.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<&str> = ResourceRegistry::new();
    /// assert!(reg.insert(7, Arc::new(Mutex::new("a"))).is_none());
    /// let old = reg.insert(7, Arc::new(Mutex::new("b"))).unwrap();
    /// assert_eq!(*old.lock().unwrap(), "a");
    /// assert_eq!(*reg.get(7).unwrap().lock().unwrap(), "b");
    /// ```
    pub fn insert<K: AsKey<T>>(&self, id: K, value: Value<T>) -> Option<Value<T>> {
        match self.try_insert(id, value) {
            Ok(displaced) => displaced,
            Err(refused) => Some(refused.into_value()),
        }
    }

    /// Stores `value` under a caller-chosen `id`; `Ok` holds the displaced
    /// value, `Err` the refused one: [`Error::Full`] when a new id would
    /// exceed the limit, [`Error::InvalidId`] for `0` or an id of the issued
    /// range that names no live entry.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(1);
    /// assert!(reg.try_insert(1, Arc::new(Mutex::new(1))).unwrap().is_none());
    /// // Replacing does not add an entry, so it is allowed at the limit.
    /// assert!(reg.try_insert(1, Arc::new(Mutex::new(2))).unwrap().is_some());
    /// let refused = reg.try_insert(2, Arc::new(Mutex::new(3))).unwrap_err();
    /// assert_eq!(refused.error(), Error::Full { limit: 1 });
    /// let refused = reg.try_insert(0, Arc::new(Mutex::new(4))).unwrap_err();
    /// assert_eq!(refused.error(), Error::InvalidId);
    /// ```
    pub fn try_insert<K: AsKey<T>>(
        &self,
        id: K,
        value: Value<T>,
    ) -> Result<Option<Value<T>>, Rejected<Value<T>>> {
        let id = decode_wide(id.raw_id());
        let mut shard = self.lock_shard(id);
        if let Ok(loc) = shard.find(id) {
            let displaced = shard.replace(loc, value);
            drop(shard);
            return Ok(displaced);
        }
        let raw = match id {
            Id::Caller(raw) => raw,
            _ => return Err(Rejected::new(Error::InvalidId, value)),
        };
        match self.counts.reserve(home_group()) {
            Ok(born) => {
                shard.add_named(raw, Entry { value, born });
                Ok(None)
            }
            Err(error) => {
                drop(shard);
                Err(Rejected::new(error, value))
            }
        }
    }

    /// A clone of the value under `id` (a `u32`, a [`Key<T>`] or a
    /// [`WideKey<T>`]), if any.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let id = reg.register(Arc::new(Mutex::new(5)));
    /// assert_eq!(*reg.get(id).unwrap().lock().unwrap(), 5);
    /// assert!(reg.get(id ^ 1).is_none());
    /// ```
    #[inline]
    pub fn get<K: AsKey<T>>(&self, id: K) -> Option<Value<T>> {
        let raw = id.raw_id();
        match u32::try_from(raw) {
            Ok(raw) => {
                let (shard, index, check) = narrow_slot(raw);
                self.get_in(shard, index, check, raw)
            }
            Err(_) => self.get_id(decode_wide(raw)),
        }
    }

    /// [`get`](Self::get) of an id decoded whole: a guard's, a wide key's.
    #[inline]
    pub(crate) fn get_id(&self, id: Id) -> Option<Value<T>> {
        match id {
            Id::Slot {
                shard,
                index,
                check,
            } => self.get_in(shard, index, check, ISSUED),
            other => {
                let mut shard = self.lock_shard(other);
                let loc = shard.lookup(other)?;
                shard.value(loc).map(Arc::clone)
            }
        }
    }

    /// The value in slot `index` of `shard`, if `check` recognises its
    /// entry; a miss goes out of line with `raw`, the `u32` id the slot was
    /// read from ([`ISSUED`] when it was an issued key for sure).
    #[inline]
    fn get_in(&self, shard: usize, index: usize, check: Check, raw: u32) -> Option<Value<T>> {
        let mut guard = lock(&self.shards[shard]);
        match guard.slot_value(index, check) {
            Ok(value) => Some(Arc::clone(value)),
            Err(miss) => Self::get_missed(&mut guard, miss, raw),
        }
    }

    #[cold]
    #[inline(never)]
    fn get_missed(shard: &mut Shard<T>, miss: Miss, raw: u32) -> Option<Value<T>> {
        let loc = Self::missed(shard, miss, raw)?;
        shard.value(loc).map(Arc::clone)
    }

    /// A lookup by slot missed: a `raw` below `2^20` is no issued key (see
    /// [`narrow_slot`]) and is looked up as what it is, in the same shard;
    /// otherwise the miss is counted.
    #[inline]
    fn missed(shard: &mut Shard<T>, miss: Miss, raw: u32) -> Option<Loc> {
        if raw < ISSUED_FROM {
            return shard.lookup(decode(raw));
        }
        shard.count_miss(miss);
        None
    }

    /// Whether `id` names a live entry. Not counted in the lookup stats.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let id = reg.register(Arc::new(Mutex::new(5)));
    /// assert!(reg.contains(id));
    /// reg.remove(id);
    /// assert!(!reg.contains(id));
    /// ```
    pub fn contains<K: AsKey<T>>(&self, id: K) -> bool {
        let id = decode_wide(id.raw_id());
        self.lock_shard(id).find(id).is_ok()
    }

    /// Removes the entry under `id` and returns its value. Its live children,
    /// if any, stay registered and become roots.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let id = reg.register(Arc::new(Mutex::new(5)));
    /// assert!(reg.remove(id).is_some());
    /// assert!(reg.remove(id).is_none());
    /// ```
    #[inline]
    pub fn remove<K: AsKey<T>>(&self, id: K) -> Option<Value<T>> {
        let raw = id.raw_id();
        match u32::try_from(raw) {
            Ok(raw) => {
                let (shard, index, check) = narrow_slot(raw);
                self.remove_in(shard, index, check, raw)
            }
            Err(_) => self.remove_id(decode_wide(raw)),
        }
    }

    /// [`remove`](Self::remove) of an id decoded whole: a guard's, a wide
    /// key's.
    #[inline]
    pub(crate) fn remove_id(&self, id: Id) -> Option<Value<T>> {
        match id {
            Id::Slot {
                shard,
                index,
                check,
            } => self.remove_in(shard, index, check, ISSUED),
            other => {
                let mut shard = self.lock_shard(other);
                let loc = shard.lookup(other)?;
                let entry = shard.remove_at(loc)?;
                self.counts.release(entry.born);
                drop(shard);
                Some(entry.value)
            }
        }
    }

    /// Removes the entry in slot `index` of `shard` if `check` recognises
    /// it; a miss goes out of line as in [`get_in`](Self::get_in).
    #[inline]
    fn remove_in(&self, shard: usize, index: usize, check: Check, raw: u32) -> Option<Value<T>> {
        let mut guard = lock(&self.shards[shard]);
        let entry = match guard.take_slot(index, check) {
            Ok(entry) => entry,
            Err(miss) => Self::remove_missed(&mut guard, miss, raw)?,
        };
        // Under the lock, so that the count never holds a removed entry.
        self.counts.release(entry.born);
        drop(guard);
        Some(entry.value)
    }

    #[cold]
    #[inline(never)]
    fn remove_missed(shard: &mut Shard<T>, miss: Miss, raw: u32) -> Option<Entry<T>> {
        let loc = Self::missed(shard, miss, raw)?;
        shard.remove_at(loc)
    }

    /// Stores `value` under a new registry-issued id (never `0`, never below
    /// `2^16`), the compatible form of [`try_register`](Self::try_register).
    ///
    /// When the registry is at its limit (or out of slots) the value is
    /// refused: it is dropped and `0` is returned, an id that never names an
    /// entry. Use [`try_register`](Self::try_register) to get it back instead.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(1);
    /// let id = reg.register(Arc::new(Mutex::new(1)));
    /// assert!(id >= 1 << 16);
    /// assert_eq!(reg.register(Arc::new(Mutex::new(2))), 0);
    /// assert!(reg.get(0).is_none());
    /// assert_eq!(reg.stats().rejected, 1);
    /// ```
    #[inline]
    pub fn register(&self, value: Value<T>) -> u32 {
        match self.try_register(value) {
            Ok(key) => key.into_raw(),
            Err(_refused) => 0,
        }
    }

    /// The number of live entries.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new(1)));
    /// reg.insert(40, Arc::new(Mutex::new(2)));
    /// assert_eq!(reg.len(), 2);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.counts.live()
    }

    /// Whether no entry is alive.
    ///
    /// ```
    /// use wit_resource_registry::ResourceRegistry;
    /// assert!(ResourceRegistry::<u8>::new().is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // ----- identity that survives the boundary -----------------------------

    /// Stores `value` under a new typed key, or hands it back with the reason
    /// ([`Error::Full`], [`Error::Exhausted`]).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Key, ResourceRegistry};
    /// let reg: ResourceRegistry<&str> = ResourceRegistry::new();
    /// let key: Key<&str> = reg.try_register(Arc::new(Mutex::new("span"))).unwrap();
    /// assert_eq!(*reg.get(key).unwrap().lock().unwrap(), "span");
    /// ```
    #[inline]
    pub fn try_register(&self, value: Value<T>) -> Result<Key<T>, Rejected<Value<T>>> {
        self.register_place(value).map(Place::key)
    }

    #[inline]
    pub(crate) fn register_place(&self, value: Value<T>) -> Result<Place, Rejected<Value<T>>> {
        let home = home_shard();
        for step in 0..SHARDS {
            let index = (home + step) % SHARDS;
            let mut shard = lock(&self.shards[index]);
            if let Some(slot) = shard.claim() {
                return self.admit(index, home / GROUP, &mut shard, slot, None, value);
            }
        }
        Err(Rejected::new(self.counts.refuse(Error::Exhausted), value))
    }

    /// Fills a claimed slot if the count allows, or gives the slot back: the
    /// one place a registration either happens or leaves no trace.
    #[inline]
    pub(crate) fn admit(
        &self,
        shard_index: usize,
        home_group: usize,
        shard: &mut Shard<T>,
        slot: u32,
        parent: Option<Loc>,
        value: Value<T>,
    ) -> Result<Place, Rejected<Value<T>>> {
        match self.counts.reserve(home_group) {
            Ok(born) => {
                let generation = shard.fill(slot, Entry { value, born });
                if let Some(parent) = parent {
                    shard.link(parent, Loc::Slot(slot));
                }
                Ok(Place {
                    shard: shard_index,
                    index: slot,
                    generation,
                })
            }
            Err(error) => {
                shard.unclaim(slot);
                Err(Rejected::new(error, value))
            }
        }
    }

    /// Like [`try_register`](Self::try_register), but returns a
    /// [`Registration`] guard that removes the entry when dropped: keep it in
    /// the resource's implementation struct and the entry goes away when the
    /// caller drops the handle.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// static SPANS: ResourceRegistry<&str> = ResourceRegistry::new();
    /// {
    ///     let guard = SPANS.register_guarded(Arc::new(Mutex::new("span"))).unwrap();
    ///     assert_eq!(SPANS.len(), 1);
    ///     # let _ = guard;
    /// }
    /// assert_eq!(SPANS.len(), 0);
    /// ```
    pub fn register_guarded(
        &self,
        value: Value<T>,
    ) -> Result<Registration<'_, T>, Rejected<Value<T>>> {
        self.register_place(value)
            .map(|place| Registration::new(self, place))
    }

    /// Like [`register_guarded`](Self::register_guarded), for a registry kept
    /// in an `Arc` (one registry per instance, say): the guard holds a clone
    /// of the `Arc`, so it has no lifetime to carry.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{OwnedRegistration, ResourceRegistry};
    /// struct Instance { spans: Arc<ResourceRegistry<String>> }
    /// struct HostSpan { entry: OwnedRegistration<String> }
    ///
    /// let instance = Instance { spans: Arc::new(ResourceRegistry::new()) };
    /// let span = HostSpan {
    ///     entry: instance.spans.register_owned(Arc::new(Mutex::new("GET /".into()))).unwrap(),
    /// };
    /// assert_eq!(instance.spans.len(), 1);
    /// drop(span);
    /// assert!(instance.spans.is_empty());
    /// ```
    pub fn register_owned(
        self: &Arc<Self>,
        value: Value<T>,
    ) -> Result<OwnedRegistration<T>, Rejected<Value<T>>> {
        self.register_place(value)
            .map(|place| OwnedRegistration::new(Arc::clone(self), place))
    }

    /// The [`WideKey`] of the live entry under `id`; `None` for a caller-chosen
    /// id or an id that names nothing.
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
    pub fn wide_key<K: AsKey<T>>(&self, id: K) -> Option<WideKey<T>> {
        let id = decode_wide(id.raw_id());
        let shard = self.lock_shard(id);
        let loc = shard.find(id).ok()?;
        shard.wide_key_of(id.shard(), loc).map(WideKey::from_raw)
    }

    // ----- lifecycle -------------------------------------------------------

    /// Ends the entry under `id`: removes it and hands back its value, as the
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
    /// let id = reg.register(Arc::new(Mutex::new("span".to_string())));
    /// let clone = reg.get(id).unwrap();               // a clone elsewhere
    /// let mut taken = reg.take(id).unwrap();          // ends it all the same
    /// assert!(matches!(taken, Taken::Shared(_)));
    /// assert_eq!(taken.with(|name| name.clone()), "span");
    /// assert_eq!(reg.take(id).unwrap_err(), Error::NotFound);
    /// # drop(clone);
    /// ```
    pub fn take<K: AsKey<T>>(&self, id: K) -> Result<Taken<T>, Error> {
        self.take_id(decode_wide(id.raw_id()))
    }

    pub(crate) fn take_id(&self, id: Id) -> Result<Taken<T>, Error> {
        let mut shard = self.lock_shard(id);
        let loc = shard.lookup(id).ok_or(Error::NotFound)?;
        if shard.has_children(loc) {
            return Err(Error::HasChildren);
        }
        let entry = shard.remove_at(loc).ok_or(Error::NotFound)?;
        self.counts.release(entry.born);
        drop(shard);
        Ok(Taken::from_arc(entry.value))
    }

    // ----- limits ------------------------------------------------------------

    /// The limit on live entries, if any.
    ///
    /// ```
    /// use wit_resource_registry::ResourceRegistry;
    /// assert_eq!(ResourceRegistry::<u8>::with_limit(8).limit(), Some(8));
    /// assert_eq!(ResourceRegistry::<u8>::new().limit(), None);
    /// ```
    pub fn limit(&self) -> Option<usize> {
        self.counts.limit()
    }

    /// Sets the limit (the same `usize` [`with_limit`](Self::with_limit)
    /// takes), or refuses one the registry could never reach with
    /// [`Error::LimitTooHigh`]. Entries already alive beyond a new, lower
    /// limit stay; new ones are refused until the count is below it.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry, MAX_ISSUED};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.set_limit(0).unwrap();
    /// assert!(reg.try_register(Arc::new(Mutex::new(1))).is_err());
    /// assert_eq!(reg.set_limit(usize::MAX), Err(Error::LimitTooHigh { max: MAX_ISSUED }));
    /// assert_eq!(reg.limit(), Some(0));
    /// ```
    pub fn set_limit(&self, limit: usize) -> Result<(), Error> {
        if limit > MAX_ISSUED {
            return Err(Error::LimitTooHigh { max: MAX_ISSUED });
        }
        self.switch_limit(limit);
        Ok(())
    }

    /// Lifts the limit.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(0);
    /// reg.lift_limit();
    /// assert_eq!(reg.limit(), None);
    /// assert!(reg.try_register(Arc::new(Mutex::new(1))).is_ok());
    /// ```
    pub fn lift_limit(&self) {
        self.switch_limit(UNBOUNDED);
    }

    /// Bounded and unbounded registries keep their counts in different places
    /// (`counts.rs`); every shard is locked while they move.
    fn switch_limit(&self, limit: usize) {
        let shards = self.lock_all();
        self.counts.rebalance(limit, home_group(), |count| {
            for (index, shard) in shards.iter().enumerate() {
                shard.for_each(index, |_, _, birth| count(birth));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val<V>(v: V) -> Value<V> {
        Arc::new(std::sync::Mutex::new(v))
    }

    #[test]
    fn registry_is_send_sync_and_static() {
        fn assert_send_sync<X: Send + Sync>() {}
        assert_send_sync::<ResourceRegistry<String>>();
        static R: ResourceRegistry<String> = ResourceRegistry::new();
        let id = R.register(val("x".to_string()));
        assert!(R.remove(id).is_some());
    }

    #[test]
    fn full_registry_refuses_without_losing_values() {
        let reg = ResourceRegistry::with_limit(2);
        let a = reg.register(val(1));
        let b = reg.try_register(val(2)).unwrap();
        let refused = reg.try_register(val(3)).unwrap_err();
        assert_eq!(*refused.into_value().lock().unwrap(), 3);
        let back = reg.insert(99, val(4)).unwrap();
        assert_eq!(*back.lock().unwrap(), 4);
        assert_eq!(reg.register(val(5)), 0);
        assert_eq!(reg.stats().rejected, 3);
        assert!(reg.remove(a).is_some());
        assert!(reg.try_register(val(6)).is_ok());
        assert!(reg.get(b).is_some());
        assert_eq!(reg.stats().high_water, 2);
    }

    #[test]
    fn running_out_of_slots_refuses_hands_back_and_leaves_no_trace() {
        let reg = ResourceRegistry::new();
        for _ in 0..MAX_ISSUED {
            assert_ne!(reg.register(val(())), 0);
        }
        let before = reg.stats();
        let refused = reg.try_register(val(())).unwrap_err();
        assert_eq!(refused.error(), Error::Exhausted);
        let after = reg.stats();
        assert_eq!(after.rejected, before.rejected + 1);
        assert_eq!(
            (after.live, after.high_water, after.clock, reg.len()),
            (before.live, before.high_water, before.clock, MAX_ISSUED)
        );
        // Caller-chosen ids do not use slots and still fit.
        assert!(reg.try_insert(1, val(())).is_ok());
    }

    #[test]
    fn registrations_spread_but_every_key_resolves() {
        let reg = ResourceRegistry::new();
        let keys: Vec<u32> = (0..1000).map(|n| reg.register(val(n))).collect();
        for (n, &k) in keys.iter().enumerate() {
            assert_eq!(*reg.get(k).unwrap().lock().unwrap(), n);
        }
        let report: Vec<u32> = reg
            .leak_report()
            .entries
            .iter()
            .map(|l| l.key.into_raw())
            .collect();
        assert_eq!(
            report, keys,
            "one thread's entries are reported oldest first"
        );
        let mut values: Vec<usize> = reg
            .drain()
            .iter()
            .map(|(_, v)| *v.lock().unwrap())
            .collect();
        values.sort_unstable();
        assert_eq!(values, (0..1000).collect::<Vec<_>>(), "each once");
    }
}
