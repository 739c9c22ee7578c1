//! Parent/child relations among the entries of one shard.
//!
//! A child always lives in its parent's shard, so one lock covers a whole
//! subtree. Most registries never relate entries, so a shard only allocates
//! this table on its first child: relations cost nothing until they are used.
//!
//! Each related entry has five links: its parent, its first and last child,
//! and its previous and next sibling. Linking a child and unlinking any entry
//! then take a constant number of steps, however many siblings it has (a
//! provider with ten thousand open spans ends each of them as fast as one),
//! and a steady churn of children allocates nothing. Links of slots live in a
//! vector indexed like the slab; caller-chosen ids, which are rare as
//! parents, in a map.

use std::collections::HashMap;

/// Where an entry lives inside its shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Loc {
    /// A slot of the slab, by index: a registry-issued key.
    Slot(u32),
    /// A caller-chosen id.
    Caller(u32),
}

/// A `Loc` in one word: `0` for none, a slot's index plus one, or a caller
/// id with the top bit set (slot indices stay far below it).
type Link = u32;
const NONE: Link = 0;
const CALLER: Link = 1 << 31;

fn link_of(loc: Loc) -> Link {
    match loc {
        Loc::Slot(index) => index + 1,
        Loc::Caller(raw) => CALLER | raw,
    }
}

fn loc_of(link: Link) -> Option<Loc> {
    match link {
        NONE => None,
        l if l & CALLER != 0 => Some(Loc::Caller(l & !CALLER)),
        l => Some(Loc::Slot(l - 1)),
    }
}

#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct Links {
    parent: Link,
    first: Link,
    last: Link,
    prev: Link,
    next: Link,
}

#[derive(Default)]
pub(crate) struct Tree {
    slots: Vec<Links>,
    callers: HashMap<u32, Links>,
}

impl Tree {
    #[inline]
    fn get(&self, loc: Loc) -> Links {
        match loc {
            Loc::Slot(index) => self.slots.get(index as usize).copied(),
            Loc::Caller(raw) => self.callers.get(&raw).copied(),
        }
        .unwrap_or_default()
    }

    /// The links of `loc`, made room for if it has none yet. A caller id
    /// left with no links must then be [`tidy`](Self::tidy)ed.
    #[inline]
    fn links_mut(&mut self, loc: Loc) -> &mut Links {
        match loc {
            Loc::Slot(index) => {
                let index = index as usize;
                if index >= self.slots.len() {
                    self.grow(index);
                }
                &mut self.slots[index]
            }
            Loc::Caller(raw) => self.caller_links(raw),
        }
    }

    #[cold]
    fn grow(&mut self, index: usize) {
        self.slots.resize(index + 1, Links::default());
    }

    #[cold]
    fn caller_links(&mut self, raw: u32) -> &mut Links {
        self.callers.entry(raw).or_default()
    }

    /// Drops the map entry of a caller id that has no links left.
    #[inline]
    fn tidy(&mut self, loc: Loc) {
        if let Loc::Caller(raw) = loc {
            self.tidy_caller(raw);
        }
    }

    #[cold]
    fn tidy_caller(&mut self, raw: u32) {
        if self.callers.get(&raw) == Some(&Links::default()) {
            self.callers.remove(&raw);
        }
    }

    /// Makes `child` (an entry with no relations yet) the last child of
    /// `parent`.
    pub(crate) fn link(&mut self, parent: Loc, child: Loc) {
        let (p, c) = (link_of(parent), link_of(child));
        let parent_links = self.links_mut(parent);
        let last = parent_links.last;
        if parent_links.first == NONE {
            parent_links.first = c;
        }
        parent_links.last = c;
        if let Some(prev) = loc_of(last) {
            self.links_mut(prev).next = c;
        }
        let child_links = self.links_mut(child);
        child_links.parent = p;
        child_links.prev = last;
    }

    pub(crate) fn parent(&self, loc: Loc) -> Option<Loc> {
        loc_of(self.get(loc).parent)
    }

    pub(crate) fn has_children(&self, loc: Loc) -> bool {
        self.get(loc).first != NONE
    }

    /// The children of `loc`, oldest first.
    pub(crate) fn children(&self, loc: Loc) -> Vec<Loc> {
        let mut out = Vec::new();
        let mut next = self.get(loc).first;
        while let Some(child) = loc_of(next) {
            out.push(child);
            next = self.get(child).next;
        }
        out
    }

    /// Forgets every relation of an entry that leaves the registry: it leaves
    /// its parent's list, and its children become roots (they stay alive).
    pub(crate) fn unlink(&mut self, loc: Loc) {
        let l = self.get(loc);
        if l == Links::default() {
            return; // never related: nothing to undo, nothing to allocate
        }
        *self.links_mut(loc) = Links::default();
        self.tidy(loc);
        if let Some(parent) = loc_of(l.parent) {
            match loc_of(l.prev) {
                Some(prev) => self.links_mut(prev).next = l.next,
                None => self.links_mut(parent).first = l.next,
            }
            match loc_of(l.next) {
                Some(next) => self.links_mut(next).prev = l.prev,
                None => self.links_mut(parent).last = l.prev,
            }
            self.tidy(parent);
        }
        let mut next = l.first;
        while let Some(child) = loc_of(next) {
            let child_links = self.links_mut(child);
            next = child_links.next;
            child_links.parent = NONE;
            child_links.prev = NONE;
            child_links.next = NONE;
            self.tidy(child);
        }
    }

    /// `loc` and all its descendants, every descendant before its ancestors
    /// (so ending them in this order never ends a parent before its child),
    /// siblings oldest first.
    pub(crate) fn subtree(&self, loc: Loc) -> Vec<Loc> {
        // Depth-first with an explicit stack: no recursion limit on depth.
        let mut order = Vec::new();
        let mut stack = vec![(loc, false)];
        while let Some((node, expanded)) = stack.pop() {
            if expanded {
                order.push(node);
                continue;
            }
            stack.push((node, true));
            for child in self.children(node).into_iter().rev() {
                stack.push((child, false));
            }
        }
        order
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
        self.callers.clear();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn unlink_detaches_both_ways() {
        let mut t = Tree::default();
        let (a, b, c, d) = (Loc::Slot(0), Loc::Slot(1), Loc::Caller(7), Loc::Slot(3));
        t.link(a, b);
        t.link(b, c);
        t.link(b, d);
        assert_eq!(t.children(b), [c, d]);
        assert_eq!(t.subtree(a), [c, d, b, a]);
        t.unlink(b);
        assert_eq!(t.children(a), []);
        assert_eq!(t.parent(c), None);
        assert_eq!(t.subtree(a), [a]);
        assert!(t.slots.iter().all(|l| *l == Links::default()));
        assert!(t.callers.is_empty());
    }

    #[test]
    fn a_child_leaves_from_anywhere_in_its_siblings() {
        let mut t = Tree::default();
        let parent = Loc::Caller(9);
        let kids: Vec<Loc> = (0..5).map(Loc::Slot).collect();
        for &k in &kids {
            t.link(parent, k);
        }
        t.unlink(kids[2]); // middle
        t.unlink(kids[0]); // first
        t.unlink(kids[4]); // last
        assert_eq!(t.children(parent), [kids[1], kids[3]]);
        assert_eq!(t.parent(kids[3]), Some(parent));
        t.link(parent, kids[0]); // a reused slot joins at the end
        assert_eq!(t.children(parent), [kids[1], kids[3], kids[0]]);
        for &k in &[kids[1], kids[3], kids[0]] {
            t.unlink(k);
        }
        assert!(!t.has_children(parent));
        assert!(
            t.callers.is_empty(),
            "a caller id with no links leaves no trace"
        );
    }
}
