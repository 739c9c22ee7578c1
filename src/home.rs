//! Where a thread registers, and the birth tick its next entry may not
//! precede.
//!
//! Threads are given groups of [`GROUP`] shards in the order they first
//! register, and each rotates through its group: threads working on their own
//! resources rarely meet on a lock, and what one thread creates for others to
//! read is spread over several locks rather than one.
//!
//! Each shard numbers its entries with its own clock, which no other shard
//! waits on. So that one thread's entries are still numbered in the order it
//! made them, wherever they are stored, a thread carries the last tick it was
//! given and a shard never numbers its next entry below it (a Lamport clock).
//! With one shard, as on wasm32, there is nothing to route or carry.

use std::cell::Cell;

use crate::key::{GROUPS, GROUP_MASK, SHARDS};

/// Shards per group.
const GROUP: usize = SHARDS / GROUPS;

/// The shard this thread registers into next, and the lowest birth tick its
/// next entry may have, with the thread's group in its low bits.
#[inline]
pub(crate) fn home() -> (usize, u64) {
    if SHARDS == 1 {
        return (0, 0);
    }
    with_home(|home| {
        let (mut shard, clock) = home.get();
        if shard == usize::MAX {
            shard = next_group() * GROUP % SHARDS;
        }
        home.set((shard - shard % GROUP + (shard + 1) % GROUP, clock));
        (shard, clock | (shard / GROUP) as u64)
    })
    .unwrap_or((0, 0))
}

/// This thread's entry was just born `born`.
#[inline]
pub(crate) fn saw(born: u64) {
    if SHARDS == 1 {
        return;
    }
    let _ = with_home(|home| {
        let (shard, clock) = home.get();
        let next = (born | GROUP_MASK) + 1;
        if next > clock {
            home.set((shard, next));
        }
    });
}

/// `usize::MAX` until the thread first registers.
type Home = Cell<(usize, u64)>;

#[cfg(not(loom))]
fn with_home<R>(f: impl FnOnce(&Home) -> R) -> Option<R> {
    thread_local! {
        static HOME: Home = const { Cell::new((usize::MAX, 0)) };
    }
    HOME.try_with(f).ok()
}

#[cfg(not(loom))]
fn next_group() -> usize {
    // A plain std atomic: it only spreads threads, it orders nothing.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

// Under loom the thread-local and the counter are loom's, so that each
// execution starts afresh and the model threads get groups of their own, as
// real threads do.
#[cfg(loom)]
fn with_home<R>(f: impl FnOnce(&Home) -> R) -> Option<R> {
    loom::thread_local! {
        static HOME: Home = Cell::new((usize::MAX, 0));
    }
    Some(HOME.with(f))
}

#[cfg(loom)]
fn next_group() -> usize {
    loom::lazy_static! {
        static ref NEXT: crate::sync::AtomicUsize = crate::sync::AtomicUsize::new(0);
    }
    NEXT.fetch_add(1, crate::sync::Ordering::Relaxed)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::key::GROUP_BITS;

    #[test]
    fn a_thread_rotates_through_its_group_and_carries_its_clock() {
        std::thread::spawn(|| {
            let (first, floor) = home();
            let group = (first / GROUP) as u64;
            assert_eq!(floor, group, "a new thread's clock is 0");
            let shards: Vec<usize> = (0..GROUP).map(|_| home().0).collect();
            assert_eq!(
                shards[GROUP - 1],
                first,
                "back round after {} shards",
                GROUP
            );
            assert!(shards.iter().all(|s| s / GROUP == first / GROUP));
            saw(41 << GROUP_BITS);
            assert_eq!(home().1, (42 << GROUP_BITS) | group);
            saw(7 << GROUP_BITS);
            assert_eq!(
                home().1,
                (42 << GROUP_BITS) | group,
                "a thread's clock never goes back"
            );
        })
        .join()
        .unwrap();
    }
}
