//! [`Guard`]: an entry that removes itself when dropped, and only itself.
//!
//! A guard remembers its entry's slot and birth tick, not a key: a birth tick
//! is unique in its shard and never wraps, so whatever happens to the entry
//! (a drain, a `remove` elsewhere, its slot reused any number of times, a
//! caller inserting under its old number), the guard acts on its own entry or
//! on nothing.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Rejected};
use crate::key::{slot_index, stamp, wide, Key, WideKey, Wraps};
use crate::registry::ResourceRegistry;
use crate::sync::lock_value;
use crate::table::Id;
use crate::taken::Taken;

/// Where a registration landed: its shard, its key and its birth tick, which
/// together name this entry and no later one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) shard: usize,
    pub(crate) key: u32,
    pub(crate) wraps: Wraps,
    pub(crate) born: u64,
}

impl Place {
    #[inline]
    pub(crate) fn index(self) -> u32 {
        slot_index(self.key) as u32
    }

    /// The id that matches this entry and no later one in the same slot.
    pub(crate) fn exact(self) -> Id {
        Id::Exact(self.index(), self.born)
    }
}

/// A guard borrowing a registry (usually a `static`): see [`Guard`].
pub type Registration<'r, T> = Guard<T, &'r ResourceRegistry<T>>;

/// A guard owning a clone of an `Arc`'d registry, for hosts that keep one
/// registry per instance: see [`Guard`] and
/// [`ResourceRegistry::register_owned`].
pub type OwnedRegistration<T> = Guard<T, Arc<ResourceRegistry<T>>>;

/// A registered entry tied to a guard: dropping the guard removes the entry.
///
/// Keep it inside the implementation struct of a WIT resource. When the caller
/// drops its handle, wit-bindgen drops the struct and the entry is cleaned up
/// with no extra code; a consuming static such as `end: static func(this:
/// span)` recovers the struct with `into_inner` and calls
/// [`take`](Guard::take) to end the entry exactly once.
///
/// You name it as [`Registration<'r, T>`] (borrowing the registry) or
/// [`OwnedRegistration<T>`] (owning an `Arc` of it).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Registration, ResourceRegistry};
///
/// struct SpanInner { name: String }
/// static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::new();
///
/// // What the component's `Span` implementation holds.
/// struct MySpan { entry: Registration<'static, SpanInner> }
///
/// let span = MySpan {
///     entry: SPANS.register_guarded(Arc::new(Mutex::new(SpanInner { name: "a".into() }))).unwrap(),
/// };
/// let dropped = MySpan {
///     entry: SPANS.register_guarded(Arc::new(Mutex::new(SpanInner { name: "b".into() }))).unwrap(),
/// };
/// assert_eq!(SPANS.len(), 2);
/// drop(dropped);                                    // the caller dropped the handle
/// assert_eq!(SPANS.len(), 1);
/// let name = span.entry.take().unwrap().with(|inner| inner.name.clone());  // `end(this)`
/// assert_eq!(name, "a");
/// assert!(SPANS.is_empty());
/// ```
pub struct Guard<T, R: Deref<Target = ResourceRegistry<T>>> {
    registry: R,
    place: Place,
    /// Cleared once the guard's entry is known to be gone, so that the guard
    /// does not even look again.
    armed: bool,
}

impl<T, R: Deref<Target = ResourceRegistry<T>>> Guard<T, R> {
    pub(crate) fn new(registry: R, place: Place) -> Self {
        Guard {
            registry,
            place,
            armed: true,
        }
    }

    /// The entry's `u32` key.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register_guarded(Arc::new(Mutex::new(1))).unwrap();
    /// assert!(reg.contains(entry.key()));
    /// ```
    pub fn key(&self) -> Key<T> {
        Key::from_raw(self.place.key)
    }

    /// The entry's wide key, for ids that travel and may outlive the entry.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register_guarded(Arc::new(Mutex::new(1))).unwrap();
    /// assert_eq!(reg.wide_key(entry.key()), Some(entry.wide_key()));
    /// ```
    pub fn wide_key(&self) -> WideKey<T> {
        let Place {
            key, wraps, born, ..
        } = self.place;
        WideKey::from_raw(wide(key, stamp(key, wraps, born)))
    }

    /// The registry the entry lives in.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register_guarded(Arc::new(Mutex::new(1))).unwrap();
    /// assert_eq!(entry.registry().len(), 1);
    /// ```
    pub fn registry(&self) -> &ResourceRegistry<T> {
        &self.registry
    }

    /// A clone of the entry's value; `None` once something else removed it
    /// (a shutdown [`drain`](ResourceRegistry::drain), say).
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register_guarded(Arc::new(Mutex::new(7))).unwrap();
    /// assert_eq!(*entry.get().unwrap().lock().unwrap(), 7);
    /// reg.clear();
    /// assert!(entry.get().is_none());
    /// ```
    pub fn get(&self) -> Option<Arc<Mutex<T>>> {
        if !self.armed {
            return None;
        }
        let table = self.registry.table(self.place.shard);
        table
            .get_exact(self.place.index(), self.place.born)
            .map(Arc::clone)
    }

    /// Runs `f` on the entry's value under its lock (a poisoned lock is
    /// recovered); `None` once something else removed the entry. No registry
    /// lock is held while `f` runs.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<Vec<&str>> = ResourceRegistry::new();
    /// let span = reg.register_guarded(Arc::new(Mutex::new(Vec::new()))).unwrap();
    /// span.with(|events| events.push("cache miss"));
    /// assert_eq!(span.with(|events| events.len()), Some(1));
    /// reg.clear();
    /// assert_eq!(span.with(|events| events.len()), None);
    /// ```
    pub fn with<U>(&self, f: impl FnOnce(&mut T) -> U) -> Option<U> {
        let value = self.get()?;
        let mut guard = lock_value(&value);
        Some(f(&mut guard))
    }

    /// Ends the entry: removes it and hands back its value whatever clones
    /// exist (see [`ResourceRegistry::take`]). On failure the guard comes back
    /// in the error, disarmed: it will never act again, so dropping it, as an
    /// "already ended" branch does, loses nothing. After [`Error::NotFound`]
    /// something else ended the entry; after [`Error::HasChildren`] the entry
    /// is still registered (end it with
    /// [`ResourceRegistry::take_tree`] on the guard's key, or a shutdown
    /// drain ends it).
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register_guarded(Arc::new(Mutex::new(7))).unwrap();
    /// let kept = entry.get().unwrap();
    /// assert_eq!(entry.take().unwrap().with(|v| *v), 7);  // shared, ended anyway
    /// # drop(kept);
    ///
    /// let entry = reg.register_guarded(Arc::new(Mutex::new(8))).unwrap();
    /// reg.clear();                                         // a shutdown drain got it
    /// let back = entry.take().unwrap_err();
    /// assert_eq!(back.error(), Error::NotFound);
    /// let newcomer = reg.register(Arc::new(Mutex::new(9)));
    /// drop(back.into_value());                             // disarmed: acts on nothing
    /// assert!(reg.contains(newcomer));
    /// ```
    pub fn take(mut self) -> Result<Taken<T>, Rejected<Self>> {
        if !self.armed {
            return Err(Rejected::new(Error::NotFound, self));
        }
        match self.registry.take_id(self.place.shard, self.place.exact()) {
            Ok(taken) => {
                self.armed = false;
                Ok(taken)
            }
            Err(error) => {
                self.armed = false;
                Err(Rejected::new(error, self))
            }
        }
    }

    /// Ends the entry together with all its descendants, each exactly once,
    /// descendants first (see [`ResourceRegistry::take_tree`]). `None` if
    /// something else already removed the entry.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<&str> = ResourceRegistry::new();
    /// let provider = reg.register_guarded(Arc::new(Mutex::new("provider"))).unwrap();
    /// reg.try_register_child(provider.key(), Arc::new(Mutex::new("span"))).unwrap();
    /// let ended: Vec<&str> = provider.take_tree().unwrap().into_iter()
    ///     .map(|(_, mut taken)| taken.with(|name| *name)).collect();
    /// assert_eq!(ended, ["span", "provider"]);
    /// ```
    pub fn take_tree(mut self) -> Option<Vec<(Key<T>, Taken<T>)>> {
        if !self.armed {
            return None;
        }
        self.armed = false;
        self.registry
            .take_tree_id(self.place.shard, self.place.exact())
            .ok()
    }

    /// Removes the entry and returns its `Arc`, whoever else holds clones.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register_guarded(Arc::new(Mutex::new(7))).unwrap();
    /// assert!(entry.remove().is_some());
    /// assert!(reg.is_empty());
    /// ```
    pub fn remove(mut self) -> Option<Arc<Mutex<T>>> {
        if !self.armed {
            return None;
        }
        self.armed = false;
        self.registry.remove_exact(self.place)
    }

    /// Gives up the guard and leaves the entry registered; returns its key.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let key = reg.register_guarded(Arc::new(Mutex::new(7))).unwrap().into_key();
    /// assert!(reg.contains(key));
    /// ```
    pub fn into_key(mut self) -> Key<T> {
        self.armed = false;
        Key::from_raw(self.place.key)
    }
}

impl<T, R: Deref<Target = ResourceRegistry<T>>> Drop for Guard<T, R> {
    fn drop(&mut self) {
        if self.armed {
            // `remove_exact` has released the registry's lock by the time the
            // value it returns is dropped here, so `T`'s Drop may call back in.
            drop(self.registry.remove_exact(self.place));
        }
    }
}

impl<T, R: Deref<Target = ResourceRegistry<T>>> fmt::Debug for Guard<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("key", &self.key())
            .field("armed", &self.armed)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guard_whose_entry_was_drained_drops_quietly() {
        let reg = ResourceRegistry::new();
        let entry = reg.register_guarded(Arc::new(Mutex::new(1u8))).unwrap();
        assert_eq!(reg.drain().len(), 1);
        let back = entry.take().unwrap_err();
        assert_eq!(back.error(), Error::NotFound);
        let other = reg.register(Arc::new(Mutex::new(2u8)));
        drop(back);
        assert!(reg.contains(other));
    }

    #[test]
    fn into_key_leaves_the_entry_for_the_leak_report() {
        let reg = ResourceRegistry::new();
        let key = reg
            .register_guarded(Arc::new(Mutex::new(1u8)))
            .unwrap()
            .into_key();
        assert_eq!(reg.leak_report().entries[0].key, key);
    }
}
