//! [`Taken`]: what ending an entry hands back, whoever else holds its value;
//! [`Drain`]: every entry a drain ended, handed back one by one.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::key::Key;
use crate::sync::lock_value;

/// The value of an entry that has left the registry: the owned `T` when the
/// registry held the last reference, the shared `Arc<Mutex<T>>` when clones
/// are still alive elsewhere (a child holding its parent, a `get` kept by the
/// caller, a concurrent `snapshot`).
///
/// Either way the entry is gone from the registry exactly once and its data is
/// in your hands: [`with`](Taken::with) reaches it in both cases.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{ResourceRegistry, Taken};
///
/// let reg: ResourceRegistry<Vec<&str>> = ResourceRegistry::new();
/// let key = reg.try_register(Arc::new(Mutex::new(vec!["start"]))).unwrap();
/// let kept = reg.get(key).unwrap();                  // someone still holds it
/// let mut taken = reg.take(key).unwrap();            // ends it all the same
/// assert!(matches!(taken, Taken::Shared(_)));
/// taken.with(|events| events.push("end"));
/// assert_eq!(*kept.lock().unwrap(), ["start", "end"]);
/// ```
pub enum Taken<T> {
    /// The registry held the last reference: here is the value itself.
    Owned(T),
    /// Other clones are alive: here is the shared value.
    Shared(Arc<Mutex<T>>),
}

impl<T> Taken<T> {
    /// Unwraps `value` if this is the last reference to it. A value whose
    /// mutex was poisoned is taken all the same: ending must not lose it.
    pub(crate) fn from_arc(value: Arc<Mutex<T>>) -> Self {
        match Arc::try_unwrap(value) {
            Ok(mutex) => Taken::Owned(mutex.into_inner().unwrap_or_else(PoisonError::into_inner)),
            Err(shared) => Taken::Shared(shared),
        }
    }

    /// Runs `f` on the value: directly when owned, under its lock when shared
    /// (a poisoned lock is recovered).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u32> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new(41))).unwrap();
    /// assert_eq!(reg.take(key).unwrap().with(|n| *n + 1), 42);
    /// ```
    pub fn with<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        match self {
            Taken::Owned(value) => f(value),
            Taken::Shared(shared) => f(&mut lock_value(shared)),
        }
    }

    /// The owned value, or the shared one back if clones are still alive
    /// (tried again now: they may have been dropped since).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new(7))).unwrap();
    /// let clone = reg.get(key).unwrap();
    /// let taken = reg.take(key).unwrap();
    /// drop(clone);
    /// assert_eq!(taken.into_inner().ok(), Some(7));
    /// ```
    pub fn into_inner(self) -> Result<T, Arc<Mutex<T>>> {
        match self {
            Taken::Owned(value) => Ok(value),
            Taken::Shared(shared) => match Taken::from_arc(shared) {
                Taken::Owned(value) => Ok(value),
                Taken::Shared(shared) => Err(shared),
            },
        }
    }
}

/// Wraps a value that never was in a registry, or has left it by another
/// way (a refused registration hands it back): unwrapped when this is the
/// last reference, so the same code ends it either way.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{ResourceRegistry, Taken};
/// let reg: ResourceRegistry<&str> = ResourceRegistry::with_limit(0);
/// let refused = reg.try_register(Arc::new(Mutex::new("over the limit"))).unwrap_err();
/// let mut taken = Taken::from(refused.into_value());
/// assert!(matches!(taken, Taken::Owned(_)));
/// assert_eq!(taken.with(|name| *name), "over the limit");
/// ```
impl<T> From<Arc<Mutex<T>>> for Taken<T> {
    fn from(value: Arc<Mutex<T>>) -> Self {
        Taken::from_arc(value)
    }
}

impl<T> fmt::Debug for Taken<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Taken::Owned(_) => "Taken::Owned(..)",
            Taken::Shared(_) => "Taken::Shared(..)",
        })
    }
}

/// Every entry [`ResourceRegistry::drain`](crate::ResourceRegistry::drain)
/// ended, each with its key and its value as [`Taken`].
///
/// The entries left the registry all at once, before the drain returned; a
/// value is unwrapped (the owned `T` when nothing else holds it) only as the
/// iterator hands it over, so a drain costs no more than moving pointers
/// under the registry's locks. Values not iterated are dropped with the
/// `Drain`, after those locks are released.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::ResourceRegistry;
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// for n in [1, 2] {
///     reg.try_register(Arc::new(Mutex::new(n))).unwrap();
/// }
/// let drained = reg.drain();
/// assert_eq!((drained.len(), reg.len()), (2, 0));
/// let mut values: Vec<u8> = drained.map(|(_, mut taken)| taken.with(|n| *n)).collect();
/// values.sort();
/// assert_eq!(values, [1, 2]);
/// ```
pub struct Drain<T> {
    entries: std::vec::IntoIter<(Key<T>, Arc<Mutex<T>>)>,
}

impl<T> Drain<T> {
    pub(crate) fn new(entries: Vec<(Key<T>, Arc<Mutex<T>>)>) -> Self {
        Drain {
            entries: entries.into_iter(),
        }
    }
}

impl<T> Iterator for Drain<T> {
    type Item = (Key<T>, Taken<T>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (key, value) = self.entries.next()?;
        Some((key, Taken::from_arc(value)))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl<T> ExactSizeIterator for Drain<T> {}
impl<T> std::iter::FusedIterator for Drain<T> {}

impl<T> fmt::Debug for Drain<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain")
            .field("len", &self.entries.len())
            .finish_non_exhaustive()
    }
}
