//! [`Guard`]: an entry that removes itself when dropped, and only itself.
//!
//! A guard remembers its entry's slot and birth tick, not a key: a birth tick
//! is unique in its shard and never wraps, so whatever happens to the entry
//! (a drain, a `remove` elsewhere, its slot reused any number of times, a
//! caller inserting under its old number), the guard acts on its own entry or
//! on nothing.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::error::{Error, Rejected};
use crate::key::{slot_index, stamp, wide, Key, WideKey, Wraps, NO_WRAPS};
use crate::registry::{ResourceRegistry, Value};
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
    /// The place of nothing: key `0` names no entry.
    const NONE: Place = Place {
        shard: 0,
        key: 0,
        wraps: NO_WRAPS,
        born: 0,
    };

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
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Registration, ResourceRegistry};
/// static LOGS: ResourceRegistry<String> = ResourceRegistry::new();
/// struct MyLogRecord { entry: Registration<'static, String> }
/// let record = MyLogRecord { entry: LOGS.register(Arc::new(Mutex::new("body".into()))) };
/// assert_eq!(record.entry.with(|body| body.len()), Some(4));
/// ```
pub type Registration<'r, T> = Guard<T, &'r ResourceRegistry<T>>;

/// A guard owning a clone of an `Arc`'d registry, for hosts that keep one
/// registry per instance: see [`Guard`] and
/// [`ResourceRegistry::register_owned`].
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{OwnedRegistration, ResourceRegistry};
/// let per_instance = Arc::new(ResourceRegistry::new());
/// let entry: OwnedRegistration<u8> = per_instance.register_owned(Arc::new(Mutex::new(1)));
/// drop(per_instance);                 // the guard keeps the registry alive
/// assert_eq!(entry.take().unwrap().into_inner().ok(), Some(1));
/// ```
pub type OwnedRegistration<T> = Guard<T, Arc<ResourceRegistry<T>>>;

/// A registration held by the resource it belongs to: registered, or refused
/// but kept. Dropping the guard removes its entry (or drops the kept value).
///
/// Keep it inside the implementation struct of a WIT resource. When the caller
/// drops its handle, wit-bindgen drops the struct and the entry is cleaned up
/// with no extra code; a consuming static such as `end: static func(this:
/// span)` recovers the struct with `into_inner` and calls
/// [`take`](Guard::take) to end the entry exactly once.
///
/// A WIT constructor cannot return an error, so registering never fails: at
/// the limit the guard keeps the value instead, [`refusal`](Guard::refusal)
/// says why, and [`with`](Guard::with) and [`take`](Guard::take) work on it
/// all the same. One field, one `if let` at the end, and nothing is lost.
///
/// You name it as [`Registration<'r, T>`] (borrowing the registry) or
/// [`OwnedRegistration<T>`] (owning an `Arc` of it).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Registration, ResourceRegistry};
///
/// struct SpanInner { name: String }
/// static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(1);
///
/// // What the component's `Span` implementation holds.
/// struct MySpan { entry: Registration<'static, SpanInner> }
/// fn span(name: &str) -> MySpan {
///     MySpan { entry: SPANS.register(Arc::new(Mutex::new(SpanInner { name: name.into() }))) }
/// }
///
/// let (a, b) = (span("a"), span("b"));        // `b` is over the limit: kept
/// assert_eq!((SPANS.len(), b.entry.refusal().is_some()), (1, true));
/// let mut ended = Vec::new();
/// for span in [a, b] {                        // `end(this)`, the same for both
///     if let Ok(mut taken) = span.entry.take() {
///         ended.push(taken.with(|inner| inner.name.clone()));
///     }
/// }
/// assert_eq!(ended, ["a", "b"]);
/// assert!(SPANS.is_empty());
/// ```
#[must_use = "dropping the guard removes its entry at once: keep it in the resource, or call `into_key`"]
pub struct Guard<T, R: Deref<Target = ResourceRegistry<T>>> {
    registry: R,
    state: State<T>,
}

enum State<T> {
    /// Registered; `armed` is cleared once the entry is known to be gone, so
    /// that the guard does not even look again.
    Registered { place: Place, armed: bool },
    /// Refused: the value stays here, with the reason.
    Kept { error: Error, value: Value<T> },
}

impl<T, R: Deref<Target = ResourceRegistry<T>>> Guard<T, R> {
    pub(crate) fn new(registry: R, placed: Result<Place, Rejected<Value<T>>>) -> Self {
        let state = match placed {
            Ok(place) => State::Registered { place, armed: true },
            Err(refused) => {
                let (error, value) = refused.into_parts();
                State::Kept { error, value }
            }
        };
        Guard { registry, state }
    }

    /// The entry's key; `None` if the registry refused the value.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(1);
    /// let entry = reg.register(Arc::new(Mutex::new(1)));
    /// assert!(reg.contains(entry.key().unwrap()));
    /// assert_eq!(reg.register(Arc::new(Mutex::new(2))).key(), None);
    /// ```
    pub fn key(&self) -> Option<Key<T>> {
        match self.state {
            State::Registered { place, .. } => Some(Key::from_raw(place.key)),
            State::Kept { .. } => None,
        }
    }

    /// The entry's wide key, for ids that travel and may outlive the entry;
    /// `None` if the registry refused the value.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register(Arc::new(Mutex::new(1)));
    /// assert_eq!(reg.wide_key(entry.key().unwrap()), entry.wide_key());
    /// ```
    pub fn wide_key(&self) -> Option<WideKey<T>> {
        match self.state {
            State::Registered { place, .. } => {
                let Place {
                    key, wraps, born, ..
                } = place;
                Some(WideKey::from_raw(wide(key, stamp(key, wraps, born))))
            }
            State::Kept { .. } => None,
        }
    }

    /// Why the registry refused the value ([`Error::Full`],
    /// [`Error::Exhausted`], or [`Error::NotFound`] for a child whose parent
    /// was gone); `None` if it is registered.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(0);
    /// let entry = reg.register(Arc::new(Mutex::new(1)));
    /// assert_eq!(entry.refusal(), Some(Error::Full { limit: 0 }));
    /// assert_eq!(entry.with(|v| *v), Some(1)); // kept all the same
    /// ```
    pub fn refusal(&self) -> Option<Error> {
        match self.state {
            State::Registered { .. } => None,
            State::Kept { error, .. } => Some(error),
        }
    }

    /// Runs `f` on the value under its lock (a poisoned lock is recovered):
    /// the registered entry's, or the kept one's. `None` once something else
    /// removed the entry (a shutdown [`drain`](ResourceRegistry::drain), say).
    /// No registry lock is held while `f` runs.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<Vec<&str>> = ResourceRegistry::new();
    /// let span = reg.register(Arc::new(Mutex::new(Vec::new())));
    /// span.with(|events| events.push("cache miss"));
    /// assert_eq!(span.with(|events| events.len()), Some(1));
    /// drop(reg.drain());
    /// assert_eq!(span.with(|events| events.len()), None);
    /// ```
    pub fn with<U>(&self, f: impl FnOnce(&mut T) -> U) -> Option<U> {
        let value = match &self.state {
            State::Registered { place, armed } => {
                if !*armed {
                    return None;
                }
                let table = self.registry.table(place.shard);
                let value = table.get_exact(place.index(), place.born).map(Arc::clone);
                drop(table);
                value?
            }
            State::Kept { value, .. } => Arc::clone(value),
        };
        let mut guard = lock_value(&value);
        Some(f(&mut guard))
    }

    /// Ends the entry: removes it and hands back its value whatever clones
    /// exist (see [`ResourceRegistry::take`]); a kept value is handed back
    /// the same way. On failure the guard comes back in the error:
    ///
    /// * [`Error::NotFound`]: something else (a shutdown drain) ended the
    ///   entry first; the guard is spent, so dropping it loses nothing;
    /// * [`Error::HasChildren`]: the entry stays registered and the guard
    ///   stays armed. End the children first, or the whole tree with
    ///   [`ResourceRegistry::take_tree`]; dropping the guard removes the
    ///   entry and leaves its children as roots.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let entry = reg.register(Arc::new(Mutex::new(7)));
    /// let kept = reg.get(entry.key().unwrap()).unwrap();
    /// assert_eq!(entry.take().unwrap().with(|v| *v), 7);  // shared, ended anyway
    /// # drop(kept);
    ///
    /// let parent = reg.register(Arc::new(Mutex::new(8)));
    /// let child = reg.register_child(parent.key().unwrap(), Arc::new(Mutex::new(9)));
    /// let back = parent.take().unwrap_err();
    /// assert_eq!(back.error(), Error::HasChildren);
    /// let parent = back.into_value();                      // still armed
    /// assert_eq!(child.take().unwrap().with(|v| *v), 9);
    /// assert_eq!(parent.take().unwrap().with(|v| *v), 8);
    /// assert!(reg.is_empty());
    /// ```
    pub fn take(mut self) -> Result<Taken<T>, Rejected<Self>> {
        let place = match self.spend() {
            State::Kept { value, .. } => return Ok(Taken::from_arc(value)),
            State::Registered { armed: false, .. } => {
                return Err(Rejected::new(Error::NotFound, self))
            }
            State::Registered { place, .. } => place,
        };
        match self.registry.take_id(place.shard, place.exact()) {
            Ok(taken) => Ok(taken),
            Err(Error::HasChildren) => {
                self.state = State::Registered { place, armed: true };
                Err(Rejected::new(Error::HasChildren, self))
            }
            Err(error) => Err(Rejected::new(error, self)),
        }
    }

    /// Gives up the guard and leaves the entry registered, returning its key
    /// (stale, and found no more, if something else already ended it). A
    /// refused value is handed back instead, with the reason.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(1);
    /// let key = reg.register(Arc::new(Mutex::new(7))).into_key().unwrap();
    /// assert!(reg.contains(key));
    /// let refused = reg.register(Arc::new(Mutex::new(8))).into_key().unwrap_err();
    /// assert_eq!(refused.error(), Error::Full { limit: 1 });
    /// assert_eq!(*refused.into_value().lock().unwrap(), 8);
    /// ```
    pub fn into_key(mut self) -> Result<Key<T>, Rejected<Value<T>>> {
        match self.spend() {
            State::Registered { place, .. } => Ok(Key::from_raw(place.key)),
            State::Kept { error, value } => Err(Rejected::new(error, value)),
        }
    }

    /// The guard if the value is registered; the kept value and the reason if
    /// the registry refused it. For a caller that can report the refusal
    /// (a WIT function returning a `result`) and wants `?` on it; the value
    /// comes back whole, never dropped.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::{Error, Registration, Rejected, ResourceRegistry};
    /// static SPANS: ResourceRegistry<u8> = ResourceRegistry::with_limit(1);
    /// fn start(n: u8) -> Result<Registration<'static, u8>, Rejected<Arc<Mutex<u8>>>> {
    ///     let span = SPANS.register(Arc::new(Mutex::new(n))).into_result()?;
    ///     Ok(span)
    /// }
    /// let first = start(1).unwrap();
    /// let refused = start(2).unwrap_err();
    /// assert_eq!((refused.error(), *refused.into_value().lock().unwrap()), (Error::Full { limit: 1 }, 2));
    /// # drop(first);
    /// ```
    pub fn into_result(mut self) -> Result<Self, Rejected<Value<T>>> {
        if let State::Kept { .. } = self.state {
            if let State::Kept { error, value } = self.spend() {
                return Err(Rejected::new(error, value));
            }
        }
        Ok(self)
    }

    /// Leaves the guard disarmed, its entry's place kept for `key`, and
    /// returns what it held.
    fn spend(&mut self) -> State<T> {
        let place = match self.state {
            State::Registered { place, .. } => place,
            State::Kept { .. } => Place::NONE,
        };
        std::mem::replace(
            &mut self.state,
            State::Registered {
                place,
                armed: false,
            },
        )
    }
}

impl<T, R: Deref<Target = ResourceRegistry<T>>> Drop for Guard<T, R> {
    fn drop(&mut self) {
        if let State::Registered { place, armed: true } = self.state {
            // `remove_exact` has released the registry's lock by the time the
            // value it returns is dropped here, so `T`'s Drop may call back in.
            drop(self.registry.remove_exact(place));
        }
    }
}

impl<T, R: Deref<Target = ResourceRegistry<T>>> fmt::Debug for Guard<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Guard");
        match &self.state {
            State::Registered { place, armed } => out
                .field("key", &Key::<T>::from_raw(place.key))
                .field("armed", armed),
            State::Kept { error, .. } => out.field("refusal", error),
        };
        out.finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_guard_whose_entry_was_drained_drops_quietly() {
        let reg = ResourceRegistry::new();
        let entry = reg.register(Arc::new(Mutex::new(1u8)));
        assert_eq!(reg.drain().len(), 1);
        let back = entry.take().unwrap_err();
        assert_eq!(back.error(), Error::NotFound);
        let other = reg.try_register(Arc::new(Mutex::new(2u8))).unwrap();
        drop(back);
        assert!(reg.contains(other));
    }

    #[test]
    fn into_key_leaves_the_entry_for_the_leak_report() {
        let reg = ResourceRegistry::new();
        let key = reg.register(Arc::new(Mutex::new(1u8))).into_key().unwrap();
        assert_eq!(reg.leak_report().entries[0].key, key);
    }

    #[test]
    fn a_kept_value_is_dropped_with_its_guard_and_counts_once() {
        let reg = ResourceRegistry::with_limit(0);
        let value = Arc::new(Mutex::new(1u8));
        let entry = reg.register(Arc::clone(&value));
        assert_eq!(Arc::strong_count(&value), 2);
        assert_eq!(
            format!("{:?}", entry),
            "Guard { refusal: Full { limit: 0 }, .. }"
        );
        drop(entry);
        assert_eq!(Arc::strong_count(&value), 1);
        assert_eq!((reg.stats().rejected, reg.stats().live), (1, 0));
    }

    #[test]
    fn a_refused_child_is_kept_with_its_reason() {
        let reg = ResourceRegistry::new();
        let parent = reg.try_register(Arc::new(Mutex::new(1u8))).unwrap();
        assert!(reg.take(parent).is_ok());
        let child = reg.register_child(parent, Arc::new(Mutex::new(2)));
        assert_eq!(child.refusal(), Some(Error::NotFound));
        assert_eq!(child.take().unwrap().into_inner().ok(), Some(2));
    }
}
