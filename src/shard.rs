//! One shard: a generational slab for registry-issued keys plus a map for
//! caller-chosen ids, always used under its registry's lock for that shard.
//!
//! Nothing here runs user code or drops a user value: removed entries are
//! returned so the registry can drop them after it has released the lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::key::{decode, encode, GENERATION_MASK, SLOTS_PER_SHARD};

/// A live entry: the value and the logical time it was registered.
pub(crate) struct Entry<T> {
    pub(crate) value: Arc<Mutex<T>>,
    pub(crate) born: u64,
}

enum State<T> {
    Occupied(Entry<T>),
    /// Vacant, with the next vacant slot's index plus one (`0` ends the list).
    Vacant(u32),
}

struct Slot<T> {
    generation: u32,
    state: State<T>,
}

/// Where a raw id resolves inside one shard.
enum Found {
    Slot(usize),
    Named,
    /// Nothing; `stale` when the id names an existing slot of another
    /// generation (a removed key), rather than something never issued.
    Missing {
        stale: bool,
    },
}

/// Why [`Shard::remove_if`] removed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The entry exists and was not approved for removal.
    Kept,
    /// No entry; `stale` as in [`Found::Missing`].
    Missing { stale: bool },
}

/// Counters kept under the shard's lock, summed by `ResourceRegistry::stats`.
#[derive(Clone, Copy, Default)]
pub(crate) struct Counters {
    pub(crate) registered: u64,
    pub(crate) removed: u64,
    pub(crate) stale_lookups: u64,
    pub(crate) unknown_lookups: u64,
}

pub(crate) struct Shard<T> {
    slots: Vec<Slot<T>>,
    free_head: u32,
    occupied: usize,
    /// Entries stored under ids the caller chose (`insert`). `None` until the
    /// first one, so registries that only use issued keys never hash.
    named: Option<HashMap<u32, Entry<T>>>,
    pub(crate) counters: Counters,
}

impl<T> Shard<T> {
    pub(crate) const fn new() -> Self {
        Shard {
            slots: Vec::new(),
            free_head: 0,
            occupied: 0,
            named: None,
            counters: Counters {
                registered: 0,
                removed: 0,
                stale_lookups: 0,
                unknown_lookups: 0,
            },
        }
    }

    /// Live entries in this shard.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.occupied + self.named.as_ref().map_or(0, HashMap::len)
    }

    /// Slots allocated so far (occupied or vacant).
    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.slots.len()
    }

    #[inline]
    fn find(&self, raw: u32) -> Found {
        let mut stale = false;
        if let Some((index, generation)) = decode(raw).slot {
            if let Some(slot) = self.slots.get(index) {
                if slot.generation == generation {
                    if let State::Occupied(_) = slot.state {
                        return Found::Slot(index);
                    }
                }
                stale = true;
            }
        }
        match &self.named {
            Some(named) if named.contains_key(&raw) => Found::Named,
            _ => Found::Missing { stale },
        }
    }

    pub(crate) fn count_miss(&mut self, stale: bool) {
        if stale {
            self.counters.stale_lookups += 1;
        } else {
            self.counters.unknown_lookups += 1;
        }
    }

    pub(crate) fn contains(&self, raw: u32) -> bool {
        !matches!(self.find(raw), Found::Missing { .. })
    }

    /// The entry under `raw`, counting a miss in the stats.
    #[inline]
    pub(crate) fn get(&mut self, raw: u32) -> Option<&Entry<T>> {
        // The hot path: a live issued key, decided by one slot read.
        if let Some((index, generation)) = decode(raw).slot {
            let hit = matches!(
                self.slots.get(index),
                Some(Slot { generation: g, state: State::Occupied(_) }) if *g == generation
            );
            if hit {
                // Returned on every path of this branch, which is what lets
                // the slow path below borrow `self` mutably.
                return match &self.slots[index].state {
                    State::Occupied(entry) => Some(entry),
                    State::Vacant(_) => None,
                };
            }
        }
        self.get_slow(raw)
    }

    #[cold]
    fn get_slow(&mut self, raw: u32) -> Option<&Entry<T>> {
        match self.find(raw) {
            Found::Slot(index) => match &self.slots[index].state {
                State::Occupied(entry) => Some(entry),
                State::Vacant(_) => None,
            },
            Found::Named => self.named.as_ref().and_then(|named| named.get(&raw)),
            Found::Missing { stale } => {
                self.count_miss(stale);
                None
            }
        }
    }

    /// Removes and returns the entry under `raw`, counting a miss in the stats.
    #[inline]
    pub(crate) fn remove(&mut self, raw: u32) -> Option<Entry<T>> {
        if let Some((index, generation)) = decode(raw).slot {
            if let Some(slot) = self.slots.get_mut(index) {
                if slot.generation == generation {
                    if let State::Occupied(_) = slot.state {
                        return self.vacate(index);
                    }
                }
            }
        }
        match self.remove_if(raw, |_| true) {
            Ok(entry) => Some(entry),
            Err(Refused::Missing { stale }) => {
                self.count_miss(stale);
                None
            }
            Err(Refused::Kept) => None,
        }
    }

    /// Empties an occupied slot: a new generation makes every copy of the
    /// old key stale, and the slot goes to the front of the free list.
    #[inline]
    fn vacate(&mut self, index: usize) -> Option<Entry<T>> {
        let slot = &mut self.slots[index];
        match std::mem::replace(&mut slot.state, State::Vacant(self.free_head)) {
            State::Occupied(entry) => {
                slot.generation = (slot.generation + 1) & GENERATION_MASK;
                self.free_head = index as u32 + 1;
                self.occupied -= 1;
                self.counters.removed += 1;
                Some(entry)
            }
            vacant => {
                slot.state = vacant; // not reached: callers check first
                None
            }
        }
    }

    /// Removes the entry under `raw` if `approve` says so. Misses are not
    /// counted here: only the caller knows whether a miss was the user's.
    pub(crate) fn remove_if(
        &mut self,
        raw: u32,
        approve: impl FnOnce(&Entry<T>) -> bool,
    ) -> Result<Entry<T>, Refused> {
        let entry = match self.find(raw) {
            Found::Slot(index) => {
                let approved = match &self.slots[index].state {
                    State::Occupied(entry) => approve(entry),
                    State::Vacant(_) => false,
                };
                if !approved {
                    return Err(Refused::Kept);
                }
                return self.vacate(index).ok_or(Refused::Kept);
            }
            Found::Named => {
                let named = self.named.as_mut().ok_or(Refused::Kept)?;
                if !named.get(&raw).map_or(false, approve) {
                    return Err(Refused::Kept);
                }
                named.remove(&raw).ok_or(Refused::Kept)?
            }
            Found::Missing { stale } => return Err(Refused::Missing { stale }),
        };
        self.counters.removed += 1;
        Ok(entry)
    }

    /// Puts back an entry just taken out with [`Shard::remove`] under the same
    /// lock, so that it keeps its key (used when a take finds it shared).
    pub(crate) fn restore(&mut self, raw: u32, entry: Entry<T>) {
        if let Some((index, generation)) = decode(raw).slot {
            let head_matches = self.free_head == index as u32 + 1;
            if let Some(slot) = self.slots.get_mut(index) {
                let expected = (generation + 1) & GENERATION_MASK;
                if head_matches && slot.generation == expected {
                    if let State::Vacant(next) = slot.state {
                        slot.generation = generation;
                        slot.state = State::Occupied(entry);
                        self.free_head = next;
                        self.occupied += 1;
                        self.counters.removed -= 1;
                        return;
                    }
                }
            }
        }
        self.named
            .get_or_insert_with(HashMap::new)
            .insert(raw, entry);
        self.counters.removed -= 1;
    }

    /// Stores `entry` under a new issued key, or hands it back when every
    /// slot of this shard is in use.
    #[inline]
    pub(crate) fn alloc(&mut self, shard: usize, entry: Entry<T>) -> Result<u32, Entry<T>> {
        let index = if self.free_head != 0 {
            (self.free_head - 1) as usize
        } else if self.slots.len() < SLOTS_PER_SHARD as usize {
            self.slots.push(Slot {
                generation: 0,
                state: State::Vacant(0),
            });
            self.slots.len() - 1
        } else {
            return Err(entry);
        };
        let slot = &mut self.slots[index];
        let next = match slot.state {
            State::Vacant(next) => next,
            State::Occupied(_) => return Err(entry), // unreachable: the free list holds vacant slots only
        };
        // A caller may have inserted an entry under exactly the id this slot
        // would issue next; skip that generation rather than shadow it. Each
        // skip uses up one generation of this slot's wrap budget.
        if let Some(named) = &self.named {
            let mut tries = 0;
            while named.contains_key(&encode(shard, index, slot.generation)) {
                tries += 1;
                if tries > GENERATION_MASK {
                    return Err(entry);
                }
                slot.generation = (slot.generation + 1) & GENERATION_MASK;
            }
        }
        slot.state = State::Occupied(entry);
        self.free_head = next;
        self.occupied += 1;
        self.counters.registered += 1;
        Ok(encode(shard, index, slot.generation))
    }

    /// Stores `entry` under a caller-chosen `raw` id: in place when `raw` is a
    /// live issued key, in the named map otherwise. Returns the displaced
    /// entry, if any.
    pub(crate) fn insert(&mut self, raw: u32, entry: Entry<T>) -> Option<Entry<T>> {
        match self.find(raw) {
            Found::Slot(index) => match &mut self.slots[index].state {
                State::Occupied(old) => Some(std::mem::replace(old, entry)),
                State::Vacant(_) => None, // unreachable: find only returns occupied slots
            },
            Found::Named | Found::Missing { .. } => {
                let old = self
                    .named
                    .get_or_insert_with(HashMap::new)
                    .insert(raw, entry);
                if old.is_none() {
                    self.counters.registered += 1;
                }
                old
            }
        }
    }

    /// Calls `f` with every live entry and its id.
    pub(crate) fn for_each(&self, shard: usize, mut f: impl FnMut(u32, &Entry<T>)) {
        for (index, slot) in self.slots.iter().enumerate() {
            if let State::Occupied(entry) = &slot.state {
                f(encode(shard, index, slot.generation), entry);
            }
        }
        if let Some(named) = &self.named {
            for (&raw, entry) in named {
                f(raw, entry);
            }
        }
    }

    /// Removes every live entry into `out`.
    pub(crate) fn drain_into(&mut self, shard: usize, out: &mut Vec<(u32, Entry<T>)>) {
        let before = out.len();
        // The vacated slots are linked lowest first, ahead of the old free
        // list, so the next registrations fill the slab in order (and in
        // order of age) rather than backwards.
        let mut tail: Option<usize> = None;
        let old_head = self.free_head;
        for index in 0..self.slots.len() {
            let slot = &mut self.slots[index];
            if let State::Occupied(_) = slot.state {
                let raw = encode(shard, index, slot.generation);
                let old = std::mem::replace(&mut slot.state, State::Vacant(old_head));
                slot.generation = (slot.generation + 1) & GENERATION_MASK;
                match tail {
                    Some(previous) => self.slots[previous].state = State::Vacant(index as u32 + 1),
                    None => self.free_head = index as u32 + 1,
                }
                tail = Some(index);
                if let State::Occupied(entry) = old {
                    out.push((raw, entry));
                }
            }
        }
        self.occupied = 0;
        if let Some(named) = &mut self.named {
            out.extend(named.drain());
        }
        self.counters.removed += (out.len() - before) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::GENERATION_WRAP;

    fn entry(v: u32, born: u64) -> Entry<u32> {
        Entry {
            value: Arc::new(Mutex::new(v)),
            born,
        }
    }

    fn value(e: &Entry<u32>) -> u32 {
        *e.value.lock().unwrap()
    }

    #[test]
    fn alloc_reuses_vacated_slots_with_a_new_generation() {
        let mut s = Shard::new();
        let a = s.alloc(3, entry(1, 0)).ok().unwrap();
        assert_eq!(value(s.remove(a).as_ref().unwrap()), 1);
        let b = s.alloc(3, entry(2, 1)).ok().unwrap();
        assert_ne!(a, b);
        assert_eq!(decode(a).slot.unwrap().0, decode(b).slot.unwrap().0);
        assert!(s.get(a).is_none());
        assert_eq!(s.counters.stale_lookups, 1);
        assert_eq!(value(s.get(b).unwrap()), 2);
        assert_eq!(s.len(), 1);
        assert_eq!(s.capacity(), 1);
    }

    #[test]
    fn a_stale_key_resolves_again_only_after_the_generation_wraps() {
        let mut s = Shard::new();
        let first = s.alloc(0, entry(0, 0)).ok().unwrap();
        s.remove(first).unwrap();
        for reuse in 1..GENERATION_WRAP {
            let k = s.alloc(0, entry(reuse, 0)).ok().unwrap();
            assert_ne!(k, first, "reuse {} gave the stale key back", reuse);
            assert!(s.get(first).is_none());
            s.remove(k).unwrap();
        }
        // Reuse number 4096 brings the generation round to the first one.
        let wrapped = s.alloc(0, entry(7, 0)).ok().unwrap();
        assert_eq!(wrapped, first);
    }

    #[test]
    fn named_ids_and_issued_keys_never_shadow_each_other() {
        let mut s = Shard::new();
        // Claim the id the first slot would issue next.
        let next = encode(0, 0, 0);
        assert!(s.insert(next, entry(10, 0)).is_none());
        let issued = s.alloc(0, entry(20, 1)).ok().unwrap();
        assert_ne!(issued, next);
        assert_eq!(value(s.get(next).unwrap()), 10);
        assert_eq!(value(s.get(issued).unwrap()), 20);
        // Inserting under a live issued key replaces that entry in place.
        let old = s.insert(issued, entry(21, 2)).unwrap();
        assert_eq!(value(&old), 20);
        assert_eq!(value(s.get(issued).unwrap()), 21);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn full_shard_hands_the_entry_back() {
        let mut s: Shard<u32> = Shard::new();
        for i in 0..SLOTS_PER_SHARD {
            s.alloc(0, entry(i, 0)).ok().unwrap();
        }
        let back = s.alloc(0, entry(99, 0)).err().unwrap();
        assert_eq!(value(&back), 99);
    }

    #[test]
    fn restore_puts_an_entry_back_under_its_key() {
        let mut s = Shard::new();
        let a = s.alloc(0, entry(1, 0)).ok().unwrap();
        let e = s.remove(a).unwrap();
        s.restore(a, e);
        assert_eq!(value(s.get(a).unwrap()), 1);
        assert_eq!(s.counters.removed, 0);
        s.insert(5, entry(5, 0));
        let e = s.remove(5).unwrap();
        s.restore(5, e);
        assert_eq!(value(s.get(5).unwrap()), 5);
    }

    #[test]
    fn drain_empties_and_counts() {
        let mut s = Shard::new();
        let a = s.alloc(0, entry(1, 0)).ok().unwrap();
        s.insert(77, entry(2, 1));
        let mut out = Vec::new();
        s.drain_into(0, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(s.len(), 0);
        assert!(s.get(a).is_none());
        assert_eq!(s.counters.removed, 2);
        let b = s.alloc(0, entry(3, 2)).ok().unwrap();
        assert_ne!(a, b);
    }
}
