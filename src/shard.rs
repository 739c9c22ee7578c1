//! One shard: a generational slab for registry-issued keys, a map for
//! caller-chosen ids and the parent/child table, always used under its
//! registry's lock for that shard.
//!
//! Vacated slots wait in a first-in first-out queue, and the oldest is reused
//! only while more than [`QUARANTINE`] wait. The ones waiting behind it are
//! all reused before it comes round again, so two reuses of a slot are at
//! least `QUARANTINE + 1` registrations into this shard apart (only the first
//! reuse after a slot is created can come sooner), which is what stretches the
//! 4095 tags of a `u32` key over more than `2^22` registrations
//! ([`KEY_REISSUE_BOUND`](crate::KEY_REISSUE_BOUND)).
//!
//! Nothing here runs user code or drops a user value: removed entries are
//! returned so the registry can drop them after it has released the lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::key::{
    encode, encode_wide, Check, Id, Key, FIRST_GENERATION, GROUPS, LIVE_PER_SHARD, QUARANTINE,
    SLOTS_PER_SHARD,
};
use crate::tree::{Loc, Tree};

/// Slots a shard grows by once it holds this many (up to
/// [`SLOTS_PER_SHARD`], a multiple of it).
const GROWTH_STEP: usize = 4096;

/// A live entry: the value and the logical time it was registered.
pub(crate) struct Entry<T> {
    pub(crate) value: Arc<Mutex<T>>,
    pub(crate) born: u64,
}

/// 24 bytes natively, 16 on 32-bit targets: the value's pointer doubles as
/// the occupied flag, and one word holds the birth time while occupied and
/// the queue link while vacant.
struct Slot<T> {
    /// Moves on each time the slot is filled: a new entry, a new
    /// generation.
    generation: Generation,
    /// `Some` while the slot is occupied.
    value: Option<Arc<Mutex<T>>>,
    /// Occupied: the entry's birth tick. Vacant: the next queued slot's
    /// index plus one (`0` ends the queue).
    link: u64,
}

impl<T> Slot<T> {
    /// Empties an occupied slot: its entry comes out, and every copy of its
    /// key finds the slot vacant. The generation moves on only when the slot
    /// is filled again ([`Shard::fill`]): until then no key can match an
    /// entry there, and a drain, which vacates every slot, leaves the
    /// generations alone. The link is left `0`, the end of a queue.
    #[inline]
    fn retire(&mut self) -> Option<Entry<T>> {
        let value = self.value.take()?;
        let born = std::mem::replace(&mut self.link, 0);
        Some(Entry { value, born })
    }
}

/// A slot's generation as it is stored: a `u64` natively, which never wraps
/// in practice; the low 32 bits on 32-bit targets (wasm32), where the four
/// bytes saved make a slot 16 bytes instead of 24 (its `u64` link aligns it
/// to 8). There it wraps to 1 after `2^32 - 2^20` generations (`2^32` is a
/// multiple of 4096, so the skipped values stay skipped), which is what
/// [`WIDE_KEY_REUSES`](crate::WIDE_KEY_REUSES) states for those targets.
#[derive(Clone, Copy)]
struct Generation(
    #[cfg(target_pointer_width = "64")] u64,
    #[cfg(not(target_pointer_width = "64"))] u32,
);

impl Generation {
    #[inline]
    fn new(generation: u64) -> Self {
        // Truncating on 32-bit targets is the documented wrap.
        #[cfg(not(target_pointer_width = "64"))]
        let generation = generation as u32;
        Generation(generation)
    }

    /// The generation after this one, as
    /// [`next_generation`](crate::key::next_generation) gives it.
    #[cfg(target_pointer_width = "64")]
    #[inline]
    fn next(self) -> Self {
        Generation(crate::key::next_generation(self.0))
    }

    /// In 32 bits: without the 64-bit arithmetic wasm32 would pay for in
    /// every removal and drained entry.
    #[cfg(not(target_pointer_width = "64"))]
    #[inline]
    fn next(self) -> Self {
        Generation(crate::key::next_generation_u32(self.0))
    }

    #[cfg(target_pointer_width = "64")]
    #[inline]
    fn get(self) -> u64 {
        self.0
    }

    #[cfg(not(target_pointer_width = "64"))]
    #[inline]
    fn get(self) -> u64 {
        u64::from(self.0)
    }
}

/// Why an id found nothing: `stale` when it names an existing slot at another
/// generation (a key used after its entry was removed), rather than something
/// never issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Miss {
    pub(crate) stale: bool,
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
    /// The queue of vacant slots (index plus one, `0` for none).
    head: u32,
    tail: u32,
    queued: usize,
    /// Entries under caller-chosen ids. `None` until the first one, so
    /// registries that only use issued keys never hash.
    named: Option<HashMap<u32, Entry<T>>>,
    /// Parent/child relations; `None` until the first child.
    tree: Option<Box<Tree>>,
    pub(crate) counters: Counters,
}

impl<T> Shard<T> {
    pub(crate) const fn new() -> Self {
        Shard {
            slots: Vec::new(),
            head: 0,
            tail: 0,
            queued: 0,
            named: None,
            tree: None,
            counters: Counters {
                registered: 0,
                removed: 0,
                stale_lookups: 0,
                unknown_lookups: 0,
            },
        }
    }

    /// Where `id` lives in this shard, if it names a live entry.
    #[inline]
    pub(crate) fn find(&self, id: Id) -> Result<Loc, Miss> {
        match id {
            Id::Slot { index, check, .. } => self
                .slot_value(index, check)
                .map(|_| Loc::Slot(index as u32)),
            Id::Caller(raw) => match &self.named {
                Some(named) if named.contains_key(&raw) => Ok(Loc::Caller(raw)),
                _ => Err(Miss { stale: false }),
            },
            Id::Invalid => Err(Miss { stale: false }),
        }
    }

    /// The value in slot `index` if `check` recognises its entry: the
    /// common case of [`find`](Self::find), kept small enough to inline
    /// without the caller-id map's code.
    #[inline]
    pub(crate) fn slot_value(&self, index: usize, check: Check) -> Result<&Arc<Mutex<T>>, Miss> {
        match self.slots.get(index) {
            Some(Slot {
                value: Some(value),
                generation,
                ..
            }) if check.matches(generation.get()) => Ok(value),
            Some(_) => Err(Miss { stale: true }),
            None => Err(Miss { stale: false }),
        }
    }

    /// Removes the entry in slot `index` if `check` recognises it:
    /// [`slot_value`](Self::slot_value) and [`remove_slot`](Self::remove_slot)
    /// with one look at the slot. A miss is the caller's to count.
    #[inline]
    pub(crate) fn take_slot(&mut self, index: usize, check: Check) -> Result<Entry<T>, Miss> {
        let slot = self.slots.get_mut(index).ok_or(Miss { stale: false })?;
        if !check.matches(slot.generation.get()) {
            return Err(Miss { stale: true });
        }
        let entry = slot.retire().ok_or(Miss { stale: true })?;
        let index = index as u32;
        self.enqueue(index + 1, index + 1, 1);
        self.forget(Loc::Slot(index));
        Ok(entry)
    }

    /// [`find`](Self::find), counting a miss in the stats.
    #[inline]
    pub(crate) fn lookup(&mut self, id: Id) -> Option<Loc> {
        match self.find(id) {
            Ok(loc) => Some(loc),
            Err(miss) => {
                self.count_miss(miss);
                None
            }
        }
    }

    /// Out of line: a hit then carries none of the counter selection.
    #[cold]
    #[inline(never)]
    pub(crate) fn count_miss(&mut self, miss: Miss) {
        if miss.stale {
            self.counters.stale_lookups += 1;
        } else {
            self.counters.unknown_lookups += 1;
        }
    }

    /// The value of the live entry at `loc`; `None` only if `loc` is not
    /// live, which callers rule out by finding it first under the same lock.
    #[inline]
    pub(crate) fn value(&self, loc: Loc) -> Option<&Arc<Mutex<T>>> {
        match loc {
            Loc::Slot(index) => self.slots.get(index as usize)?.value.as_ref(),
            Loc::Caller(raw) => self.named.as_ref()?.get(&raw).map(|e| &e.value),
        }
    }

    /// The `u32` id of the live entry at `loc`.
    pub(crate) fn key_of(&self, shard: usize, loc: Loc) -> u32 {
        match loc {
            Loc::Slot(index) => encode(shard, index as usize, self.generation(index)),
            Loc::Caller(raw) => raw,
        }
    }

    /// The wide key of the live entry at `loc`, if it has one (caller-chosen
    /// ids do not).
    pub(crate) fn wide_key_of(&self, shard: usize, loc: Loc) -> Option<u64> {
        match loc {
            Loc::Slot(index) => Some(encode_wide(shard, index as usize, self.generation(index))),
            Loc::Caller(_) => None,
        }
    }

    pub(crate) fn generation(&self, index: u32) -> u64 {
        self.slots
            .get(index as usize)
            .map_or(0, |slot| slot.generation.get())
    }

    /// Replaces the value at a live `loc`, keeping the entry's identity and
    /// age; returns the old value.
    pub(crate) fn replace(&mut self, loc: Loc, value: Arc<Mutex<T>>) -> Option<Arc<Mutex<T>>> {
        let old = match loc {
            Loc::Slot(index) => self.slots.get_mut(index as usize)?.value.as_mut()?,
            Loc::Caller(raw) => &mut self.named.as_mut()?.get_mut(&raw)?.value,
        };
        Some(std::mem::replace(old, value))
    }

    // ----- adding ----------------------------------------------------------

    /// Picks the slot the next issued key goes to, without filling it: the
    /// oldest vacant slot if enough wait behind it, a new one otherwise.
    /// `None` when the shard holds all the entries it can.
    #[inline]
    pub(crate) fn claim(&mut self) -> Option<u32> {
        if self.queued > QUARANTINE {
            let index = self.head - 1;
            return Some(index);
        }
        self.claim_new()
    }

    /// [`claim`](Self::claim) when no vacant slot may be reused yet: a new
    /// slot at the end. Out of line, so that the reuse every steady workload
    /// takes is small enough to inline into the caller's loop.
    #[cold]
    #[inline(never)]
    fn claim_new(&mut self) -> Option<u32> {
        if self.slots.len() < SLOTS_PER_SHARD && self.occupied() < LIVE_PER_SHARD {
            if self.slots.len() == self.slots.capacity() && self.slots.len() >= GROWTH_STEP {
                // Past one step, grow by steps rather than doubling: a
                // doubled vector is a quarter empty on average, which was
                // 7.5 of the 31.5 bytes a live entry cost.
                self.slots.reserve_exact(GROWTH_STEP);
            }
            // One step before the first: `fill` moves it on to
            // `FIRST_GENERATION`.
            self.slots.push(Slot {
                generation: Generation::new(FIRST_GENERATION - 1),
                value: None,
                link: 0,
            });
            return Some(self.slots.len() as u32 - 1);
        }
        None
    }

    /// Gives back a claimed slot that was not filled, leaving the shard as
    /// it was before the claim.
    pub(crate) fn unclaim(&mut self, index: u32) {
        if self.head != index + 1 && index as usize + 1 == self.slots.len() {
            self.slots.pop();
        }
    }

    /// Fills a slot from [`claim`](Self::claim); returns its generation.
    #[inline]
    pub(crate) fn fill(&mut self, index: u32, entry: Entry<T>) -> u64 {
        let slot = &mut self.slots[index as usize];
        if self.head == index + 1 {
            self.head = slot.link as u32;
            if self.head == 0 {
                self.tail = 0;
            }
            self.queued -= 1;
        }
        slot.value = Some(entry.value);
        slot.link = entry.born;
        slot.generation = slot.generation.next();
        self.counters.registered += 1;
        slot.generation.get()
    }

    /// Stores an entry under a caller-chosen id that holds nothing.
    pub(crate) fn add_named(&mut self, raw: u32, entry: Entry<T>) {
        self.named
            .get_or_insert_with(HashMap::new)
            .insert(raw, entry);
        self.counters.registered += 1;
    }

    /// Records `child` as a child of `parent` (both live in this shard).
    pub(crate) fn link(&mut self, parent: Loc, child: Loc) {
        self.tree
            .get_or_insert_with(Default::default)
            .link(parent, child);
    }

    // ----- relations -------------------------------------------------------

    pub(crate) fn parent(&self, loc: Loc) -> Option<Loc> {
        self.tree.as_ref()?.parent(loc)
    }

    pub(crate) fn has_children(&self, loc: Loc) -> bool {
        self.tree
            .as_ref()
            .map_or(false, |tree| tree.has_children(loc))
    }

    /// The children of `loc`, oldest first.
    pub(crate) fn children(&self, loc: Loc) -> Vec<Loc> {
        self.tree
            .as_ref()
            .map_or_else(Vec::new, |tree| tree.children(loc))
    }

    pub(crate) fn subtree(&self, loc: Loc) -> Vec<Loc> {
        match &self.tree {
            Some(tree) => tree.subtree(loc),
            None => vec![loc],
        }
    }

    // ----- removing --------------------------------------------------------

    /// Removes the live entry at `loc`; its children, if any, become roots.
    #[inline]
    pub(crate) fn remove_at(&mut self, loc: Loc) -> Option<Entry<T>> {
        match loc {
            Loc::Slot(index) => self.remove_slot(index),
            Loc::Caller(raw) => self.remove_named(raw),
        }
    }

    /// [`remove_at`](Self::remove_at) for a slot.
    #[inline]
    pub(crate) fn remove_slot(&mut self, index: u32) -> Option<Entry<T>> {
        let entry = self.vacate(index)?;
        self.forget(Loc::Slot(index));
        Some(entry)
    }

    #[cold]
    fn remove_named(&mut self, raw: u32) -> Option<Entry<T>> {
        let entry = self.named.as_mut()?.remove(&raw)?;
        self.forget(Loc::Caller(raw));
        Some(entry)
    }

    /// Counts a removal and drops the entry's relations.
    #[inline]
    fn forget(&mut self, loc: Loc) {
        if let Some(tree) = &mut self.tree {
            tree.unlink(loc);
        }
        self.counters.removed += 1;
    }

    /// Retires an occupied slot and queues it at the back.
    #[inline]
    fn vacate(&mut self, index: u32) -> Option<Entry<T>> {
        let entry = self.slots.get_mut(index as usize)?.retire()?;
        self.enqueue(index + 1, index + 1, 1);
        Some(entry)
    }

    /// Appends a chain of `n` vacant slots, already linked from `first` to
    /// `last` (indices plus one), to the back of the queue.
    #[inline]
    fn enqueue(&mut self, first: u32, last: u32, n: usize) {
        match self.tail {
            0 => self.head = first,
            tail => self.slots[tail as usize - 1].link = u64::from(first),
        }
        self.tail = last;
        self.queued += n;
    }

    /// Removes every live entry into `out`, with its key, calling
    /// `removed(birth, n)` for `n` removed entries born in `birth`'s group:
    /// once per entry with several groups, once per shard with one (as on
    /// wasm32), where every birth is in group 0.
    pub(crate) fn drain_into(
        &mut self,
        shard: usize,
        out: &mut Vec<(Key<T>, Arc<Mutex<T>>)>,
        mut removed: impl FnMut(u64, usize),
    ) {
        let before = out.len();
        // `vacate` for every occupied slot, in one pass: the slots it vacates
        // join the queue in index order, each linked to the next as it goes
        // (`prev` is the link to write: `first` until a slot is vacated).
        // Generations stay: they move on when a slot is filled again.
        let mut first = 0u64;
        let mut last = 0u32;
        let mut prev: &mut u64 = &mut first;
        for (index, slot) in self.slots.iter_mut().enumerate() {
            let value = match slot.value.take() {
                Some(value) => value,
                None => continue,
            };
            if GROUPS > 1 {
                removed(slot.link, 1);
            }
            let key = encode(shard, index, slot.generation.get());
            out.push((Key::from_raw(key), value));
            last = index as u32 + 1;
            *prev = u64::from(last);
            prev = &mut slot.link;
        }
        *prev = 0;
        let first = first as u32;
        let vacated = out.len() - before;
        if GROUPS == 1 && vacated > 0 {
            removed(0, vacated);
        }
        if first != 0 {
            self.enqueue(first, last, vacated);
        }
        if let Some(named) = &mut self.named {
            out.extend(named.drain().map(|(raw, entry)| {
                removed(entry.born, 1);
                (Key::from_raw(raw), entry.value)
            }));
        }
        if let Some(tree) = &mut self.tree {
            tree.clear();
        }
        self.counters.removed += (out.len() - before) as u64;
    }

    // ----- enumerating -----------------------------------------------------

    fn occupied(&self) -> usize {
        self.slots.len() - self.queued
    }

    /// Calls `f` with every live entry's `u32` id, value and birth tick.
    pub(crate) fn for_each(&self, shard: usize, mut f: impl FnMut(u32, &Arc<Mutex<T>>, u64)) {
        for (index, slot) in self.slots.iter().enumerate() {
            if let Some(value) = &slot.value {
                f(
                    encode(shard, index, slot.generation.get()),
                    value,
                    slot.link,
                );
            }
        }
        if let Some(named) = &self.named {
            for (&raw, entry) in named {
                f(raw, &entry.value, entry.born);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{decode, decode_wide, Check, NARROW_TAGS, WIDE_TAGS};

    fn entry(v: u32) -> Entry<u32> {
        Entry {
            value: Arc::new(Mutex::new(v)),
            born: 0,
        }
    }

    fn register(s: &mut Shard<u32>, v: u32) -> u32 {
        let index = s.claim().unwrap();
        let generation = s.fill(index, entry(v));
        encode(0, index as usize, generation)
    }

    fn value(s: &Shard<u32>, raw: u32) -> Option<u32> {
        let loc = s.find(decode(raw)).ok()?;
        Some(*s.value(loc)?.lock().unwrap())
    }

    fn remove(s: &mut Shard<u32>, raw: u32) -> Option<u32> {
        let loc = s.find(decode(raw)).ok()?;
        let e = s.remove_at(loc)?;
        let v = *e.value.lock().unwrap();
        Some(v)
    }

    #[test]
    fn a_vacated_slot_waits_behind_the_quarantine() {
        let mut s = Shard::new();
        let first = register(&mut s, 0);
        remove(&mut s, first).unwrap();
        // One entry at a time: new slots until QUARANTINE + 1 wait, then the
        // oldest comes back, at its next generation.
        for n in 1..=QUARANTINE as u32 {
            let k = register(&mut s, n);
            assert_ne!(k & 0xFFFFF, first & 0xFFFFF, "slot reused too early");
            remove(&mut s, k).unwrap();
        }
        let again = register(&mut s, 99);
        assert_eq!(again & 0xFFFFF, first & 0xFFFFF);
        assert_ne!(again, first);
        assert_eq!(value(&s, first), None);
        assert_eq!(s.counters.registered, QUARANTINE as u64 + 2);
        assert_eq!(s.slots.len(), QUARANTINE + 1);
    }

    #[test]
    fn unclaim_leaves_the_shard_as_it_was() {
        let mut s: Shard<u32> = Shard::new();
        let index = s.claim().unwrap();
        s.unclaim(index);
        assert_eq!((s.slots.len(), s.queued), (0, 0));
        for n in 0..=QUARANTINE as u32 {
            let k = register(&mut s, n);
            remove(&mut s, k);
        }
        let index = s.claim().unwrap();
        s.unclaim(index);
        assert_eq!(
            (s.slots.len(), s.queued, s.head),
            (QUARANTINE + 1, QUARANTINE + 1, 1)
        );
    }

    #[test]
    fn a_full_shard_claims_nothing() {
        let mut s: Shard<u32> = Shard::new();
        for n in 0..LIVE_PER_SHARD as u32 {
            register(&mut s, n);
        }
        assert_eq!(s.claim(), None);
    }

    #[test]
    fn keys_of_both_widths_follow_the_generation() {
        let mut s = Shard::new();
        let k = register(&mut s, 1);
        let wide = s.wide_key_of(0, Loc::Slot(0)).unwrap();
        assert_eq!(s.find(decode_wide(wide)), Ok(Loc::Slot(0)));
        // Far along: the generations a slot reaches after many reuses.
        s.slots[0].generation = Generation::new(FIRST_GENERATION + WIDE_TAGS - 1);
        assert_eq!(s.find(decode_wide(wide)), Err(Miss { stale: true }));
        s.slots[0].generation = Generation::new(FIRST_GENERATION + WIDE_TAGS);
        assert_eq!(
            s.find(decode_wide(wide)),
            Ok(Loc::Slot(0)),
            "wraps at WIDE_TAGS"
        );
        s.slots[0].generation = Generation::new(FIRST_GENERATION + NARROW_TAGS + 1);
        assert_eq!(s.find(decode(k)), Ok(Loc::Slot(0)), "the u32 tag wraps");
        let exact = Id::Slot {
            shard: 0,
            index: 0,
            check: Check::Exact(FIRST_GENERATION),
        };
        assert!(s.find(exact).is_err(), "a guard's generation never wraps");
    }

    /// The vacant slots, in the order they will be reused.
    fn queue(s: &Shard<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut next = s.head;
        while next != 0 {
            out.push(next - 1);
            next = s.slots[next as usize - 1].link as u32;
        }
        assert_eq!(
            (out.len(), out.last().map(|i| i + 1)),
            (s.queued, Some(s.tail).filter(|&t| t != 0))
        );
        out
    }

    #[test]
    fn drain_queues_its_slots_behind_those_already_waiting() {
        let mut s = Shard::new();
        let keys: Vec<u32> = (0..4).map(|n| register(&mut s, n)).collect();
        remove(&mut s, keys[2]);
        remove(&mut s, keys[0]);
        let mut out = Vec::new();
        s.drain_into(0, &mut out, |_, _| {});
        assert_eq!(queue(&s), [2, 0, 1, 3]);
        assert!(keys.iter().all(|&k| value(&s, k).is_none()));
        // Drained again when already empty: nothing moves.
        s.drain_into(0, &mut out, |_, _| {});
        assert_eq!(queue(&s), [2, 0, 1, 3]);
        let mut fresh = Shard::new();
        register(&mut fresh, 7);
        fresh.drain_into(0, &mut out, |_, _| {});
        assert_eq!(queue(&fresh), [0]);
    }

    #[test]
    fn drain_empties_counts_and_queues() {
        let mut s = Shard::new();
        let a = register(&mut s, 1);
        s.add_named(77, entry(2));
        let mut out = Vec::new();
        s.drain_into(0, &mut out, |_, _| {});
        assert_eq!(out.len(), 2);
        assert_eq!(value(&s, a), None);
        assert_eq!(s.counters.removed, 2);
        assert_eq!(s.queued, 1);
    }
}
