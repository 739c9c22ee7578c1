//! Limits and counts: a registry's limit, and the counts kept beside the
//! tables' own when it has several shards.
//!
//! With one shard (wasm32) the table counts and limits everything itself.
//! With several, each entry also counts in the group of the thread that
//! registered it (the low bits of its birth), so threads in different groups
//! never write the same counter and one thread alone keeps an exact
//! high-water mark; and a bounded registry counts every entry in one more
//! word, since its limit is over every shard.

use crate::error::Error;
use crate::key::{GROUPS, GROUP_MASK};
use crate::registry::{ResourceRegistry, Value, ONE_TABLE};
use crate::sync::{AtomicUsize, Ordering::Relaxed};
use crate::table::{Refused, Table, UNBOUNDED};

/// A live count and its high-water mark.
pub(crate) struct Count {
    live: AtomicUsize,
    pub(crate) high_water: AtomicUsize,
}

impl Count {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Count {
            live: AtomicUsize::new(0),
            high_water: AtomicUsize::new(0),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Count {
            live: AtomicUsize::new(0),
            high_water: AtomicUsize::new(0),
        }
    }

    #[inline]
    fn enter(&self) {
        let live = self.live.fetch_add(1, Relaxed) + 1;
        if live > self.high_water.load(Relaxed) {
            self.high_water.fetch_max(live, Relaxed);
        }
    }

    #[inline]
    fn leave(&self, n: usize) {
        if n > 0 {
            self.live.fetch_sub(n, Relaxed);
        }
    }
}

impl<T> ResourceRegistry<T> {
    /// The limit a table enforces itself: the registry's with one table,
    /// none with several (they count registry-wide instead).
    #[inline]
    pub(crate) fn cap(&self) -> Option<&AtomicUsize> {
        if ONE_TABLE {
            Some(&self.limit)
        } else {
            None
        }
    }

    /// The sum of the groups' high-water marks.
    pub(crate) fn group_marks(&self) -> usize {
        self.groups.iter().map(|g| g.high_water.load(Relaxed)).sum()
    }

    /// Whether entries are counted registry-wide: several shards and a
    /// limit. Only meaningful under a shard's lock.
    #[inline]
    pub(crate) fn counting(&self) -> bool {
        !ONE_TABLE && self.limit.load(Relaxed) != UNBOUNDED
    }

    /// The entry born `born` joined the registry; under its shard's lock.
    #[inline]
    pub(crate) fn entered(&self, born: u64) {
        if !ONE_TABLE {
            self.groups[(born & GROUP_MASK) as usize % GROUPS].enter();
        }
    }

    /// The entry born `born` left the registry; under its shard's lock.
    #[inline]
    pub(crate) fn left(&self, born: u64) {
        if !ONE_TABLE {
            self.groups[(born & GROUP_MASK) as usize % GROUPS].leave(1);
            if self.counting() {
                self.counted.leave(1);
            }
        }
    }

    /// Entries leaving together (a drain, a tree), counted once per group
    /// rather than once each: [`Leaving::add`] each birth, then
    /// [`Leaving::finish`], under the locks of the shards they were in.
    pub(crate) fn leaving(&self) -> Leaving<'_, T> {
        Leaving {
            registry: self,
            per_group: [0; GROUPS],
        }
    }

    /// Claims room for one more entry in a bounded registry with several
    /// shards; under the lock of `table`, which counts a refusal.
    #[cold]
    pub(crate) fn reserve(
        &self,
        table: &mut Table<T>,
        value: Value<T>,
    ) -> Result<Value<T>, Refused<T>> {
        let limit = self.limit.load(Relaxed);
        let fits = |live: usize| if live < limit { Some(live + 1) } else { None };
        match self.counted.live.fetch_update(Relaxed, Relaxed, fits) {
            Ok(before) => {
                self.counted.high_water.fetch_max(before + 1, Relaxed);
                Ok(value)
            }
            Err(_) => Err(table.refuse(Error::Full { limit }, value)),
        }
    }

    /// A refused registration: if it was counted in advance (a bounded
    /// registry with several shards) and then found no slot, it is counted
    /// out again.
    #[cold]
    pub(crate) fn unreserve(&self, refused: Refused<T>) -> Refused<T> {
        if refused.0 == Error::Exhausted && self.counting() {
            self.counted.leave(1);
        }
        refused
    }

    // ----- limits ------------------------------------------------------------

    /// The limit on live entries, if any.
    pub(crate) fn limit(&self) -> Option<usize> {
        match self.limit.load(Relaxed) {
            UNBOUNDED => None,
            limit => Some(limit),
        }
    }

    /// With one shard the table keeps the limit; with several, a bounded
    /// registry also counts its entries registry-wide, from the moment the
    /// limit is set. Every shard is locked meanwhile.
    pub(crate) fn switch_limit(&self, limit: usize) {
        let mut tables = self.lock_all();
        for table in tables.iter_mut() {
            table.set_cap(if ONE_TABLE { limit } else { UNBOUNDED });
        }
        if !ONE_TABLE {
            let live: usize = tables.iter().map(|t| t.counters.live).sum();
            self.counted.live.store(live, Relaxed);
            let mark = self
                .counted
                .high_water
                .load(Relaxed)
                .max(self.group_marks());
            self.counted.high_water.store(mark, Relaxed);
        }
        self.limit.store(limit, Relaxed);
        drop(tables);
    }
}

/// See [`ResourceRegistry::leaving`].
pub(crate) struct Leaving<'a, T> {
    registry: &'a ResourceRegistry<T>,
    per_group: [usize; GROUPS],
}

impl<T> Leaving<'_, T> {
    #[inline]
    pub(crate) fn add(&mut self, born: u64) {
        if !ONE_TABLE {
            self.per_group[(born & GROUP_MASK) as usize % GROUPS] += 1;
        }
    }

    pub(crate) fn finish(self) {
        if ONE_TABLE {
            return;
        }
        let registry = self.registry;
        for (group, &n) in registry.groups.iter().zip(&self.per_group) {
            group.leave(n);
        }
        if registry.counting() {
            registry.counted.leave(self.per_group.iter().sum());
        }
    }
}
