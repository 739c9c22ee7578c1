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
    fn get(&self, loc: Loc) -> Links {
        match loc {
            Loc::Slot(index) => self.slots.get(index as usize).copied(),
            Loc::Caller(raw) => self.callers.get(&raw).copied(),
        }
        .unwrap_or_default()
    }

    /// Changes the links of `loc` (`Loc`s of no entry change nothing); a
    /// caller id left with no links leaves the map.
    fn update(&mut self, loc: Option<Loc>, f: impl FnOnce(&mut Links)) {
        match loc {
            Some(Loc::Slot(index)) => {
                let index = index as usize;
                if index >= self.slots.len() {
                    self.slots.resize(index + 1, Links::default());
                }
                f(&mut self.slots[index]);
            }
            Some(Loc::Caller(raw)) => {
                let links = self.callers.entry(raw).or_default();
                f(links);
                if *links == Links::default() {
                    self.callers.remove(&raw);
                }
            }
            None => {}
        }
    }

    /// Makes `child` (an entry with no relations yet) the last child of
    /// `parent`.
    pub(crate) fn link(&mut self, parent: Loc, child: Loc) {
        let (p, c) = (link_of(parent), link_of(child));
        let last = self.get(parent).last;
        self.update(loc_of(last), |l| l.next = c);
        self.update(Some(child), |l| {
            l.parent = p;
            l.prev = last;
        });
        self.update(Some(parent), |l| {
            if l.first == NONE {
                l.first = c;
            }
            l.last = c;
        });
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
        if l.parent != NONE {
            let parent = loc_of(l.parent);
            match loc_of(l.prev) {
                Some(prev) => self.update(Some(prev), |p| p.next = l.next),
                None => self.update(parent, |p| p.first = l.next),
            }
            match loc_of(l.next) {
                Some(next) => self.update(Some(next), |n| n.prev = l.prev),
                None => self.update(parent, |p| p.last = l.prev),
            }
        }
        let mut next = l.first;
        while let Some(child) = loc_of(next) {
            next = self.get(child).next;
            self.update(Some(child), |c| {
                c.parent = NONE;
                c.prev = NONE;
                c.next = NONE;
            });
        }
        self.update(Some(loc), |own| *own = Links::default());
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

#[cfg(test)]
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
