//! The registry's errors: why an operation did not happen, and the value it
//! hands back when it refused to take one.

use std::fmt;

/// Why a registry operation did not happen.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Error, ResourceRegistry};
/// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
/// let key = reg.try_register(Arc::new(Mutex::new(1))).unwrap();
/// assert!(reg.take(key).is_ok());
/// assert_eq!(reg.take(key).unwrap_err(), Error::NotFound);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// No live entry has this id: it was never issued, was already removed or
    /// taken (its slot's generation has moved on), or was forged.
    NotFound,
    /// The entry has live children, so [`take`](crate::ResourceRegistry::take)
    /// left it in place; [`take_tree`](crate::ResourceRegistry::take_tree)
    /// ends it together with its descendants.
    HasChildren,
    /// The registry holds as many live entries as its limit allows.
    Full {
        /// The limit in force when the value was refused.
        limit: usize,
    },
    /// No slot is free for a new issued key: the registry holds
    /// [`MAX_ISSUED`](crate::MAX_ISSUED) of them, or a child's parent shard
    /// holds all it can (a parent's children share its shard).
    Exhausted,
    /// The id is not one a caller may choose: caller-chosen ids are
    /// `1..=`[`MAX_CALLER_ID`](crate::MAX_CALLER_ID).
    InvalidId,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound => f.write_str("no live entry has this id"),
            Error::HasChildren => f.write_str("the entry still has live children"),
            Error::Full { limit } => write!(f, "the registry is full ({} live entries)", limit),
            Error::Exhausted => f.write_str("no slot is free for a new key"),
            Error::InvalidId => f.write_str("the id is not a valid caller-chosen id"),
        }
    }
}

impl std::error::Error for Error {}

/// A refused operation: the reason, and the value the caller handed in, given
/// back so that nothing is lost.
///
/// There is deliberately no conversion into [`Error`]: `?` into a function
/// returning `Error` would drop the value unseen. Take it back with
/// [`into_value`](Self::into_value), or let `?` carry the whole `Rejected`
/// (it implements [`std::error::Error`], with the reason as its source).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wit_resource_registry::{Error, ResourceRegistry};
/// let reg: ResourceRegistry<&str> = ResourceRegistry::with_limit(1);
/// reg.try_register(Arc::new(Mutex::new("first"))).unwrap();
/// let refused = reg.try_register(Arc::new(Mutex::new("second"))).unwrap_err();
/// assert_eq!(refused.error(), Error::Full { limit: 1 });
/// assert_eq!(*refused.into_value().lock().unwrap(), "second");
/// ```
pub struct Rejected<V> {
    error: Error,
    value: V,
}

impl<V> Rejected<V> {
    pub(crate) fn new(error: Error, value: V) -> Self {
        Rejected { error, value }
    }

    /// Why the value was refused.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(0);
    /// let refused = reg.try_register(Arc::new(Mutex::new(1))).unwrap_err();
    /// assert_eq!(refused.error(), Error::Full { limit: 0 });
    /// ```
    pub fn error(&self) -> Error {
        self.error
    }

    /// The value that was refused.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(0);
    /// let refused = reg.try_register(Arc::new(Mutex::new(9))).unwrap_err();
    /// assert_eq!(*refused.into_value().lock().unwrap(), 9);
    /// ```
    pub fn into_value(self) -> V {
        self.value
    }

    pub(crate) fn into_parts(self) -> (Error, V) {
        (self.error, self.value)
    }
}

// Written by hand so that `V` needs no `Debug`: a rejected value is often a
// user type the caller never meant to print.
impl<V> fmt::Debug for Rejected<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejected")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

// The reason is the source, not part of this message: error reporters that
// walk the `source()` chain would otherwise print it twice.
impl<V> fmt::Display for Rejected<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the registry refused the value")
    }
}

impl<V> std::error::Error for Rejected<V> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_cause() {
        assert_eq!(
            Error::Full { limit: 3 }.to_string(),
            "the registry is full (3 live entries)"
        );
        let r = Rejected::new(Error::Exhausted, vec![1u8]);
        assert_eq!(format!("{:?}", r), "Rejected { error: Exhausted, .. }");
        let source = std::error::Error::source(&r).unwrap().to_string();
        assert_eq!(source, "no slot is free for a new key");
        assert!(!r.to_string().contains(&source), "Display repeats source()");
        assert_eq!(r.into_value(), vec![1u8]);
    }
}
