//! Parent/child relations, as wasmtime's `ResourceTable` has them
//! (`push_child`, `iter_children`, `HasChildren`), within one registry.
//!
//! The rule, in one place:
//! * ending an entry with [`take`](ResourceRegistry::take) is refused with
//!   [`Error::HasChildren`] while it has live children, and the entry stays;
//! * [`take_tree`](ResourceRegistry::take_tree) ends an entry and every
//!   descendant, each exactly once, descendants first;
//! * removing an entry any other way (`remove`, a dropped guard, `retain`,
//!   `drain`) never refuses and never drops a child: the children stay
//!   registered, as roots.
//!
//! A child is stored in its parent's shard, so all of this happens under one
//! lock.

use crate::error::{Error, Rejected};
use crate::home::home;
use crate::key::{AsKey, Key};
use crate::registration::{Place, Registration};
use crate::registry::{route, ResourceRegistry, Value};
use crate::table::Id;
use crate::taken::Taken;

/// What `take_tree` hands back: each entry of the subtree with its value.
type Subtree<T> = Vec<(Key<T>, Taken<T>)>;

impl<T> ResourceRegistry<T> {
    /// Stores `value` under a new key as a child of the live entry `parent`;
    /// refuses with [`Error::NotFound`] when `parent` names no live entry.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<&str> = ResourceRegistry::new();
    /// let meter = reg.try_register(Arc::new(Mutex::new("meter"))).unwrap();
    /// let counter = reg.try_register_child(meter, Arc::new(Mutex::new("counter"))).unwrap();
    /// assert_eq!(reg.parent(counter), Some(meter));
    /// assert_eq!(reg.take(meter).unwrap_err(), Error::HasChildren);
    /// ```
    pub fn try_register_child<K: AsKey<T>>(
        &self,
        parent: K,
        value: Value<T>,
    ) -> Result<Key<T>, Rejected<Value<T>>> {
        self.register_child_place(parent, value)
            .map(|place| Key::from_raw(place.key))
    }

    /// Like [`try_register_child`](Self::try_register_child), returning a
    /// guard ([`Registration`]) that removes the child when dropped.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<&str> = ResourceRegistry::new();
    /// let provider = reg.register_guarded(Arc::new(Mutex::new("provider"))).unwrap();
    /// let span = reg.register_child_guarded(provider.key(), Arc::new(Mutex::new("span"))).unwrap();
    /// assert_eq!(reg.children(provider.key()), [span.key()]);
    /// drop(span);
    /// assert!(reg.children(provider.key()).is_empty());
    /// ```
    pub fn register_child_guarded<K: AsKey<T>>(
        &self,
        parent: K,
        value: Value<T>,
    ) -> Result<Registration<'_, T>, Rejected<Value<T>>> {
        self.register_child_place(parent, value)
            .map(|place| Registration::new(self, place))
    }

    fn register_child_place<K: AsKey<T>>(
        &self,
        parent: K,
        value: Value<T>,
    ) -> Result<Place, Rejected<Value<T>>> {
        let (shard, parent) = route(parent.raw_id());
        let (_, floor) = home();
        match self.place_in(shard, Some(parent), value, floor) {
            Ok(place) => Ok(place),
            Err((Error::Exhausted, value)) => Err(self.exhausted(shard, Error::Exhausted, value)),
            Err((error, value)) => Err(Rejected::new(error, value)),
        }
    }

    /// The live children of `parent`, oldest first; empty when it has none or
    /// names nothing.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let parent = reg.try_register(Arc::new(Mutex::new(0))).unwrap();
    /// let a = reg.try_register_child(parent, Arc::new(Mutex::new(1))).unwrap();
    /// let b = reg.try_register_child(parent, Arc::new(Mutex::new(2))).unwrap();
    /// assert_eq!(reg.children(parent), [a, b]);
    /// ```
    pub fn children<K: AsKey<T>>(&self, parent: K) -> Vec<Key<T>> {
        let (shard, id) = route(parent.raw_id());
        let table = self.table(shard);
        match table.find(id) {
            Some(loc) => table
                .children(loc)
                .into_iter()
                .map(|child| Key::from_raw(table.key_of(child)))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The parent of the live entry `id`, if it has one.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let parent = reg.try_register(Arc::new(Mutex::new(0))).unwrap();
    /// let child = reg.try_register_child(parent, Arc::new(Mutex::new(1))).unwrap();
    /// assert_eq!(reg.parent(child), Some(parent));
    /// reg.remove(parent);                      // the child stays, as a root
    /// assert_eq!(reg.parent(child), None);
    /// assert!(reg.contains(child));
    /// ```
    pub fn parent<K: AsKey<T>>(&self, id: K) -> Option<Key<T>> {
        let (shard, id) = route(id.raw_id());
        let table = self.table(shard);
        let parent = table.parent(table.find(id)?)?;
        Some(Key::from_raw(table.key_of(parent)))
    }

    /// Ends the entry under `id` and every descendant of it, each exactly
    /// once, in one step: descendants first (children before their parents,
    /// siblings oldest first), the entry itself last. [`Error::NotFound`] if
    /// `id` names nothing.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<&str> = ResourceRegistry::new();
    /// let provider = reg.try_register(Arc::new(Mutex::new("provider"))).unwrap();
    /// let root = reg.try_register_child(provider, Arc::new(Mutex::new("root span"))).unwrap();
    /// reg.try_register_child(root, Arc::new(Mutex::new("child span"))).unwrap();
    /// let ended: Vec<&str> = reg.take_tree(provider).unwrap().into_iter()
    ///     .map(|(_, mut taken)| taken.with(|name| *name)).collect();
    /// assert_eq!(ended, ["child span", "root span", "provider"]);
    /// assert!(reg.is_empty());
    /// ```
    pub fn take_tree<K: AsKey<T>>(&self, id: K) -> Result<Subtree<T>, Error> {
        let (shard, id) = route(id.raw_id());
        self.take_tree_id(shard, id)
    }

    pub(crate) fn take_tree_id(&self, shard: usize, id: Id) -> Result<Subtree<T>, Error> {
        let mut table = self.table(shard);
        let root = table.locate(id).ok_or(Error::NotFound)?;
        let order = table.subtree(root);
        let mut ended = Vec::with_capacity(order.len());
        let mut leaving = self.leaving();
        for loc in order {
            let raw = table.key_of(loc);
            if let Some((value, born)) = table.remove_at(loc) {
                leaving.add(born);
                ended.push((raw, value));
            }
        }
        leaving.finish();
        drop(table);
        Ok(ended
            .into_iter()
            .map(|(raw, value)| (Key::from_raw(raw), Taken::from_arc(value)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_stale_parent_is_refused_and_leaves_no_trace() {
        let reg: ResourceRegistry<u8> = ResourceRegistry::new();
        let parent = reg.try_register(Arc::new(Mutex::new(0))).unwrap();
        reg.remove(parent);
        let before = reg.stats();
        let refused = reg
            .try_register_child(parent, Arc::new(Mutex::new(1)))
            .unwrap_err();
        assert_eq!(refused.error(), Error::NotFound);
        let after = reg.stats();
        assert_eq!(
            (after.live, after.clock, after.rejected),
            (0, before.clock, 0)
        );
    }

    #[test]
    fn caller_ids_can_be_parents() {
        let reg: ResourceRegistry<u8> = ResourceRegistry::new();
        reg.insert(5, Arc::new(Mutex::new(0)));
        let child = reg.try_register_child(5, Arc::new(Mutex::new(1))).unwrap();
        assert_eq!(reg.parent(child).map(Key::into_raw), Some(5));
        assert_eq!(reg.take_tree(5).unwrap().len(), 2);
        assert!(reg.is_empty());
    }
}
