//! [`Registration`]: an entry that removes itself when dropped.

use std::fmt;
use std::sync::{Arc, Mutex};

use crate::error::Rejected;
use crate::key::Key;
use crate::registry::ResourceRegistry;

/// A registered entry tied to a guard: dropping the guard removes the entry.
///
/// Keep it inside the implementation struct of a WIT resource. When the caller
/// drops its handle, wit-bindgen drops the struct and the entry is cleaned up
/// with no extra code; a consuming static such as `end: static func(this:
/// span)` recovers the struct with `into_inner` and calls
/// [`take`](Registration::take) to end the entry exactly once.
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
/// let inner = span.entry.take().ok().unwrap();      // `end(this)`: exactly once
/// assert_eq!(inner.name, "a");
/// assert!(SPANS.is_empty());
/// ```
pub struct Registration<'r, T> {
    registry: &'r ResourceRegistry<T>,
    key: Key<T>,
}

impl<'r, T> Registration<'r, T> {
    pub(crate) fn new(registry: &'r ResourceRegistry<T>, key: Key<T>) -> Self {
        Registration { registry, key }
    }

    /// The entry's key.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register_guarded(Arc::new(Mutex::new(1))).unwrap();
    /// assert!(reg.contains(entry.key()));
    /// ```
    pub fn key(&self) -> Key<T> {
        self.key
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
    pub fn registry(&self) -> &'r ResourceRegistry<T> {
        self.registry
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
        self.registry.get(self.key)
    }

    /// Removes the entry and returns its value by value, exactly once (see
    /// [`ResourceRegistry::take`]). When that fails the guard comes back in the
    /// error: with [`Error::Shared`](crate::Error::Shared) the entry is still registered and the
    /// guard still owns it; with [`Error::NotFound`](crate::Error::NotFound) something else already
    /// removed it.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register_guarded(Arc::new(Mutex::new(7))).unwrap();
    /// let clone = entry.get().unwrap();
    /// let entry = entry.take().unwrap_err().into_value(); // shared: guard handed back
    /// drop(clone);
    /// assert_eq!(entry.take().ok(), Some(7));
    /// # assert_eq!(Error::Shared, Error::Shared);
    /// ```
    pub fn take(self) -> Result<T, Rejected<Self>> {
        match self.registry.take(self.key) {
            Ok(value) => {
                std::mem::forget(self);
                Ok(value)
            }
            Err(error) => Err(Rejected::new(error, self)),
        }
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
    pub fn remove(self) -> Option<Arc<Mutex<T>>> {
        let removed = self.registry.remove(self.key);
        std::mem::forget(self);
        removed
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
    pub fn into_key(self) -> Key<T> {
        let key = self.key;
        std::mem::forget(self);
        key
    }
}

impl<T> Drop for Registration<'_, T> {
    fn drop(&mut self) {
        // `remove` has released the registry's lock by the time the value it
        // returns is dropped here, so `T`'s Drop may call back in.
        drop(self.registry.remove(self.key));
    }
}

impl<T> fmt::Debug for Registration<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn a_guard_whose_entry_was_drained_drops_quietly() {
        let reg = ResourceRegistry::new();
        let entry = reg.register_guarded(Arc::new(Mutex::new(1u8))).unwrap();
        assert_eq!(reg.drain().len(), 1);
        let back = entry.take().unwrap_err();
        assert_eq!(back.error(), Error::NotFound);
        drop(back);
        assert!(reg.is_empty());
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
