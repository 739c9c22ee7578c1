//! The workloads, each `fn(iters) -> Duration` timing only the measured part,
//! so criterion (`iter_custom`) and the quick mode run exactly the same code.
//! Their steps (`fill`, `order`, `lifecycle_once`, `read`, `churn_step`) are
//! also what the wasm guest of `components/bench-guest` runs, untimed, while
//! the host times it.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use super::contenders::{Contender, Payload};

/// Entries kept alive around the lifecycle under test.
pub const LIFECYCLE_BACKGROUND: usize = 1_000;
/// Entries alive for the lookup, churn and drain workloads.
pub const LIVE: usize = 10_000;

pub fn fill<C: Contender>(c: &C, n: usize) -> Vec<u64> {
    (0..n as u64).map(|i| c.register(Payload::new(i))).collect()
}

/// A fixed pseudo-random visiting order over `n` indices.
pub fn order(n: usize, seed: u64) -> Vec<usize> {
    let mut x = seed | 1;
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        idx.swap(i, (x % (i as u64 + 1)) as usize);
    }
    idx
}

/// register -> 4 x (get, lock the value, read a field) -> remove.
#[inline]
pub fn lifecycle_once<C: Contender>(c: &C, n: u64) {
    let key = c.register(Payload::new(n));
    for _ in 0..4 {
        let value = c.get(key).expect("just registered");
        let guard = value.lock().unwrap();
        black_box(guard.start);
    }
    black_box(c.remove(key));
}

pub fn lifecycle<C: Contender>(iters: u64) -> Duration {
    let c = C::create();
    let _background = fill(&c, LIFECYCLE_BACKGROUND);
    let start = Instant::now();
    for n in 0..iters {
        lifecycle_once(&c, n);
    }
    start.elapsed()
}

#[inline]
pub fn read<C: Contender>(c: &C, key: u64) {
    let value = c.get(key).expect("live");
    let guard = value.lock().unwrap();
    black_box(guard.start);
}

pub fn get_hot<C: Contender>(iters: u64) -> Duration {
    let c = C::create();
    let keys = fill(&c, LIVE);
    let visit: Vec<u64> = order(LIVE, GET_HOT_SEED)
        .into_iter()
        .map(|i| keys[i])
        .collect();
    let start = Instant::now();
    for n in 0..iters as usize {
        read(&c, visit[n % LIVE]);
    }
    start.elapsed()
}

/// The visiting orders of `get_hot` and `churn`.
pub const GET_HOT_SEED: u64 = 7;
pub const CHURN_SEED: u64 = 11;

/// Step `n` of churn: remove the entry at `visit[n % LIVE]`, register anew.
#[inline]
pub fn churn_step<C: Contender>(c: &C, keys: &mut [u64], visit: &[usize], n: usize) {
    let slot = visit[n % LIVE];
    black_box(c.remove(keys[slot]));
    keys[slot] = c.register(Payload::new(n as u64));
}

pub fn churn<C: Contender>(iters: u64) -> Duration {
    let c = C::create();
    let mut keys = fill(&c, LIVE);
    let visit = order(LIVE, CHURN_SEED);
    let start = Instant::now();
    for n in 0..iters as usize {
        churn_step(&c, &mut keys, &visit, n);
    }
    start.elapsed()
}

/// One iteration = draining `LIVE` entries (the fill is not timed).
pub fn drain<C: Contender>(iters: u64) -> Duration {
    let c = C::create();
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let keys = fill(&c, LIVE);
        let start = Instant::now();
        let drained = c.drain(&keys);
        total += start.elapsed();
        assert_eq!(drained.len(), LIVE);
        drop(drained);
    }
    total
}

/// Operations per iteration of the 2-thread workloads: enough that starting
/// the threads and meeting at the barriers is noise, whatever number of
/// iterations criterion asks for.
pub const MT_BATCH: u64 = 1_000;

/// Two threads on one shared registry, each doing `iters * MT_BATCH`
/// operations; the result is wall time per `MT_BATCH` operations, so
/// per-iteration figures are per operation per thread.
fn two_threads<C: Contender + Sync>(
    c: &C,
    iters: u64,
    work: impl Fn(&C, usize, u64) + Sync,
) -> Duration {
    let iters = iters * MT_BATCH;
    let barrier = Barrier::new(3);
    std::thread::scope(|s| {
        for t in 0..2 {
            let (barrier, work) = (&barrier, &work);
            s.spawn(move || {
                barrier.wait();
                work(c, t, iters);
                barrier.wait();
            });
        }
        barrier.wait();
        let start = Instant::now();
        barrier.wait();
        start.elapsed() / MT_BATCH as u32
    })
}

pub fn mt_lifecycle<C: Contender + Sync>(iters: u64) -> Duration {
    let c = C::create();
    let _background = fill(&c, LIFECYCLE_BACKGROUND);
    two_threads(&c, iters, |c, _t, iters| {
        for n in 0..iters {
            lifecycle_once(c, n);
        }
    })
}

pub fn mt_get<C: Contender + Sync>(iters: u64) -> Duration {
    let c = C::create();
    let keys = fill(&c, LIVE);
    let visits: Vec<Vec<u64>> = (0..2)
        .map(|t| order(LIVE, 13 + t).into_iter().map(|i| keys[i]).collect())
        .collect();
    two_threads(&c, iters, |c, t, iters| {
        let visit = &visits[t];
        for n in 0..iters as usize {
            read(c, visit[n % LIVE]);
        }
    })
}
