//! [`Taken`]: what ending an entry hands back, whoever else holds its value.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

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

    /// Whether the registry held the last reference.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new(1))).unwrap();
    /// assert!(reg.take(key).unwrap().is_owned());
    /// ```
    pub fn is_owned(&self) -> bool {
        matches!(self, Taken::Owned(_))
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

    /// The value as an `Arc<Mutex<T>>`, wrapping it again if it was owned.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new(7))).unwrap();
    /// assert_eq!(*reg.take(key).unwrap().into_arc().lock().unwrap(), 7);
    /// ```
    pub fn into_arc(self) -> Arc<Mutex<T>> {
        match self {
            Taken::Owned(value) => Arc::new(Mutex::new(value)),
            Taken::Shared(shared) => shared,
        }
    }

    /// The owned value, or a clone of the shared one.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<String> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new("span".to_string()))).unwrap();
    /// let _kept = reg.get(key).unwrap();
    /// assert_eq!(reg.take(key).unwrap().into_owned(), "span");
    /// ```
    pub fn into_owned(self) -> T
    where
        T: Clone,
    {
        match self.into_inner() {
            Ok(value) => value,
            Err(shared) => shared
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
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
/// let refused = reg.register_guarded(Arc::new(Mutex::new("over the limit"))).unwrap_err();
/// let mut taken = Taken::from(refused.into_value());
/// assert!(taken.is_owned());
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
