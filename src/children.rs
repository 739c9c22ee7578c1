//! Parent/child relations, as wasmtime's `ResourceTable` has them
//! (`push_child`, `iter_children`, `HasChildren`), within one registry.
//!
//! The rule, in one place:
//! * ending an entry with [`take`](ResourceRegistry::take) is refused with
//!   [`Error::HasChildren`] while it has live children, and the entry stays;
//! * [`take_tree`](ResourceRegistry::take_tree) ends an entry and every
//!   descendant, each exactly once, descendants first;
//! * removing an entry any other way (`remove`, a dropped guard, `drain`)
//!   never refuses and never drops a child: the children stay
//!   registered, as roots.
//!
//! A child is stored in its parent's shard, so all of this happens under one
//! lock.

use crate::error::{Error, Rejected};
use crate::home::home;
use std::sync::Arc;

use crate::key::{AsKey, Key, SEAL};
use crate::registration::{OwnedRegistration, Place, Registration};
use crate::registry::{route, ResourceRegistry, Value};
use crate::table::Id;
use crate::taken::Taken;

/// What `take_tree` hands back: each entry of the subtree with its value.
type Subtree<T> = Vec<(Key<T>, Taken<T>)>;

impl<T> ResourceRegistry<T> {
    /// Like [`register`](Self::register), as a child of the live entry
    /// `parent`: the guard keeps the value, refused with [`Error::NotFound`],
    /// when `parent` names no live entry.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<&str> = ResourceRegistry::new();
    /// let meter = reg.try_register(Arc::new(Mutex::new("meter"))).unwrap();
    /// let counter = reg.register_child(meter, Arc::new(Mutex::new("counter")));
    /// assert_eq!(reg.children(meter), [counter.key().unwrap()]);
    /// assert_eq!(reg.take(meter).unwrap_err(), Error::HasChildren);
    /// drop(counter);                                   // its guard removes it
    /// assert!(reg.children(meter).is_empty());
    /// ```
    pub fn register_child<K: AsKey<T>>(&self, parent: K, value: Value<T>) -> Registration<'_, T> {
        Registration::new(self, self.register_child_place(parent, value))
    }

    /// Like [`register_child`](Self::register_child), for a registry kept in
    /// an `Arc` (see [`register_owned`](Self::register_owned)).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: Arc<ResourceRegistry<&str>> = Arc::new(ResourceRegistry::new());
    /// let provider = reg.register_owned(Arc::new(Mutex::new("provider")));
    /// let span = reg.register_child_owned(provider.key().unwrap(), Arc::new(Mutex::new("span")));
    /// assert_eq!(reg.parent(span.key().unwrap()), provider.key());
    /// ```
    pub fn register_child_owned<K: AsKey<T>>(
        self: &Arc<Self>,
        parent: K,
        value: Value<T>,
    ) -> OwnedRegistration<T> {
        OwnedRegistration::new(Arc::clone(self), self.register_child_place(parent, value))
    }

    fn register_child_place<K: AsKey<T>>(
        &self,
        parent: K,
        value: Value<T>,
    ) -> Result<Place, Rejected<Value<T>>> {
        let (shard, parent) = route(parent.raw_id(SEAL));
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
    /// let a = reg.register_child(parent, Arc::new(Mutex::new(1)));
    /// let b = reg.register_child(parent, Arc::new(Mutex::new(2)));
    /// assert_eq!(reg.children(parent), [a.key().unwrap(), b.key().unwrap()]);
    /// ```
    pub fn children<K: AsKey<T>>(&self, parent: K) -> Vec<Key<T>> {
        let (shard, id) = route(parent.raw_id(SEAL));
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
    /// let parent = reg.register(Arc::new(Mutex::new(0)));
    /// let child = reg.register_child(parent.key().unwrap(), Arc::new(Mutex::new(1)));
    /// let child = child.key().unwrap();
    /// assert_eq!(reg.parent(child), parent.key());
    /// drop(parent);                            // the child stays, as a root
    /// assert_eq!(reg.parent(child), None);
    /// assert!(reg.contains(child));
    /// ```
    pub fn parent<K: AsKey<T>>(&self, id: K) -> Option<Key<T>> {
        let (shard, id) = route(id.raw_id(SEAL));
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
    /// let root = reg.register_child(provider, Arc::new(Mutex::new("root span"))).into_key().unwrap();
    /// reg.register_child(root, Arc::new(Mutex::new("child span"))).into_key().unwrap();
    /// let ended: Vec<&str> = reg.take_tree(provider).unwrap().into_iter()
    ///     .map(|(_, mut taken)| taken.with(|name| *name)).collect();
    /// assert_eq!(ended, ["child span", "root span", "provider"]);
    /// assert!(reg.is_empty());
    /// ```
    pub fn take_tree<K: AsKey<T>>(&self, id: K) -> Result<Subtree<T>, Error> {
        let (shard, id) = route(id.raw_id(SEAL));
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_stale_parent_is_refused_and_leaves_no_trace() {
        let reg: ResourceRegistry<u8> = ResourceRegistry::new();
        let parent = reg.try_register(Arc::new(Mutex::new(0))).unwrap();
        reg.take(parent).unwrap();
        let before = reg.stats();
        let refused = reg.register_child(parent, Arc::new(Mutex::new(1)));
        assert_eq!(refused.refusal(), Some(Error::NotFound));
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
        let parent = Key::from_raw(5);
        let child = reg.register_child(parent, Arc::new(Mutex::new(1)));
        assert_eq!(reg.parent(child.into_key().unwrap()), Some(parent));
        assert_eq!(reg.take_tree(parent).unwrap().len(), 2);
        assert!(reg.is_empty());
    }
}
