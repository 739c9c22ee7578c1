//! Which shards a thread registers into: its home group, given in the order
//! threads first register, and the shard of that group it uses next.
//!
//! Threads working on their own resources then rarely meet on a lock or a
//! counter (each group keeps its own counts, `counts.rs`), and resources one
//! thread creates for others to read are spread over the group's locks.

use std::cell::Cell;

use crate::key::{GROUP, SHARDS};

/// The shard this thread registers into next. Threads are spread over groups
/// of [`GROUP`] shards in the order they first register, and each thread
/// rotates through its group: threads working on their own resources rarely
/// meet on a lock, and resources one thread creates for others to read are
/// spread over several locks rather than one.
#[inline]
pub(crate) fn home_shard() -> usize {
    home(true)
}

/// The group this thread registers into: its entries take their birth ticks
/// from this group's clock wherever they are stored (`counts.rs`).
#[inline]
pub(crate) fn home_group() -> usize {
    home(false) / GROUP
}

/// Where this thread registers: `home` holds the next shard (`usize::MAX`
/// until the thread first registers, when `next` numbers it).
#[inline]
fn pick_home(home: &Cell<usize>, next: impl FnOnce() -> usize, rotate: bool) -> usize {
    let mut shard = home.get();
    if shard == usize::MAX {
        shard = next() * GROUP % SHARDS;
    }
    home.set(if rotate {
        shard - shard % GROUP + (shard + 1) % GROUP
    } else {
        shard
    });
    shard
}

#[cfg(not(loom))]
#[inline]
fn home(rotate: bool) -> usize {
    if SHARDS == 1 {
        return 0;
    }
    // A plain std atomic: it only spreads threads, it does not order
    // anything, and a `static` needs a `const` constructor.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static HOME: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    let next = || NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    HOME.try_with(|home| pick_home(home, next, rotate))
        .unwrap_or(0)
}

// Under loom the counter and the thread-local are loom's, so that each
// execution starts afresh and the model threads get groups of their own (the
// first thread to register group 0, the next group 1), as real threads do.
#[cfg(loom)]
fn home(rotate: bool) -> usize {
    loom::lazy_static! {
        static ref NEXT: crate::sync::AtomicUsize = crate::sync::AtomicUsize::new(0);
    }
    loom::thread_local! {
        static HOME: Cell<usize> = Cell::new(usize::MAX);
    }
    let next = || NEXT.fetch_add(1, crate::sync::Ordering::Relaxed);
    HOME.with(|home| pick_home(home, next, rotate))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn threads_get_groups_in_turn_and_rotate_inside_their_own() {
        let mut next = 0;
        let mut number = || {
            next += 1;
            next - 1
        };
        let first = Cell::new(usize::MAX);
        let shards: Vec<usize> = (0..GROUP + 1)
            .map(|_| pick_home(&first, &mut number, true))
            .collect();
        let mut expected: Vec<usize> = (0..GROUP).collect();
        expected.push(0);
        assert_eq!(shards, expected, "the first thread cycles through group 0");
        let second = Cell::new(usize::MAX);
        assert_eq!(pick_home(&second, &mut number, false), GROUP % SHARDS);
        assert_eq!(
            pick_home(&second, &mut number, false),
            GROUP % SHARDS,
            "asking for the group does not rotate"
        );
    }
}
