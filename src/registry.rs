//! [`ResourceRegistry`]: the shards, the global counters, and every public
//! operation.
//!
//! Design in short: the key names its shard, so every operation on one id
//! takes exactly one shard lock, and only enumeration takes them all, in
//! order. Registrations go to the registering thread's group of shards (see
//! `home_shard`), so threads working on their own resources rarely meet on a
//! lock. The live count is one atomic, reserved before an entry is stored, so
//! a limit holds at every moment. Values leave a shard before its lock is
//! released and are dropped, or handed to user closures, only afterwards: user
//! code never runs under a registry lock.

use std::cell::Cell;
use std::fmt;
use std::sync::{Arc, PoisonError};

use crate::counts::{Counts, UNBOUNDED};
use crate::error::{Error, Rejected};
use crate::key::{decode, AsKey, Key, SHARDS};
use crate::registration::Registration;
use crate::shard::{Counters, Entry, Shard};
use crate::stats::{Leak, LeakReport, Stats};
use crate::sync::{lock, CachePadded, Mutex, MutexGuard};

/// A thread-safe table of `Arc<Mutex<T>>` resources keyed by `u32` ids that
/// stay valid across a WebAssembly component boundary.
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
/// let inner = SPANS.take(id).unwrap();  // exactly once
/// assert!(SPANS.take(id).is_err());
/// # assert_eq!(inner.name, "GET /");
/// ```
///
/// # Two kinds of id, one namespace
///
/// * **Issued keys**, from [`register`](Self::register) /
///   [`try_register`](Self::try_register), are generational: once removed, a
///   key finds nothing until its slot has been reused
///   [`GENERATION_WRAP`](crate::GENERATION_WRAP) (4096) times. Keep them in the
///   resource's own implementation struct (see the crate docs); never use a
///   wit-bindgen `handle()` as an identity.
/// * **Caller-chosen ids**, given to [`insert`](Self::insert), are stored as
///   is, exactly like the `HashMap<u32, Arc<Mutex<T>>>` this type replaces.
///
/// An id always names at most one entry: inserting under a live issued key
/// replaces that entry, and `register` never issues an id a caller is using.
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
/// itself. Both count the refusal in [`Stats::rejected`].
///
/// # Concurrency and re-entrancy
///
/// Every method takes `&self`. The registry never runs user code (closures,
/// `Drop` of `T`) while it holds a lock, so a `Drop` or a closure may call back
/// into the same registry, natively and on wasm32 where a second lock of a
/// `Mutex` panics. A panic in user code leaves the registry usable.
pub struct ResourceRegistry<T> {
    shards: [CachePadded<Mutex<Shard<T>>>; SHARDS],
    counts: CachePadded<Counts>,
}

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
        Self::with_limit(UNBOUNDED)
    }

    /// An empty registry that holds at most `limit` live entries
    /// (`usize::MAX` means no limit); usable in a `static`.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry};
    /// static SPANS: ResourceRegistry<u32> = ResourceRegistry::with_limit(2);
    /// SPANS.try_register(Arc::new(Mutex::new(1))).unwrap();
    /// SPANS.try_register(Arc::new(Mutex::new(2))).unwrap();
    /// let refused = SPANS.try_register(Arc::new(Mutex::new(3))).unwrap_err();
    /// assert_eq!(refused.error(), Error::Full { limit: 2 });
    /// ```
    pub const fn with_limit(limit: usize) -> Self {
        ResourceRegistry {
            shards: [Self::EMPTY_SHARD; SHARDS],
            counts: CachePadded(Counts::new(limit)),
        }
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
            counts: CachePadded(Counts::new(limit)),
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

/// Shards per thread group (see [`home_shard`]).
const GROUP: usize = if SHARDS >= 4 { 4 } else { SHARDS };

/// The shard this thread registers into next. Threads are spread over groups
/// of [`GROUP`] shards in the order they first register, and each thread
/// rotates through its group: threads working on their own resources rarely
/// meet on a lock, and resources one thread creates for others to read are
/// spread over several locks rather than one.
#[inline]
fn home_shard() -> usize {
    if SHARDS == 1 {
        return 0;
    }
    // A plain std atomic even under loom: it only spreads threads, it does not
    // order anything, and a `static` needs a `const` constructor.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static HOME: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    HOME.try_with(|home| {
        let mut shard = home.get();
        if shard == usize::MAX {
            shard = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) * GROUP % SHARDS;
        }
        home.set(shard - shard % GROUP + (shard + 1) % GROUP);
        shard
    })
    .unwrap_or(0)
}

/// The values users store: always std's `Mutex`, also under loom, where only
/// the registry's own locks are modelled.
type Value<T> = Arc<std::sync::Mutex<T>>;

impl<T> ResourceRegistry<T> {
    #[inline]
    fn shard(&self, raw: u32) -> &Mutex<Shard<T>> {
        &self.shards[decode(raw).shard]
    }

    // ----- the compatible API ---------------------------------------------

    /// Stores `value` under a caller-chosen `id`, returning the value it
    /// displaced (never dropping it silently), like `HashMap::insert`.
    ///
    /// If `id` is a live issued key, that entry's value is replaced. On a
    /// registry at its limit, a new id is refused and the refused `value` itself
    /// is returned; use [`try_insert`](Self::try_insert) to tell the two apart.
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
    /// value, `Err` the refused one when a new id would exceed the limit.
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
    /// ```
    pub fn try_insert<K: AsKey<T>>(
        &self,
        id: K,
        value: Value<T>,
    ) -> Result<Option<Value<T>>, Rejected<Value<T>>> {
        let raw = id.raw_id();
        let mut shard = lock(self.shard(raw));
        let born = if shard.contains(raw) {
            self.counts.tick()
        } else {
            match self.counts.reserve() {
                Ok(born) => born,
                Err(error) => {
                    drop(shard);
                    return Err(Rejected::new(error, value));
                }
            }
        };
        let displaced = shard.insert(raw, Entry { value, born });
        drop(shard);
        Ok(displaced.map(|entry| entry.value))
    }

    /// A clone of the value under `id` (a `u32` or a [`Key<T>`]), if any.
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
        let mut shard = lock(self.shard(raw));
        shard.get(raw).map(|entry| Arc::clone(&entry.value))
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
        let raw = id.raw_id();
        let shard = lock(self.shard(raw));
        shard.contains(raw)
    }

    /// Removes the entry under `id` and returns its value.
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
        let removed = lock(self.shard(raw)).remove(raw);
        removed.map(|entry| {
            self.counts.release(1);
            entry.value
        })
    }

    /// Stores `value` under a new registry-issued id (never `0`), the
    /// compatible form of [`try_register`](Self::try_register).
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
    /// assert_ne!(id, 0);
    /// assert_eq!(reg.register(Arc::new(Mutex::new(2))), 0);
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
        let born = match self.counts.reserve() {
            Ok(born) => born,
            Err(error) => return Err(Rejected::new(error, value)),
        };
        let mut entry = Entry { value, born };
        let home = home_shard();
        for step in 0..SHARDS {
            let shard = (home + step) % SHARDS;
            let allocated = lock(&self.shards[shard]).alloc(shard, entry);
            match allocated {
                Ok(raw) => return Ok(Key::from_raw(raw)),
                Err(back) => entry = back,
            }
        }
        self.counts.release(1);
        Err(Rejected::new(
            self.counts.refuse(Error::Exhausted),
            entry.value,
        ))
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
    ///     let reg = SPANS.register_guarded(Arc::new(Mutex::new("span"))).unwrap();
    ///     assert_eq!(SPANS.len(), 1);
    ///     # let _ = reg;
    /// }
    /// assert_eq!(SPANS.len(), 0);
    /// ```
    pub fn register_guarded(
        &self,
        value: Value<T>,
    ) -> Result<Registration<'_, T>, Rejected<Value<T>>> {
        self.try_register(value)
            .map(|key| Registration::new(self, key))
    }

    // ----- lifecycle -------------------------------------------------------

    /// Removes the entry under `id` and returns its value by value: exactly
    /// once, even when threads race for it.
    ///
    /// Fails with [`Error::NotFound`] when nothing lives under `id` (never
    /// issued, already removed or taken) and with [`Error::Shared`] when other
    /// clones of the entry's `Arc` are alive; then the entry stays registered.
    /// A value whose mutex was poisoned is returned all the same.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<String> = ResourceRegistry::new();
    /// let id = reg.register(Arc::new(Mutex::new("span".to_string())));
    /// let clone = reg.get(id).unwrap();
    /// assert_eq!(reg.take(id), Err(Error::Shared));
    /// drop(clone);
    /// assert_eq!(reg.take(id).unwrap(), "span");
    /// assert_eq!(reg.take(id), Err(Error::NotFound));
    /// ```
    pub fn take<K: AsKey<T>>(&self, id: K) -> Result<T, Error> {
        let raw = id.raw_id();
        let mut shard = lock(self.shard(raw));
        let entry = shard.remove(raw).ok_or(Error::NotFound)?;
        match Arc::try_unwrap(entry.value) {
            Ok(mutex) => {
                drop(shard);
                self.counts.release(1);
                Ok(mutex.into_inner().unwrap_or_else(PoisonError::into_inner))
            }
            Err(value) => {
                shard.restore(
                    raw,
                    Entry {
                        value,
                        born: entry.born,
                    },
                );
                Err(Error::Shared)
            }
        }
    }

    // ----- enumeration -----------------------------------------------------

    /// Every shard's lock, always taken in shard order. Every other
    /// operation holds at most one shard lock, so this cannot deadlock; it
    /// gives enumeration a consistent cut: what it sees was all alive at one
    /// instant, never an entry removed from one shard next to its successor
    /// added to another.
    fn lock_all(&self) -> Vec<MutexGuard<'_, Shard<T>>> {
        self.shards.iter().map(|shard| lock(shard)).collect()
    }

    fn collect<R>(&self, mut each: impl FnMut(u32, &Entry<T>) -> R) -> Vec<(u64, R)> {
        let mut out = Vec::new();
        for (index, shard) in self.lock_all().iter().enumerate() {
            shard.for_each(index, |raw, entry| out.push((entry.born, each(raw, entry))));
        }
        out.sort_unstable_by_key(|&(born, _)| born);
        out
    }

    /// Every live entry, oldest first, with clones of their values: a
    /// consistent cut (all of them were alive together at one instant, even
    /// under concurrent use). The registry's locks are released before this
    /// returns.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new(1)));
    /// reg.register(Arc::new(Mutex::new(2)));
    /// let values: Vec<u8> = reg.snapshot().iter().map(|(_, v)| *v.lock().unwrap()).collect();
    /// assert_eq!(values, [1, 2]);
    /// ```
    pub fn snapshot(&self) -> Vec<(Key<T>, Value<T>)> {
        self.collect(|raw, entry| (Key::from_raw(raw), Arc::clone(&entry.value)))
            .into_iter()
            .map(|(_, pair)| pair)
            .collect()
    }

    /// Calls `f` with every live entry, oldest first (a flush). `f` runs with
    /// no registry lock held, so it may call back into the registry.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new(2)));
    /// reg.register(Arc::new(Mutex::new(3)));
    /// let mut sum = 0;
    /// reg.for_each(|_key, value| sum += *value.lock().unwrap());
    /// assert_eq!(sum, 5);
    /// ```
    pub fn for_each(&self, mut f: impl FnMut(Key<T>, &Value<T>)) {
        for (key, value) in self.snapshot() {
            f(key, &value);
        }
    }

    /// Removes every live entry and returns them, oldest first. Each entry is
    /// returned by exactly one `drain` (or other removal), even under races;
    /// all of them are taken at one instant.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let id = reg.register(Arc::new(Mutex::new(1)));
    /// let drained = reg.drain();
    /// assert_eq!(drained.len(), 1);
    /// assert_eq!(drained[0].0.into_raw(), id);
    /// assert!(reg.is_empty() && reg.get(id).is_none());
    /// ```
    pub fn drain(&self) -> Vec<(Key<T>, Value<T>)> {
        let mut out = Vec::with_capacity(self.len());
        let mut shards = self.lock_all();
        for (index, shard) in shards.iter_mut().enumerate() {
            shard.drain_into(index, &mut out);
        }
        drop(shards);
        self.counts.release(out.len());
        // Births are unique, so an unstable sort gives the same order without
        // a scratch buffer.
        out.sort_unstable_by_key(|(_, entry)| entry.born);
        out.into_iter()
            .map(|(raw, entry)| (Key::from_raw(raw), entry.value))
            .collect()
    }

    /// Removes every live entry and hands each to `finalize` exactly once,
    /// oldest first (ending what is still open at shutdown). Returns how many
    /// were finalized. `finalize` runs with no registry lock held.
    ///
    /// If `finalize` panics, the entries not yet handed to it are dropped
    /// while the panic unwinds; the registry itself stays usable.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<String> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new("a".into())));
    /// reg.register(Arc::new(Mutex::new("b".into())));
    /// let mut ended = Vec::new();
    /// let n = reg.drain_with(|_key, span| ended.push(span.lock().unwrap().clone() + " (unfinished)"));
    /// assert_eq!(n, 2);
    /// assert_eq!(ended, ["a (unfinished)", "b (unfinished)"]);
    /// ```
    pub fn drain_with(&self, mut finalize: impl FnMut(Key<T>, Value<T>)) -> usize {
        let drained = self.drain();
        let n = drained.len();
        for (key, value) in drained {
            finalize(key, value);
        }
        n
    }

    /// Keeps only the entries for which `keep` returns `true`; returns how
    /// many were removed. `keep` runs with no registry lock held; an entry
    /// replaced or removed meanwhile by another thread is left alone.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    /// for n in 0..10 { reg.register(Arc::new(Mutex::new(n))); }
    /// assert_eq!(reg.retain(|_key, value| *value.lock().unwrap() % 2 == 0), 5);
    /// assert_eq!(reg.len(), 5);
    /// ```
    pub fn retain(&self, mut keep: impl FnMut(Key<T>, &Value<T>) -> bool) -> usize {
        let mut removed = 0;
        for (key, value) in self.snapshot() {
            if keep(key, &value) {
                continue;
            }
            let raw = key.into_raw();
            let taken =
                lock(self.shard(raw)).remove_if(raw, |entry| Arc::ptr_eq(&entry.value, &value));
            if let Ok(entry) = taken {
                self.counts.release(1);
                removed += 1;
                drop(entry); // after the lock: `T`'s Drop may call back in
            }
        }
        removed
    }

    /// Removes every live entry, dropping the values after the registry's
    /// locks are released.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new(1)));
    /// reg.clear();
    /// assert!(reg.is_empty());
    /// ```
    pub fn clear(&self) {
        drop(self.drain());
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

    /// Sets or lifts the limit. Entries already alive beyond a new, lower
    /// limit stay; new ones are refused until the count is below it.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.set_limit(Some(0));
    /// assert!(reg.try_register(Arc::new(Mutex::new(1))).is_err());
    /// reg.set_limit(None);
    /// assert!(reg.try_register(Arc::new(Mutex::new(1))).is_ok());
    /// ```
    pub fn set_limit(&self, limit: Option<usize>) {
        self.counts.set_limit(limit);
    }

    // ----- stats -----------------------------------------------------------------

    /// The registry's counters. `registered`, `removed` and the lookup
    /// counts are taken at one instant; under concurrent use `live` may also
    /// count registrations in flight (it is reserved before an entry is
    /// stored), so `live >= registered - removed` then, with equality at rest.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.get(12345u32);
    /// assert_eq!(reg.stats().unknown_lookups, 1);
    /// ```
    pub fn stats(&self) -> Stats {
        let mut sum = Counters::default();
        for shard in self.lock_all() {
            let counters = shard.counters;
            sum.registered += counters.registered;
            sum.removed += counters.removed;
            sum.stale_lookups += counters.stale_lookups;
            sum.unknown_lookups += counters.unknown_lookups;
        }
        let counts = &*self.counts;
        Stats {
            live: counts.live(),
            high_water: counts.high_water(),
            registered: sum.registered,
            removed: sum.removed,
            rejected: counts.rejected(),
            stale_lookups: sum.stale_lookups,
            unknown_lookups: sum.unknown_lookups,
            limit: self.limit(),
            clock: counts.clock(),
        }
    }

    /// Every entry still alive, oldest first by the logical clock: what was
    /// never ended, at shutdown.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let forgotten = reg.register(Arc::new(Mutex::new(1)));
    /// let report = reg.leak_report();
    /// assert_eq!(report.entries[0].key.into_raw(), forgotten);
    /// ```
    pub fn leak_report(&self) -> LeakReport<T> {
        let now = self.counts.clock();
        let entries = self
            .collect(|raw, entry| Leak {
                key: Key::from_raw(raw),
                born: entry.born,
            })
            .into_iter()
            .map(|(_, leak)| leak)
            .collect();
        LeakReport { entries, now }
    }

    /// The logical clock: how many entries have been added so far.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new(1)));
    /// assert_eq!(reg.clock(), 1);
    /// ```
    pub fn clock(&self) -> u64 {
        self.counts.clock()
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
    fn take_restores_a_shared_entry_under_its_key() {
        let reg = ResourceRegistry::new();
        let id = reg.register(val(1u8));
        let clone = reg.get(id).unwrap();
        assert_eq!(reg.take(id), Err(Error::Shared));
        assert_eq!(reg.len(), 1);
        assert!(reg.get(id).is_some());
        drop(clone);
        assert_eq!(reg.take(id), Ok(1));
        assert_eq!(reg.len(), 0);
        let s = reg.stats();
        assert_eq!((s.registered, s.removed), (1, 1));
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
    fn running_out_of_slots_refuses_hands_back_and_counts() {
        let reg = ResourceRegistry::new();
        for _ in 0..crate::MAX_ISSUED {
            assert_ne!(reg.register(val(())), 0);
        }
        let refused = reg.try_register(val(())).unwrap_err();
        assert_eq!(refused.error(), Error::Exhausted);
        assert_eq!(reg.len(), crate::MAX_ISSUED);
        assert_eq!(reg.stats().rejected, 1);
        // Caller-chosen ids do not use slots and still fit.
        assert!(reg.try_insert(0, val(())).is_ok());
    }

    #[test]
    fn registrations_spread_but_every_key_resolves() {
        let reg = ResourceRegistry::new();
        let keys: Vec<u32> = (0..1000).map(|n| reg.register(val(n))).collect();
        for (n, &k) in keys.iter().enumerate() {
            assert_eq!(*reg.get(k).unwrap().lock().unwrap(), n);
        }
        let drained = reg.drain();
        let values: Vec<usize> = drained.iter().map(|(_, v)| *v.lock().unwrap()).collect();
        assert_eq!(
            values,
            (0..1000).collect::<Vec<_>>(),
            "drain is oldest first"
        );
    }
}
