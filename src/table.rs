//! [`Table`]: every guarantee of the registry for the entries behind one
//! lock, and nothing about locks or threads.
//!
//! A registry is one table behind one `Mutex` on single-threaded wasm32 and
//! several, with the thread routing of `home.rs`, natively; this code is the
//! same on every target.
//!
//! A slot holds the whole `u32` key of its entry, so a lookup is one
//! comparison and a check that the slot is occupied. The key stays when the
//! entry leaves: a stale key finds its slot vacant, or filled under the next
//! tag. Vacated slots wait in a first-in first-out queue, and the oldest is
//! reused only while more than [`QUARANTINE`] wait, so two fills of a slot
//! are at least `QUARANTINE + 1` registrations into this table apart: that
//! stretches a key's 4095 tags over
//! [`KEY_REISSUE_BOUND`](crate::KEY_REISSUE_BOUND) registrations.
//!
//! A birth tick is unique in its table and only grows, so it is also a
//! guard's exact generation (and, on 32-bit targets, a wide key's tag): no
//! generation word per slot.
//!
//! Registration is one comparison of the live count against `fast_limit`, a
//! threshold that folds the quarantine, the limit and the high-water mark
//! together and is recomputed on the slow path. Nothing here runs user code
//! or drops a user value: what leaves a table is returned, for the registry
//! to drop once it has let go of the lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::key::{
    next_tag, slot_id, slot_index, Wraps, GROUP_BITS, GROUP_MASK, QUARANTINE, SHARDS,
    SLOTS_PER_SHARD,
};
use crate::sync::{AtomicUsize, Ordering::Relaxed};
use crate::tree::{Loc, Tree};

mod entries;
#[cfg(all(test, not(loom)))]
mod tests;

/// The values users store: always std's `Mutex`, also under loom, where only
/// the registry's own locks are modelled.
pub(crate) type Value<T> = Arc<Mutex<T>>;

/// What a refusal hands back.
pub(crate) type Refused<T> = (Error, Value<T>);

/// Slots a table grows by once it holds this many: a doubled vector is a
/// quarter empty on average, which was 7.5 of the 31.5 bytes a live entry
/// cost. Natively a thread's entries spread over eight tables, each with its
/// own slack, so the step is 1,024 there (31.5 -> 25.6 bytes per entry at
/// 100,000 live); one table keeps 4,096, fewer copies for under 0.7 bytes.
const GROWTH_STEP: usize = if SHARDS > 1 { 1024 } else { 4096 };

/// No limit.
pub(crate) const UNBOUNDED: usize = usize::MAX;

/// 16 bytes on wasm32, 24 natively.
struct Slot<T> {
    /// The key of the entry here, or of the last one.
    key: u32,
    /// For wide keys: natively the times the key's tag wrapped (in bytes
    /// the slot's alignment leaves free), nothing on 32-bit targets.
    wraps: Wraps,
    /// `Some` while occupied.
    value: Option<Value<T>>,
    /// Occupied: the entry's birth tick. Vacant: the next queued slot's index
    /// plus one (`0` ends the queue).
    born: u64,
}

/// Where a registration landed in its table: the key, what its wide keys
/// count, and the birth tick (the guard's generation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Filled {
    pub(crate) key: u32,
    pub(crate) wraps: Wraps,
    pub(crate) born: u64,
}

/// What names an entry inside its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Id {
    /// A `u32` id: an issued key, a caller-chosen id, or nothing.
    Raw(u32),
    /// A wide key.
    Wide(u64),
    /// A guard's: the slot and the birth tick of its entry.
    Exact(u32, u64),
}

/// The counters of one table; a registry's [`Stats`](crate::Stats) sum them.
#[derive(Clone, Copy, Default)]
pub(crate) struct Counters {
    pub(crate) live: usize,
    pub(crate) high_water: usize,
    registered: u64,
    pub(crate) rejected: u64,
    pub(crate) stale_lookups: u64,
    pub(crate) unknown_lookups: u64,
    /// The next birth tick.
    pub(crate) clock: u64,
}

impl Counters {
    /// Entries ever added.
    pub(crate) fn registered(&self) -> u64 {
        if GROUP_BITS > 0 {
            self.registered
        } else {
            self.clock
        }
    }
}

pub(crate) struct Table<T> {
    slots: Vec<Slot<T>>,
    /// The queue of vacant slots (index plus one, `0` for none).
    head: u32,
    tail: u32,
    /// Registration takes the fast path while `counters.live` is below this.
    fast_limit: usize,
    /// This table's own limit on live entries.
    cap: usize,
    pub(crate) counters: Counters,
    /// Entries under caller-chosen ids, with their birth ticks; `None` until
    /// the first, so that registries using issued keys only never hash.
    named: Option<HashMap<u32, (Value<T>, u64)>>,
    /// Parent/child relations; `None` until the first child.
    tree: Option<Box<Tree>>,
}

impl<T> Table<T> {
    pub(crate) const fn new() -> Self {
        Table {
            slots: Vec::new(),
            head: 0,
            tail: 0,
            fast_limit: 0,
            cap: UNBOUNDED,
            counters: Counters {
                live: 0,
                high_water: 0,
                registered: 0,
                rejected: 0,
                stale_lookups: 0,
                unknown_lookups: 0,
                clock: 0,
            },
            named: None,
            tree: None,
        }
    }

    // ----- the fast paths ----------------------------------------------------

    /// The value under issued key `raw`; `None` for anything else, uncounted
    /// (the caller settles a miss with [`locate`](Self::locate)).
    #[inline]
    pub(crate) fn get(&self, raw: u32) -> Option<&Value<T>> {
        match self.slots.get(slot_index(raw)) {
            Some(slot) if slot.key == raw => slot.value.as_ref(),
            _ => None,
        }
    }

    /// The value of the entry born `born` in slot `index`: a guard's lookup.
    #[inline]
    pub(crate) fn get_exact(&self, index: u32, born: u64) -> Option<&Value<T>> {
        match self.slots.get(index as usize) {
            Some(slot) if slot.born == born => slot.value.as_ref(),
            _ => None,
        }
    }

    /// Stores `value` under a new key of shard `shard`, born no earlier than
    /// `floor`; hands it back with the reason when there is no room. `cap`
    /// is the limit this table enforces, if any: the fast path's threshold
    /// already folds it in, so only the slow path reads it.
    #[inline]
    pub(crate) fn insert(
        &mut self,
        shard: usize,
        value: Value<T>,
        floor: u64,
        cap: Option<&AtomicUsize>,
    ) -> Result<Filled, Refused<T>> {
        match self.insert_fast(value, floor) {
            Ok(placed) => Ok(placed),
            Err(value) => self.insert_slow(shard, value, floor, cap),
        }
    }

    /// [`insert`](Self::insert) while below the fast path's threshold: the
    /// queue's head, no limit or high-water mark to check. `Err` hands the
    /// value back for the slow path.
    #[inline]
    pub(crate) fn insert_fast(&mut self, value: Value<T>, floor: u64) -> Result<Filled, Value<T>> {
        if self.counters.live < self.fast_limit {
            // More than QUARANTINE slots wait: the head exists, and the queue
            // is not empty once it has left.
            if let Some(slot) = self.slots.get_mut(self.head.wrapping_sub(1) as usize) {
                self.head = slot.born as u32;
                return Ok(fill(&mut self.counters, slot, value, floor));
            }
        }
        Err(value)
    }

    /// Removes the entry under issued key `raw` (`None` for anything else,
    /// uncounted); its children, if any, become roots.
    #[inline]
    pub(crate) fn remove(&mut self, raw: u32) -> Option<(Value<T>, u64)> {
        let index = slot_index(raw);
        let slot = self.slots.get_mut(index)?;
        if slot.key != raw {
            return None;
        }
        let value = slot.value.take()?;
        let born = slot.born;
        self.vacated(index);
        Some((value, born))
    }

    /// Removes the entry born `born` in slot `index`: a guard's removal.
    #[inline]
    pub(crate) fn remove_exact(&mut self, index: u32, born: u64) -> Option<(Value<T>, u64)> {
        let slot = self.slots.get_mut(index as usize)?;
        if slot.born != born {
            return None;
        }
        let value = slot.value.take()?;
        self.vacated(index as usize);
        Some((value, born))
    }

    /// Empties slot `index` if it is occupied.
    fn vacate(&mut self, index: usize) -> Option<(Value<T>, u64)> {
        let slot = self.slots.get_mut(index)?;
        let value = slot.value.take()?;
        let born = slot.born;
        self.vacated(index);
        Some((value, born))
    }

    /// Queues the slot just emptied at the back, and forgets its relations.
    /// The slot's link is written when another joins behind it: the tail's
    /// is never read (a vacant slot's `born` matches no guard, its value
    /// being `None`).
    #[inline]
    fn vacated(&mut self, index: usize) {
        let link = index as u32 + 1;
        match self.slots.get_mut(self.tail.wrapping_sub(1) as usize) {
            Some(tail) => tail.born = u64::from(link),
            None => self.head = link,
        }
        self.tail = link;
        self.counters.live -= 1;
        if self.tree.is_some() {
            self.unlink(Loc::Slot(index as u32));
        }
    }

    // ----- the slow paths ----------------------------------------------------

    /// Registration past the fast path's threshold: a new high-water mark, the
    /// limit, a new slot, exhaustion.
    #[cold]
    #[inline(never)]
    fn insert_slow(
        &mut self,
        shard: usize,
        value: Value<T>,
        floor: u64,
        cap: Option<&AtomicUsize>,
    ) -> Result<Filled, Refused<T>> {
        let value = self.within_cap(value, cap)?;
        let placed = if self.queued() > QUARANTINE {
            let head = self.head;
            let slot = &mut self.slots[head as usize - 1];
            if head == self.tail {
                self.head = 0;
                self.tail = 0;
            } else {
                self.head = slot.born as u32;
            }
            fill(&mut self.counters, slot, value, floor)
        } else if self.slots.len() < SLOTS_PER_SHARD
            && self.slots.len() - self.queued() < SLOTS_PER_SHARD - QUARANTINE
        {
            if self.slots.len() == self.slots.capacity() && self.slots.len() >= GROWTH_STEP {
                self.slots.reserve_exact(GROWTH_STEP);
            }
            let mut slot = Slot {
                key: slot_id(shard, self.slots.len()),
                wraps: Wraps::default(),
                value: None,
                born: 0,
            };
            let placed = fill(&mut self.counters, &mut slot, value, floor);
            self.slots.push(slot);
            placed
        } else {
            // Not counted here: the registry may find room in another shard.
            return Err((Error::Exhausted, value));
        };
        self.settle();
        Ok(placed)
    }

    /// Vacant slots: those not holding one of the live entries.
    fn queued(&self) -> usize {
        self.slots.len() + self.named_len() - self.counters.live
    }

    fn named_len(&self) -> usize {
        self.named.as_ref().map_or(0, HashMap::len)
    }

    /// Counts a refusal for want of room.
    #[cold]
    pub(crate) fn refuse(&mut self, error: Error, value: Value<T>) -> Refused<T> {
        self.counters.rejected += 1;
        (error, value)
    }

    /// Raises the high-water mark and recomputes the fast path's threshold:
    /// below it, a registration reuses the queue's head, fits the limit and
    /// sets no new mark.
    fn settle(&mut self) {
        let reuse = (self.slots.len() + self.named_len()).saturating_sub(QUARANTINE);
        let c = &mut self.counters;
        c.high_water = c.high_water.max(c.live);
        // Reuse needs more than QUARANTINE vacant slots.
        self.fast_limit = reuse.min(self.cap).min(c.high_water);
    }

    /// Takes the limit in force (`cap`, if this table enforces one) and
    /// refuses `value` if the table is at it: the first step of every slow
    /// registration.
    fn within_cap(
        &mut self,
        value: Value<T>,
        cap: Option<&AtomicUsize>,
    ) -> Result<Value<T>, Refused<T>> {
        self.cap = cap.map_or(UNBOUNDED, |cap| cap.load(Relaxed));
        if self.counters.live >= self.cap {
            return Err(self.refuse(Error::Full { limit: self.cap }, value));
        }
        Ok(value)
    }

    /// Sets this table's own limit.
    pub(crate) fn set_cap(&mut self, cap: usize) {
        self.cap = cap;
        self.settle();
    }

    /// Stores `value` under caller-chosen id `raw`, which holds nothing.
    pub(crate) fn insert_named(
        &mut self,
        raw: u32,
        value: Value<T>,
        floor: u64,
        cap: Option<&AtomicUsize>,
    ) -> Result<u64, Refused<T>> {
        let value = self.within_cap(value, cap)?;
        let mut slot = Slot {
            key: 0,
            wraps: Wraps::default(),
            value: None,
            born: 0,
        };
        let Filled { born, .. } = fill(&mut self.counters, &mut slot, value, floor);
        if let Some(value) = slot.value {
            self.named
                .get_or_insert_with(HashMap::new)
                .insert(raw, (value, born));
        }
        self.settle();
        Ok(born)
    }
}

/// Fills the vacant `slot` with an entry born no earlier than `floor`, whose
/// low [`GROUP_BITS`](crate::key::GROUP_BITS) name the registering thread's
/// group: the birth carries them, the clock moves on past them.
#[inline]
fn fill<T>(counters: &mut Counters, slot: &mut Slot<T>, value: Value<T>, floor: u64) -> Filled {
    let born = counters.clock.max(floor & !GROUP_MASK) | (floor & GROUP_MASK);
    slot.key = next_tag(slot.key, &mut slot.wraps);
    // The slot is vacant: nothing is displaced, and nothing needs dropping
    // (which would be code on the fast path for a case that cannot happen).
    debug_assert!(slot.value.is_none());
    std::mem::forget(slot.value.replace(value));
    slot.born = born;
    counters.clock = (born | GROUP_MASK) + 1;
    counters.live += 1;
    // With one shard there is no floor and no group: the clock moves on by
    // one per registration and counts them (`Counters::registered`).
    if GROUP_BITS > 0 {
        counters.registered += 1;
    }
    Filled {
        key: slot.key,
        wraps: slot.wraps,
        born,
    }
}
