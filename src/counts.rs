//! The counters every shard shares: live entries, the logical clock, the
//! high-water mark, the limit and the refusals.
//!
//! The live count and the clock share one `AtomicU64`, so adding an entry
//! costs one atomic read-modify-write for both: the low [`LIVE_BITS`] bits
//! count live entries, the high bits count ticks. A registration reserves its
//! place only once everything else it needs is in hand (the slot, the parent),
//! under its shard's lock and just before it stores the entry, and only when
//! there is room: a refused registration leaves no trace here but in
//! `rejected`.

use crate::error::Error;
use crate::sync::{AtomicU64, AtomicUsize, Ordering::Relaxed};

const LIVE_BITS: u32 = 24;
const LIVE_MASK: u64 = (1 << LIVE_BITS) - 1;
const TICK: u64 = 1 << LIVE_BITS;

// Every entry holds a slot or a caller id, so the live bits never overflow
// into the clock, limit or no limit.
const _: () =
    assert!(crate::key::MAX_ISSUED + crate::key::MAX_CALLER_ID as usize <= LIVE_MASK as usize);

/// The limit value that means "no limit".
pub(crate) const UNBOUNDED: usize = usize::MAX;

pub(crate) struct Counts {
    /// `clock << LIVE_BITS | live`.
    state: AtomicU64,
    high_water: AtomicUsize,
    limit: AtomicUsize,
    rejected: AtomicU64,
}

impl Counts {
    #[cfg(not(loom))]
    pub(crate) const fn new(limit: usize) -> Self {
        Counts {
            state: AtomicU64::new(0),
            high_water: AtomicUsize::new(0),
            limit: AtomicUsize::new(limit),
            rejected: AtomicU64::new(0),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(limit: usize) -> Self {
        Counts {
            state: AtomicU64::new(0),
            high_water: AtomicUsize::new(0),
            limit: AtomicUsize::new(limit),
            rejected: AtomicU64::new(0),
        }
    }

    /// Claims room for one more entry and a tick of the clock; returns the
    /// tick (the entry's birth time) or why there is no room, leaving the
    /// count, the clock and the high-water mark untouched then.
    #[inline]
    pub(crate) fn reserve(&self) -> Result<u64, Error> {
        let limit = self.limit.load(Relaxed);
        let old = if limit == UNBOUNDED {
            // No refusal is possible: every entry holds a slot or a caller id,
            // and there are fewer of those than the live bits can count.
            self.state.fetch_add(TICK | 1, Relaxed)
        } else {
            let fits = |s: u64| {
                if ((s & LIVE_MASK) as usize) < limit {
                    Some(s.wrapping_add(TICK | 1))
                } else {
                    None
                }
            };
            match self.state.fetch_update(Relaxed, Relaxed, fits) {
                Ok(old) => old,
                Err(_) => return Err(self.refuse(Error::Full { limit })),
            }
        };
        let live = (old & LIVE_MASK) as usize + 1;
        if live > self.high_water.load(Relaxed) {
            self.high_water.fetch_max(live, Relaxed);
        }
        Ok(old >> LIVE_BITS)
    }

    /// Counts a refused value and passes its reason on.
    pub(crate) fn refuse(&self, error: Error) -> Error {
        self.rejected.fetch_add(1, Relaxed);
        error
    }

    /// `n` entries left the registry.
    #[inline]
    pub(crate) fn release(&self, n: usize) {
        if n > 0 {
            self.state.fetch_sub(n as u64, Relaxed);
        }
    }

    #[inline]
    pub(crate) fn live(&self) -> usize {
        (self.state.load(Relaxed) & LIVE_MASK) as usize
    }

    /// The logical clock: ticks so far, modulo 2^40.
    pub(crate) fn clock(&self) -> u64 {
        self.state.load(Relaxed) >> LIVE_BITS
    }

    pub(crate) fn high_water(&self) -> usize {
        self.high_water.load(Relaxed)
    }

    pub(crate) fn rejected(&self) -> u64 {
        self.rejected.load(Relaxed)
    }

    pub(crate) fn limit(&self) -> Option<usize> {
        match self.limit.load(Relaxed) {
            UNBOUNDED => None,
            limit => Some(limit),
        }
    }

    /// `UNBOUNDED` lifts the limit.
    pub(crate) fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Relaxed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_word_counts_live_entries_and_ticks() {
        let c = Counts::new(UNBOUNDED);
        assert_eq!(c.reserve(), Ok(0));
        assert_eq!(c.reserve(), Ok(1));
        c.release(1);
        assert_eq!((c.live(), c.clock(), c.high_water()), (1, 2, 2));
    }

    #[test]
    fn a_refusal_leaves_no_trace_but_the_count_of_refusals() {
        let c = Counts::new(1);
        assert!(c.reserve().is_ok());
        assert_eq!(c.reserve(), Err(Error::Full { limit: 1 }));
        assert_eq!(
            (c.live(), c.clock(), c.high_water(), c.rejected()),
            (1, 1, 1, 1)
        );
        c.set_limit(UNBOUNDED);
        assert_eq!(c.limit(), None);
        assert!(c.reserve().is_ok());
    }
}
