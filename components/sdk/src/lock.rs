//! The one way this SDK locks a mutex.

/// Locks `mutex`, taking the data even if a panic poisoned it: a panic traps
/// the instance anyway, and every caller leaves the data consistent.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
