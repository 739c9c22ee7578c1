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

use crate::key::{Key, GROUP_BITS, SHARDS};
use crate::registry::{route, ResourceRegistry, Value};
use crate::stats::{Leak, LeakReport, Stats};
use crate::sync::{lock, MutexGuard, Ordering::Relaxed};
use crate::table::Table;
use crate::taken::Taken;

impl<T> ResourceRegistry<T> {
    /// Every shard's lock, in shard order.
    pub(crate) fn lock_all(&self) -> [MutexGuard<'_, Table<T>>; SHARDS] {
        std::array::from_fn(|shard| lock(&self.shards[shard]))
    }

    /// `each` applied to every live entry, in storage order, under the locks;
    /// `also` runs in the same cut.
    fn collect<R, A>(
        &self,
        mut each: impl FnMut(u32, &Value<T>, u64) -> R,
        also: impl FnOnce(&[MutexGuard<'_, Table<T>>]) -> A,
    ) -> (Vec<R>, A) {
        let tables = self.lock_all();
        let live = tables.iter().map(|t| t.counters.live).sum();
        let mut out = Vec::with_capacity(live);
        for table in &tables {
            table.for_each(|raw, value, born| out.push(each(raw, value, born)));
        }
        let also = also(&tables);
        drop(tables);
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
            |_| (),
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
        let mut tables = self.lock_all();
        let live = tables.iter().map(|t| t.counters.live).sum();
        let mut out = Vec::with_capacity(live);
        let mut leaving = self.leaving();
        for table in tables.iter_mut() {
            out = table.drain_into(out, |born| leaving.add(born));
        }
        leaving.finish();
        drop(tables);
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
            let (shard, id) = route(key.into_raw().into());
            let mut table = self.table(shard);
            let same = table
                .find(id)
                .filter(|&loc| table.value(loc).map_or(false, |v| Arc::ptr_eq(v, &value)));
            let taken = same.and_then(|loc| table.remove_at(loc));
            if let Some((_, born)) = &taken {
                self.left(*born);
            }
            drop(table);
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
        let tables = self.lock_all();
        let mut stats = Stats {
            limit: self.limit(),
            ..Stats::default()
        };
        for table in &tables {
            let c = table.counters;
            stats.live += c.live;
            stats.high_water += c.high_water;
            stats.registered += c.registered();
            stats.rejected += c.rejected;
            stats.stale_lookups += c.stale_lookups;
            stats.unknown_lookups += c.unknown_lookups;
        }
        if self.counting() {
            stats.high_water = self.counted.high_water.load(Relaxed);
        } else if SHARDS > 1 {
            stats.high_water = self.group_marks();
        }
        drop(tables);
        stats.removed = stats.registered - stats.live as u64;
        stats.clock = stats.registered;
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
                born: born >> GROUP_BITS,
            },
            |tables| {
                let clock = tables.iter().map(|t| t.counters.clock).max();
                clock.unwrap_or(0) >> GROUP_BITS
            },
        );
        // Shards number their entries apart, so entries of different shards
        // can share a tick: the key settles those, for an order that does not
        // depend on storage.
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
        self.stats().clock
    }
}
