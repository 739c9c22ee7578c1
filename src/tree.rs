//! Parent/child relations among the entries of one shard.
//!
//! A child always lives in its parent's shard, so one lock covers a whole
//! subtree. Most registries never relate entries, so a shard only allocates
//! this table on its first child, and entries carry no link fields of their
//! own: relations cost nothing until they are used.

use std::collections::HashMap;

/// Where an entry lives inside its shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Loc {
    /// A slot of the slab, by index: a registry-issued key.
    Slot(u32),
    /// A caller-chosen id.
    Caller(u32),
}

#[derive(Default)]
pub(crate) struct Tree {
    parent: HashMap<Loc, Loc>,
    /// Live children, oldest first.
    children: HashMap<Loc, Vec<Loc>>,
}

impl Tree {
    pub(crate) fn link(&mut self, parent: Loc, child: Loc) {
        self.parent.insert(child, parent);
        self.children.entry(parent).or_default().push(child);
    }

    pub(crate) fn parent(&self, loc: Loc) -> Option<Loc> {
        self.parent.get(&loc).copied()
    }

    pub(crate) fn children(&self, loc: Loc) -> &[Loc] {
        self.children.get(&loc).map_or(&[], Vec::as_slice)
    }

    /// Forgets every relation of an entry that leaves the registry: it leaves
    /// its parent's list, and its children become roots (they stay alive).
    pub(crate) fn unlink(&mut self, loc: Loc) {
        if let Some(parent) = self.parent.remove(&loc) {
            if let Some(siblings) = self.children.get_mut(&parent) {
                siblings.retain(|&c| c != loc);
                if siblings.is_empty() {
                    self.children.remove(&parent);
                }
            }
        }
        if let Some(children) = self.children.remove(&loc) {
            for child in children {
                self.parent.remove(&child);
            }
        }
    }

    /// `loc` and all its descendants, every descendant before its ancestors
    /// (so ending them in this order never ends a parent before its child).
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
            for &child in self.children(node).iter().rev() {
                stack.push((child, false));
            }
        }
        order
    }

    pub(crate) fn clear(&mut self) {
        self.parent.clear();
        self.children.clear();
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
        assert!(t.parent.is_empty() && t.children.is_empty());
    }
}
