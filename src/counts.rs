//! The counters: live entries, the logical clock and the high-water mark per
//! group of shards, and the limit and refusals for the whole registry.
//!
//! Why per group: a count every thread writes is one cache line every core
//! fights over; measured on 2 threads, it was most of what separated this
//! registry from sharded-slab. Threads register into their own group of
//! shards (`home.rs`), so without a limit each group keeps its own counts,
//! and threads in different groups never write the same counter. A limit
//! must be exact over the whole registry, so a bounded registry counts every
//! shard in group 0's word instead; switching between the two
//! ([`Budget::rebalance`]) happens with every shard locked.
//!
//! In one group, the live count and the clock share one `AtomicU64`, so adding
//! an entry costs one atomic read-modify-write for both: the low
//! [`LIVE_BITS`] bits count live entries, the high bits count ticks. A
//! registration reserves its place only once everything else it needs is in
//! hand (the slot, the parent), under its shard's lock and just before it
//! stores the entry, and only when there is room: a refused registration
//! leaves no trace here but in `rejected`.

use crate::error::Error;
use crate::key::GROUPS;
use crate::sync::{AtomicU64, AtomicUsize, CachePadded, Ordering::Relaxed};

const LIVE_BITS: u32 = 24;
const LIVE_MASK: u64 = (1 << LIVE_BITS) - 1;
const TICK: u64 = 1 << LIVE_BITS;

// Every entry holds a slot or a caller id, so the live bits never overflow
// into the clock, limit or no limit.
const _: () =
    assert!(crate::key::MAX_ISSUED + crate::key::MAX_CALLER_ID as usize <= LIVE_MASK as usize);

/// The limit value that means "no limit".
pub(crate) const UNBOUNDED: usize = usize::MAX;

/// One group's counts.
pub(crate) struct Counts {
    /// `clock << LIVE_BITS | live`.
    state: AtomicU64,
    high_water: AtomicUsize,
}

impl Counts {
    #[cfg(not(loom))]
    const fn new() -> Self {
        Counts {
            state: AtomicU64::new(0),
            high_water: AtomicUsize::new(0),
        }
    }

    #[cfg(loom)]
    fn new() -> Self {
        Counts {
            state: AtomicU64::new(0),
            high_water: AtomicUsize::new(0),
        }
    }

    /// Claims room for one more entry and a tick of the clock; returns the
    /// tick (the entry's birth time) or `Err(())` when `limit` entries are
    /// alive already, leaving everything untouched then.
    #[inline]
    fn reserve(&self, limit: usize) -> Result<u64, ()> {
        self.claim(limit, TICK | 1).map(|old| old >> LIVE_BITS)
    }

    /// Claims room for one more entry under `limit` whose tick another
    /// group's clock gives.
    #[inline]
    fn reserve_live(&self, limit: usize) -> Result<(), ()> {
        self.claim(limit, 1).map(drop)
    }

    /// Adds `step` (one live entry, and a tick or not) if fewer than `limit`
    /// entries are alive, raising the high-water mark; the state before.
    #[inline]
    fn claim(&self, limit: usize, step: u64) -> Result<u64, ()> {
        let old = if limit == UNBOUNDED {
            // No refusal is possible: every entry holds a slot or a caller id,
            // and there are fewer of those than the live bits can count.
            self.state.fetch_add(step, Relaxed)
        } else {
            let fits = |s: u64| {
                if ((s & LIVE_MASK) as usize) < limit {
                    Some(s.wrapping_add(step))
                } else {
                    None
                }
            };
            self.state
                .fetch_update(Relaxed, Relaxed, fits)
                .map_err(|_| ())?
        };
        let live = (old & LIVE_MASK) as usize + 1;
        if live > self.high_water.load(Relaxed) {
            self.high_water.fetch_max(live, Relaxed);
        }
        Ok(old)
    }

    /// A tick of the clock for an entry group 0 counts.
    #[inline]
    fn tick(&self) -> u64 {
        self.state.fetch_add(TICK, Relaxed) >> LIVE_BITS
    }

    #[inline]
    fn release(&self, n: usize) {
        if n > 0 {
            self.state.fetch_sub(n as u64, Relaxed);
        }
    }

    fn live(&self) -> usize {
        (self.state.load(Relaxed) & LIVE_MASK) as usize
    }

    fn clock(&self) -> u64 {
        self.state.load(Relaxed) >> LIVE_BITS
    }

    /// Sets the live count, keeping the clock. Only with every shard locked,
    /// so that no reservation or release runs meanwhile.
    fn set_live(&self, live: usize) {
        let clock = self.state.load(Relaxed) & !LIVE_MASK;
        self.state.store(clock | live as u64, Relaxed);
    }
}

/// Bits of a birth above the tick: the group the entry counts in.
const GROUP_SHIFT: u32 = 56;

/// An entry's birth tick, without the group it counts in.
#[inline]
pub(crate) fn tick_of(birth: u64) -> u64 {
    birth & ((1 << GROUP_SHIFT) - 1)
}

#[inline]
fn group_of(birth: u64) -> usize {
    (birth >> GROUP_SHIFT) as usize
}

/// The counts of every group, the limit and the refusals.
///
/// Each entry counts in the group of the thread that registered it, wherever
/// it is stored (a caller-chosen id, a child beside its parent): its birth
/// records the group, so that its removal, by whichever thread, releases it
/// there. So a thread's entries are born in the order it made them, and one
/// thread alone keeps the high-water mark exact.
pub(crate) struct Budget {
    groups: [CachePadded<Counts>; GROUPS],
    limit: AtomicUsize,
    rejected: AtomicU64,
}

impl Budget {
    // A path to a constant may be repeated in an array expression; only ever
    // copied into a new registry.
    #[cfg(not(loom))]
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: CachePadded<Counts> = CachePadded(Counts::new());

    #[cfg(not(loom))]
    pub(crate) const fn new(limit: usize) -> Self {
        Budget {
            groups: [Self::EMPTY; GROUPS],
            limit: AtomicUsize::new(limit),
            rejected: AtomicU64::new(0),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(limit: usize) -> Self {
        Budget {
            groups: std::array::from_fn(|_| CachePadded(Counts::new())),
            limit: AtomicUsize::new(limit),
            rejected: AtomicU64::new(0),
        }
    }

    /// Claims room for one more entry registered by a thread of group
    /// `home`; returns its birth (the home group's tick, and the group), or
    /// [`Error::Full`] counted as a refusal. The caller holds the lock of the
    /// shard the entry goes to: the limit only switches between bounded and
    /// unbounded with every shard locked, so all that happens under one lock
    /// agrees on where it counts.
    #[inline]
    pub(crate) fn reserve(&self, home: usize) -> Result<u64, Error> {
        let limit = self.limit.load(Relaxed);
        let clock = &self.groups[home];
        let tick = if limit == UNBOUNDED || home == 0 {
            clock.reserve(limit)
        } else {
            // The limit is over the whole registry: group 0 counts every
            // entry, while the tick still comes from the home group.
            self.groups[0].reserve_live(limit).map(|()| clock.tick())
        };
        match tick {
            Ok(tick) => Ok(tick | (home as u64) << GROUP_SHIFT),
            Err(()) => Err(self.refuse(Error::Full { limit })),
        }
    }

    /// The entry born `birth` left the registry; the caller holds the lock of
    /// the shard it was in.
    #[inline]
    pub(crate) fn release(&self, birth: u64) {
        // `group_of` is below GROUPS already; the mask spares a remove a
        // bounds check (and with one group, as on wasm32, the whole choice).
        self.release_group(group_of(birth) % GROUPS, 1);
    }

    /// `n` entries that count in `group` left the registry.
    #[inline]
    fn release_group(&self, group: usize, n: usize) {
        let group = if GROUPS == 1 {
            0
        } else if self.limit.load(Relaxed) == UNBOUNDED {
            group
        } else {
            0
        };
        self.groups[group].release(n);
    }

    /// Releases many entries at once (a drain): call `add` with each birth,
    /// then `finish`.
    pub(crate) fn release_many(&self) -> Release<'_> {
        Release {
            budget: self,
            per_group: [0; GROUPS],
        }
    }

    /// Counts a refused value and passes its reason on.
    pub(crate) fn refuse(&self, error: Error) -> Error {
        self.rejected.fetch_add(1, Relaxed);
        error
    }

    /// Live entries, summed over the groups (not a consistent cut).
    #[inline]
    pub(crate) fn live(&self) -> usize {
        self.groups.iter().map(|g| g.live()).sum()
    }

    /// Ticks so far: one per entry added, modulo 2^40 per group.
    pub(crate) fn clock(&self) -> u64 {
        self.groups.iter().map(|g| g.clock()).sum()
    }

    /// The sum of the groups' high-water marks: the registry's own when it
    /// has a limit or only one group has registered, never below it
    /// otherwise.
    pub(crate) fn high_water(&self) -> usize {
        self.groups.iter().map(|g| g.high_water.load(Relaxed)).sum()
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

    /// Sets the limit (`UNBOUNDED` lifts it) and moves the live counts to
    /// where the new mode keeps them; `births` calls its argument with the
    /// birth of every live entry, `home` is the calling thread's group. Only
    /// with every shard locked.
    pub(crate) fn rebalance(
        &self,
        limit: usize,
        home: usize,
        births: impl FnOnce(&mut dyn FnMut(u64)),
    ) {
        let mut per_group = [0; GROUPS];
        births(&mut |birth| {
            let group = if limit == UNBOUNDED {
                group_of(birth)
            } else {
                0
            };
            per_group[group] += 1;
        });
        // Each group's mark stays at or above its live count, and their sum
        // stays where it was. The group holding the most entries keeps the
        // surplus (group 0 under a limit; the caller's group when none holds
        // more): when one thread registers everything, that is its group,
        // whose mark then stays exact.
        let surplus = self.high_water() - per_group.iter().sum::<usize>();
        let mut fullest = if limit == UNBOUNDED { home } else { 0 };
        for (group, &live) in per_group.iter().enumerate() {
            if live > per_group[fullest] {
                fullest = group;
            }
        }
        for (index, (group, live)) in self.groups.iter().zip(per_group).enumerate() {
            let mark = if index == fullest {
                live + surplus
            } else {
                live
            };
            group.high_water.store(mark, Relaxed);
            group.set_live(live);
        }
        self.limit.store(limit, Relaxed);
    }
}

/// Entries leaving together, counted per group, released by `finish`.
pub(crate) struct Release<'a> {
    budget: &'a Budget,
    per_group: [usize; GROUPS],
}

impl Release<'_> {
    #[inline]
    pub(crate) fn add(&mut self, birth: u64) {
        self.add_many(birth, 1);
    }

    /// `n` entries born in `birth`'s group.
    #[inline]
    pub(crate) fn add_many(&mut self, birth: u64, n: usize) {
        // `group_of` is below GROUPS already; the mask spares a drain a
        // bounds check per entry.
        self.per_group[group_of(birth) % GROUPS] += n;
    }

    /// Releases them; the caller holds the locks of the shards they were in.
    pub(crate) fn finish(self) {
        for (group, &n) in self.per_group.iter().enumerate() {
            self.budget.release_group(group, n);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_word_counts_live_entries_and_ticks() {
        let c = Counts::new();
        assert_eq!(c.reserve(UNBOUNDED), Ok(0));
        assert_eq!(c.reserve(UNBOUNDED), Ok(1));
        c.release(1);
        assert_eq!((c.live(), c.clock(), c.high_water.load(Relaxed)), (1, 2, 2));
    }

    #[test]
    fn a_refusal_leaves_no_trace_but_the_count_of_refusals() {
        let b = Budget::new(1);
        assert!(b.reserve(0).is_ok());
        assert_eq!(b.reserve(GROUPS - 1), Err(Error::Full { limit: 1 }));
        assert_eq!(
            (b.live(), b.clock(), b.high_water(), b.rejected()),
            (1, 1, 1, 1)
        );
    }

    // With one group (one shard, as on wasm32) there are no groups to keep
    // apart.
    #[cfg(not(feature = "one-shard"))]
    #[test]
    fn groups_count_apart_until_a_limit_brings_them_together() {
        let b = Budget::new(UNBOUNDED);
        let last = GROUPS - 1;
        let mut births = vec![b.reserve(0).unwrap(), b.reserve(last).unwrap()];
        assert_eq!(tick_of(births[0]), 0);
        assert_eq!(tick_of(births[1]), 0, "each group has its own clock");
        births.push(b.reserve(last).unwrap());
        assert_eq!(tick_of(births[2]), 1);
        assert_eq!((b.live(), b.clock(), b.high_water()), (3, 3, 3));
        let all = |births: &[u64]| {
            let births = births.to_vec();
            move |f: &mut dyn FnMut(u64)| births.iter().for_each(|&birth| f(birth))
        };
        b.rebalance(3, last, all(&births));
        assert_eq!(b.reserve(last), Err(Error::Full { limit: 3 }));
        b.release(births.pop().unwrap());
        births.push(b.reserve(last).unwrap());
        assert_eq!(tick_of(births[2]), 2, "still the home group's clock");
        assert_eq!((b.live(), b.high_water(), b.limit()), (3, 3, Some(3)));
        b.rebalance(UNBOUNDED, last, all(&births));
        assert_eq!((b.live(), b.clock(), b.limit()), (3, 4, None));
        // The last group's entries count in its own mark again.
        births.push(b.reserve(last).unwrap());
        assert_eq!((b.live(), b.high_water()), (4, 4));
        let mut release = b.release_many();
        births.iter().for_each(|&birth| release.add(birth));
        release.finish();
        assert_eq!((b.live(), b.high_water()), (0, 4));
    }
}
