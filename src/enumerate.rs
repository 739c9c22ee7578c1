//! What looks at every entry: snapshots, flushes, drains, `retain`, stats and
//! the leak report.
//!
//! Each of them takes every shard's lock, always in shard order. Every other
//! operation holds at most one shard lock, so this cannot deadlock, and it
//! gives a consistent cut: what it sees was all alive at one instant, never an
//! entry removed from one shard next to its successor added to another.
//!
//! Only the leak report is ordered (by age): sorting costs more than the
//! whole of a drain, and a flush or a shutdown has no use for the order.

use std::sync::Arc;

use crate::counts::tick_of;
use crate::key::{decode, Key};
use crate::registry::{ResourceRegistry, Value};
use crate::shard::{Counters, Shard};
use crate::stats::{Leak, LeakReport, Stats};
use crate::sync::{lock, MutexGuard};
use crate::taken::Taken;

impl<T> ResourceRegistry<T> {
    pub(crate) fn lock_all(&self) -> Vec<MutexGuard<'_, Shard<T>>> {
        self.shards.iter().map(|shard| lock(shard)).collect()
    }

    /// `each` applied to every live entry, in storage order, under the locks;
    /// `also` runs in the same cut.
    fn collect<R, A>(
        &self,
        mut each: impl FnMut(u32, &Value<T>, u64) -> R,
        also: impl FnOnce() -> A,
    ) -> (Vec<R>, A) {
        let mut out = Vec::with_capacity(self.len());
        let shards = self.lock_all();
        for (index, shard) in shards.iter().enumerate() {
            shard.for_each(index, |raw, value, born| out.push(each(raw, value, born)));
        }
        let also = also();
        drop(shards);
        (out, also)
    }

    /// Every live entry, with clones of their values, in no particular order:
    /// a consistent cut (all of them were alive together at one instant, even
    /// under concurrent use). The registry's locks are released before this
    /// returns.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new(1)));
    /// reg.register(Arc::new(Mutex::new(2)));
    /// let mut values: Vec<u8> = reg.snapshot().iter().map(|(_, v)| *v.lock().unwrap()).collect();
    /// values.sort();
    /// assert_eq!(values, [1, 2]);
    /// ```
    pub fn snapshot(&self) -> Vec<(Key<T>, Value<T>)> {
        let (entries, ()) = self.collect(
            |raw, value, _| (Key::from_raw(raw), Arc::clone(value)),
            || (),
        );
        entries
    }

    /// Calls `f` with every live entry, in no particular order (a flush). `f` runs with
    /// no registry lock held, so it may call back into the registry; ending an
    /// entry from inside `f` works, and hands its value back as
    /// [`Taken::Shared`] (the iteration holds a clone until `f` returns).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new(2)));
    /// reg.register(Arc::new(Mutex::new(3)));
    /// let mut ended = Vec::new();
    /// reg.for_each(|key, value| {
    ///     if *value.lock().unwrap() == 3 {
    ///         ended.push(reg.take(key).unwrap().with(|v| *v));
    ///     }
    /// });
    /// assert_eq!((ended, reg.len()), (vec![3], 1));
    /// ```
    pub fn for_each(&self, mut f: impl FnMut(Key<T>, &Value<T>)) {
        for (key, value) in self.snapshot() {
            f(key, &value);
        }
    }

    /// Removes every live entry and returns them, in no particular order.
    /// Each entry is returned by exactly one `drain` (or other removal), even
    /// under races; all of them are taken at one instant.
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
        let mut release = self.counts.release_many();
        for (index, shard) in shards.iter_mut().enumerate() {
            shard.drain_into(index, &mut out, |birth, n| release.add_many(birth, n));
        }
        release.finish();
        drop(shards);
        out
    }

    /// Removes every live entry and hands each back as [`Taken`]: the owned
    /// `T` where the registry held the last reference, the shared value
    /// otherwise. Each exactly once, in no particular order.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{ResourceRegistry, Taken};
    /// let reg: ResourceRegistry<String> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new("forgotten".into())));
    /// let ended: Vec<String> = reg.drain_taken().into_iter()
    ///     .map(|(_, taken)| taken.into_owned()).collect();
    /// assert_eq!(ended, ["forgotten"]);
    /// ```
    pub fn drain_taken(&self) -> Vec<(Key<T>, Taken<T>)> {
        self.drain()
            .into_iter()
            .map(|(key, value)| (key, Taken::from_arc(value)))
            .collect()
    }

    /// Removes every live entry and hands each to `finalize` exactly once, as
    /// [`Taken`], in no particular order (ending what is still open at
    /// shutdown).
    /// Returns how many were finalized. `finalize` runs with no registry lock
    /// held.
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
    /// let n = reg.drain_with(|_key, mut span| ended.push(span.with(|s| s.clone() + " (unfinished)")));
    /// assert_eq!(n, 2);
    /// assert_eq!(ended, ["a (unfinished)", "b (unfinished)"]);
    /// ```
    pub fn drain_with(&self, mut finalize: impl FnMut(Key<T>, Taken<T>)) -> usize {
        let drained = self.drain_taken();
        let n = drained.len();
        for (key, taken) in drained {
            finalize(key, taken);
        }
        n
    }

    /// Keeps only the entries for which `keep` returns `true`; returns how
    /// many were removed. `keep` runs with no registry lock held; an entry
    /// replaced or removed meanwhile by another thread is left alone. Children
    /// of a removed entry stay, as roots.
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
            let id = decode(key.into_raw());
            let mut shard = self.lock_shard(id);
            let same = match shard.find(id) {
                Ok(loc) => shard
                    .value(loc)
                    .filter(|current| Arc::ptr_eq(current, &value))
                    .map(|_| loc),
                Err(_) => None,
            };
            let taken = same.and_then(|loc| shard.remove_at(loc));
            if let Some(entry) = &taken {
                self.counts.release(entry.born);
            }
            drop(shard);
            if let Some(entry) = taken {
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

    /// The registry's counters, all read in one consistent cut: from a single
    /// call, `live == registered - removed` and `live <= high_water` hold
    /// always, also under concurrent use.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.get(12345u32);
    /// assert_eq!(reg.stats().unknown_lookups, 1);
    /// ```
    pub fn stats(&self) -> Stats {
        let shards = self.lock_all();
        let mut sum = Counters::default();
        for shard in &shards {
            let counters = shard.counters;
            sum.registered += counters.registered;
            sum.removed += counters.removed;
            sum.stale_lookups += counters.stale_lookups;
            sum.unknown_lookups += counters.unknown_lookups;
        }
        // Read under the locks: every registration reserves its count and
        // raises the high-water mark under its shard's lock, just before it
        // stores its entry, so these agree with what the shards hold.
        let counts = &self.counts;
        let stats = Stats {
            live: (sum.registered - sum.removed) as usize,
            high_water: counts.high_water(),
            registered: sum.registered,
            removed: sum.removed,
            rejected: counts.rejected(),
            stale_lookups: sum.stale_lookups,
            unknown_lookups: sum.unknown_lookups,
            limit: counts.limit(),
            clock: counts.clock(),
        };
        drop(shards);
        stats
    }

    /// Every entry still alive, oldest first by the logical clock: what was
    /// never ended, at shutdown. Entries registered by one thread come in the
    /// order it registered them; see [`Stats::clock`] for how entries of
    /// different threads compare.
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
        let (mut entries, now) = self.collect(
            |raw, _, born| Leak {
                key: Key::from_raw(raw),
                born: tick_of(born),
            },
            || self.counts.clock(),
        );
        // Groups count ticks apart, so entries of threads in different
        // groups can share a tick: the key settles those, for an order that
        // does not depend on storage.
        entries.sort_unstable_by_key(|leak| (leak.born, leak.key.into_raw()));
        LeakReport { entries, now }
    }

    /// The logical clock: how many entries have been added so far (see
    /// [`Stats::clock`] for exactly what moves it).
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
