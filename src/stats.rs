//! What a registry reports about itself: counters and the leak report.

use std::fmt;

use crate::key::Key;

/// A snapshot of a registry's counters, from
/// [`ResourceRegistry::stats`](crate::ResourceRegistry::stats).
///
/// All fields come from one consistent cut: from a single call,
/// `live == registered - removed` and `live <= high_water`, also while other
/// threads register and remove.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::ResourceRegistry;
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// let key = reg.try_register(Arc::new(Mutex::new(1))).unwrap();
/// reg.take(key).unwrap();
/// reg.get(key); // stale now
/// let s = reg.stats();
/// assert_eq!((s.live, s.high_water, s.registered, s.removed, s.stale_lookups), (0, 1, 1, 1, 1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Entries alive now.
    pub live: usize,
    /// The most entries that were alive at once. Exact on wasm32, in a
    /// registry with a limit, and wherever one thread registers everything.
    /// Otherwise, natively and without a limit, threads count in their own
    /// group of shards and this is the sum of the groups' marks: never below
    /// the true mark, above it only when threads of different groups peaked
    /// at different times. One exact mark would need one counter that every
    /// thread writes, which is what makes a registry slow on several cores.
    pub high_water: usize,
    /// Entries ever added (by `register` and its variants, children included,
    /// or by `insert` under a caller-chosen id that held nothing).
    pub registered: u64,
    /// Entries ever removed (by `take`, `take_tree`, `drain`, a guard, or
    /// `remove`).
    pub removed: u64,
    /// Values refused for want of room: at the limit ([`Error::Full`]) or out
    /// of slots ([`Error::Exhausted`]). A refusal moves this counter and no
    /// other: not `live`, `high_water`, `len()` or the clock.
    ///
    /// [`Error::Full`]: crate::Error::Full
    /// [`Error::Exhausted`]: crate::Error::Exhausted
    pub rejected: u64,
    /// Lookups (`get`, `remove`, `take`, a guard, a parent) of a key whose
    /// slot has moved on to another generation: a key used after its entry
    /// was removed.
    pub stale_lookups: u64,
    /// Lookups of an id that was never issued nor inserted.
    pub unknown_lookups: u64,
    /// The limit on live entries, if one is set.
    pub limit: Option<usize>,
    /// The registry's clock: exactly one tick per entry added (what
    /// `registered` counts). Nothing else moves it: not a refusal, a
    /// replacement by `insert` (the entry keeps its age), a lookup or a
    /// removal.
    ///
    /// The leak report orders entries by their birth ticks ([`Leak::born`]),
    /// which each shard numbers itself. On wasm32 there is one shard, and the
    /// ticks are this clock's. Natively a thread carries the last tick it was
    /// given and no shard numbers its next entry below it, so one thread's
    /// entries are numbered in the order it registered them wherever they are
    /// stored, ticks need not start at 0, and entries of different threads
    /// compare only roughly (no thread waits on another to number them).
    pub clock: u64,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "live {} (high-water {}), registered {}, removed {}, rejected {}, stale lookups {}, unknown lookups {}",
            self.live,
            self.high_water,
            self.registered,
            self.removed,
            self.rejected,
            self.stale_lookups,
            self.unknown_lookups
        )
    }
}

/// An entry still alive, as listed by a [`LeakReport`].
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::ResourceRegistry;
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// let key = reg.try_register(Arc::new(Mutex::new(1))).unwrap();
/// let leak = reg.leak_report().entries[0];
/// assert_eq!((leak.key, leak.born), (key, 0));
/// ```
#[non_exhaustive]
pub struct Leak<T> {
    /// The entry's key.
    pub key: Key<T>,
    /// The logical time it was added: its shard's tick (see
    /// [`Stats::clock`]).
    pub born: u64,
}

impl<T> Clone for Leak<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Leak<T> {}
impl<T> PartialEq for Leak<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.born == other.born
    }
}
impl<T> Eq for Leak<T> {}
// By hand, like the other impls, so that `T` needs none of these traits.
impl<T> fmt::Debug for Leak<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leak")
            .field("key", &self.key)
            .field("born", &self.born)
            .finish()
    }
}

/// Every entry still alive, oldest first, from
/// [`ResourceRegistry::leak_report`](crate::ResourceRegistry::leak_report);
/// meant for shutdown, where anything listed was never ended.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::ResourceRegistry;
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// let a = reg.try_register(Arc::new(Mutex::new(1))).unwrap();
/// let b = reg.try_register(Arc::new(Mutex::new(2))).unwrap();
/// reg.try_register(Arc::new(Mutex::new(3))).unwrap();
/// reg.take(b).unwrap();
/// let report = reg.leak_report();
/// assert_eq!(report.entries.len(), 2);
/// assert_eq!(report.entries[0].key, a);
/// assert!(report.to_string().starts_with("2 live entries"));
/// ```
#[non_exhaustive]
pub struct LeakReport<T> {
    /// Live entries, oldest first.
    pub entries: Vec<Leak<T>>,
    /// The logical time of the report: every listed entry was born before
    /// it (the highest tick any shard has reached; on wasm32, the registry's
    /// clock).
    pub now: u64,
}

impl<T> Clone for LeakReport<T> {
    fn clone(&self) -> Self {
        LeakReport {
            entries: self.entries.clone(),
            now: self.now,
        }
    }
}
impl<T> PartialEq for LeakReport<T> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries && self.now == other.now
    }
}
impl<T> Eq for LeakReport<T> {}
impl<T> fmt::Debug for LeakReport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeakReport")
            .field("entries", &self.entries)
            .field("now", &self.now)
            .finish()
    }
}

impl<T> fmt::Display for LeakReport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} live entries", self.entries.len())?;
        for leak in &self.entries {
            write!(
                f,
                "\n  {} born at tick {} ({} ticks ago)",
                leak.key,
                leak.born,
                self.now.saturating_sub(leak.born)
            )?;
        }
        Ok(())
    }
}
