//! What a table does by location, once an id has been resolved: lookups
//! that count their misses, relations, and every entry at once (drains,
//! enumeration).

use super::{Id, Table, Value};
use crate::key::{slot_index, split_wide, stamp, wide, wide_matches, Key, ISSUED_FROM};
use crate::tree::Loc;

impl<T> Table<T> {
    // ----- by location -------------------------------------------------------

    /// Where the live entry `id` names is, counting a miss as stale (its slot
    /// exists) or unknown. Issued keys and guards are found inline; the rest
    /// out of line.
    #[inline]
    pub(crate) fn locate(&mut self, id: Id) -> Option<Loc> {
        let hit = match id {
            Id::Raw(raw) => self.get(raw).is_some(),
            Id::Exact(index, born) => self.get_exact(index, born).is_some(),
            Id::Wide(_) => false,
        };
        if hit {
            return Some(Loc::Slot(self.index_of(id) as u32));
        }
        self.locate_slow(id)
    }

    #[cold]
    #[inline(never)]
    fn locate_slow(&mut self, id: Id) -> Option<Loc> {
        let found = self.find(id);
        if found.is_none() {
            let stale = match id {
                Id::Raw(raw) if raw < ISSUED_FROM => false,
                _ => self.index_of(id) < self.slots.len(),
            };
            if stale {
                self.counters.stale_lookups += 1;
            } else {
                self.counters.unknown_lookups += 1;
            }
        }
        found
    }

    fn index_of(&self, id: Id) -> usize {
        match id {
            Id::Raw(raw) => slot_index(raw),
            Id::Wide(raw) => slot_index(split_wide(raw).0),
            Id::Exact(index, _) => index as usize,
        }
    }

    /// Where the live entry `id` names is; uncounted.
    pub(crate) fn find(&self, id: Id) -> Option<Loc> {
        let slot = self.slots.get(self.index_of(id));
        let hit = match (id, slot) {
            (Id::Raw(raw), _) if raw < ISSUED_FROM => {
                let named = self.named.as_ref()?;
                return named.contains_key(&raw).then_some(Loc::Caller(raw));
            }
            (Id::Raw(raw), Some(slot)) => slot.key == raw,
            (Id::Wide(raw), Some(slot)) => {
                wide_matches(stamp(slot.key, slot.wraps, slot.born), split_wide(raw).1)
            }
            (Id::Exact(_, born), Some(slot)) => slot.born == born,
            (_, None) => false,
        };
        match slot {
            Some(slot) if hit && slot.value.is_some() => Some(Loc::Slot(self.index_of(id) as u32)),
            _ => None,
        }
    }

    /// The value of the live entry at `loc`.
    pub(crate) fn value(&self, loc: Loc) -> Option<&Value<T>> {
        match loc {
            Loc::Slot(index) => self.slots.get(index as usize)?.value.as_ref(),
            Loc::Caller(raw) => self.named.as_ref()?.get(&raw).map(|(v, _)| v),
        }
    }

    /// The `u32` id of the entry at `loc`.
    pub(crate) fn key_of(&self, loc: Loc) -> u32 {
        match loc {
            Loc::Slot(index) => self.slots.get(index as usize).map_or(0, |s| s.key),
            Loc::Caller(raw) => raw,
        }
    }

    /// The wide key of the live entry at `loc`; caller-chosen ids have none.
    pub(crate) fn wide_key_of(&self, loc: Loc) -> Option<u64> {
        match loc {
            Loc::Slot(index) => {
                let slot = self.slots.get(index as usize)?;
                Some(wide(slot.key, stamp(slot.key, slot.wraps, slot.born)))
            }
            Loc::Caller(_) => None,
        }
    }

    /// Replaces the value at a live `loc`, keeping the entry's identity and
    /// age; returns the old value.
    pub(crate) fn replace(&mut self, loc: Loc, value: Value<T>) -> Option<Value<T>> {
        let old = match loc {
            Loc::Slot(index) => self.slots.get_mut(index as usize)?.value.as_mut()?,
            Loc::Caller(raw) => &mut self.named.as_mut()?.get_mut(&raw)?.0,
        };
        Some(std::mem::replace(old, value))
    }

    /// Removes the live entry at `loc`; its children become roots.
    pub(crate) fn remove_at(&mut self, loc: Loc) -> Option<(Value<T>, u64)> {
        match loc {
            Loc::Slot(index) => self.vacate(index as usize),
            Loc::Caller(raw) => {
                let entry = self.named.as_mut()?.remove(&raw)?;
                self.counters.live -= 1;
                self.unlink(loc);
                self.settle();
                Some(entry)
            }
        }
    }

    // ----- relations ---------------------------------------------------------

    /// Records `child` as the last child of `parent`.
    pub(crate) fn link(&mut self, parent: Loc, child: Loc) {
        self.tree
            .get_or_insert_with(Default::default)
            .link(parent, child);
    }

    #[cold]
    pub(super) fn unlink(&mut self, loc: Loc) {
        if let Some(tree) = &mut self.tree {
            tree.unlink(loc);
        }
    }

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

    /// `loc` and its descendants, every descendant before its ancestors.
    pub(crate) fn subtree(&self, loc: Loc) -> Vec<Loc> {
        match &self.tree {
            Some(tree) => tree.subtree(loc),
            None => vec![loc],
        }
    }

    // ----- every entry -------------------------------------------------------

    /// Calls `f` with every live entry's `u32` id, value and birth tick.
    pub(crate) fn for_each(&self, mut f: impl FnMut(u32, &Value<T>, u64)) {
        for slot in &self.slots {
            if let Some(value) = &slot.value {
                f(slot.key, value, slot.born);
            }
        }
        for (&raw, (value, born)) in self.named.iter().flatten() {
            f(raw, value, *born);
        }
    }

    /// Removes every live entry into `out`, as `each` makes it of the entry's
    /// key, value and birth. The vacated slots join the queue behind the ones
    /// already waiting, in index order; their keys stay, so their tags move
    /// on at the next fill.
    pub(crate) fn drain_into<R>(
        &mut self,
        // Owned, not borrowed: the loop then keeps the vector's length and
        // capacity in locals rather than reloading them after every store.
        mut out: Vec<R>,
        mut each: impl FnMut(Key<T>, Value<T>, u64) -> R,
    ) -> Vec<R> {
        let before = out.len();
        // `prev` is the link to write next: `first` until a slot is vacated.
        let mut first = 0u64;
        let mut last = 0u32;
        let mut prev: &mut u64 = &mut first;
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if let Some(value) = slot.value.take() {
                out.push(each(Key::from_raw(slot.key), value, slot.born));
                last = index as u32 + 1;
                *prev = u64::from(last);
                prev = &mut slot.born;
            }
        }
        *prev = 0;
        if first != 0 {
            match self.slots.get_mut(self.tail.wrapping_sub(1) as usize) {
                Some(tail) => tail.born = first,
                None => self.head = first as u32,
            }
            self.tail = last;
        }
        if let Some(named) = &mut self.named {
            out.extend(
                named
                    .drain()
                    .map(|(raw, (value, born))| each(Key::from_raw(raw), value, born)),
            );
        }
        if let Some(tree) = &mut self.tree {
            tree.clear();
        }
        self.counters.live -= out.len() - before;
        self.settle();
        out
    }
}
