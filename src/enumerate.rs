//! What looks at every entry: snapshots, drains, stats and the leak report.
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
use crate::registry::{ResourceRegistry, Value};
use crate::stats::{Leak, LeakReport, Stats};
use crate::sync::{lock, MutexGuard, Ordering::Relaxed};
use crate::table::Table;
use crate::taken::Drain;

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
    /// let (a, b) = (reg.register(Arc::new(Mutex::new(1))), reg.register(Arc::new(Mutex::new(2))));
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

    /// Ends every live entry and hands each back as [`Taken`](crate::Taken) (the owned `T`
    /// where the registry held the last reference, the shared value
    /// otherwise), in no particular order: what a shutdown ends. Each entry
    /// is handed back by exactly one `drain` (or other ending), even under
    /// races, and all of them are taken at one instant. The registry's locks
    /// are released before this returns; each value is unwrapped as the
    /// [`Drain`] hands it over, and those not iterated are dropped with it.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<String> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new("forgotten".into()))).unwrap();
    /// let ended: Vec<String> = reg.drain().into_iter()
    ///     .map(|(_, mut span)| span.with(|s| s.clone() + " (unfinished)")).collect();
    /// assert_eq!(ended, ["forgotten (unfinished)"]);
    /// assert!(reg.is_empty() && reg.get(key).is_none());
    /// ```
    pub fn drain(&self) -> Drain<T> {
        let mut tables = self.lock_all();
        let live = tables.iter().map(|t| t.counters.live).sum();
        let mut out = Vec::with_capacity(live);
        let mut leaving = self.leaving();
        for table in tables.iter_mut() {
            out = table.drain_into(out, |key, value, born| {
                leaving.add(born);
                (key, value)
            });
        }
        leaving.finish();
        drop(tables);
        Drain::new(out)
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
    /// assert_eq!(Some(report.entries[0].key), forgotten.key());
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
}
