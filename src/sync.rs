//! Every lock and atomic the crate uses, in one place.
//!
//! Under `cfg(loom)` these are loom's model-checked types, so the loom tests
//! explore every interleaving of the registry's own synchronisation. Nothing
//! else in the crate names `std::sync` primitives directly.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
#[cfg(loom)]
pub(crate) use std::sync::TryLockError;

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard, TryLockError};

/// Locks `mutex`, recovering the guard if a previous holder panicked.
///
/// The registry never runs user code while it holds one of its locks, so a
/// poisoned lock can only come from a bug in the registry itself, and the data
/// behind it is still consistent at every point where a panic could start.
/// Staying usable is worth more than propagating the poison forever.
///
/// On wasm32 without threads, `try_lock` first: `lock` there carries an
/// assertion whose message it spills on every call, and whose size keeps
/// callers from inlining it (38 wasm instructions per lifecycle). The lock is
/// never held when it is taken there (no user code runs under it), so the
/// loop ends at once; every guard comes from `try_lock`, which the compiler
/// can see is of `mutex` itself. Natively `lock` is one compare-and-swap
/// when free and waits properly when not.
#[inline]
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    if cfg!(all(target_family = "wasm", not(target_feature = "atomics"))) {
        loop {
            match mutex.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => wait(mutex),
            }
        }
    }
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Waits until `mutex` is free (where it can be held by someone else).
#[cold]
#[inline(never)]
fn wait<T>(mutex: &Mutex<T>) {
    drop(mutex.lock());
}

/// [`lock`] for the values users store, which are std's `Mutex` also under
/// loom (only the registry's own locks are modelled).
#[cfg(not(loom))]
pub(crate) use lock as lock_value;

#[cfg(loom)]
pub(crate) fn lock_value<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Aligns its content to its own 128 bytes so that shards written by
/// different threads do not share a cache line, nor the pair of lines x86
/// cores prefetch together.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> std::ops::Deref for CachePadded<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn lock_recovers_from_poisoning() {
        let m = std::sync::Arc::new(Mutex::new(5));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison it");
        })
        .join();
        assert!(m.is_poisoned());
        *lock(&m) += 1;
        assert_eq!(*lock(&m), 6);
    }
}
