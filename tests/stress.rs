//! Several threads register, read, take and drain on one registry at once;
//! every entry must end exactly once, by exactly one of them.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use wit_resource_registry::{Error, ResourceRegistry};

const THREADS: usize = 4;
const PER_THREAD: usize = 20_000;

struct Item {
    id: usize,
    reads: u32,
}

#[test]
fn every_entry_ends_exactly_once_under_contention() {
    let reg: Arc<ResourceRegistry<Item>> = Arc::new(ResourceRegistry::with_limit(5_000));
    // ended[id] counts how many times entry `id` was handed out for good.
    let ended: Arc<Vec<AtomicU8>> = Arc::new(
        (0..THREADS * PER_THREAD)
            .map(|_| AtomicU8::new(0))
            .collect(),
    );
    let refused = Arc::new(AtomicUsize::new(0));
    let stop_drainer = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(THREADS + 1));

    let mut workers = Vec::new();
    for t in 0..THREADS {
        let (reg, ended, refused, barrier) =
            (reg.clone(), ended.clone(), refused.clone(), barrier.clone());
        workers.push(thread::spawn(move || {
            barrier.wait();
            let mut mine = Vec::new();
            for n in 0..PER_THREAD {
                let id = t * PER_THREAD + n;
                match reg.try_register(Arc::new(Mutex::new(Item { id, reads: 0 }))) {
                    Ok(key) => mine.push(key),
                    Err(r) => {
                        // refused values come back: that counts as their end
                        assert!(matches!(r.error(), Error::Full { .. }));
                        let item = r.into_value();
                        let id = item.lock().unwrap().id;
                        ended[id].fetch_add(1, Ordering::SeqCst);
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                }
                if n % 3 == 0 {
                    if let Some(key) = mine.pop() {
                        if let Some(v) = reg.get(key) {
                            v.lock().unwrap().reads += 1;
                        }
                        match reg.take(key) {
                            Ok(mut item) => {
                                ended[item.with(|i| i.id)].fetch_add(1, Ordering::SeqCst);
                            }
                            Err(e) => assert_eq!(e, Error::NotFound), // the drainer got it
                        }
                    }
                }
            }
            // What is left is taken, unless the drainer got there first.
            for key in mine {
                if let Ok(mut item) = reg.take(key) {
                    ended[item.with(|i| i.id)].fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    let drainer = {
        let (reg, ended, stop, barrier) = (
            reg.clone(),
            ended.clone(),
            stop_drainer.clone(),
            barrier.clone(),
        );
        thread::spawn(move || {
            barrier.wait();
            let mut rounds = 0;
            while stop.load(Ordering::SeqCst) == 0 {
                for (_, mut v) in reg.drain() {
                    let id = v.with(|i| i.id);
                    ended[id].fetch_add(1, Ordering::SeqCst);
                }
                rounds += 1;
                thread::yield_now();
            }
            rounds
        })
    };
    for w in workers {
        w.join().unwrap();
    }
    stop_drainer.store(1, Ordering::SeqCst);
    let rounds = drainer.join().unwrap();
    assert!(rounds > 0);

    for (id, count) in ended.iter().enumerate() {
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "entry {} ended {} times",
            id,
            count.load(Ordering::SeqCst)
        );
    }
    assert!(reg.is_empty());
    let s = reg.stats();
    assert_eq!(s.live, 0);
    assert_eq!(s.registered, s.removed);
    assert_eq!(
        s.registered as usize + refused.load(Ordering::SeqCst),
        THREADS * PER_THREAD
    );
    assert_eq!(s.rejected as usize, refused.load(Ordering::SeqCst));
    assert!(s.high_water <= 5_000);
}

#[test]
fn racing_takes_of_one_id_have_exactly_one_winner() {
    let reg: Arc<ResourceRegistry<u32>> = Arc::new(ResourceRegistry::new());
    for round in 0..2_000u32 {
        let id = reg.try_register(Arc::new(Mutex::new(round))).unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let (reg, barrier) = (reg.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    reg.take(id).ok().map(|mut t| t.with(|v| *v))
                })
            })
            .collect();
        let wins: Vec<u32> = racers
            .into_iter()
            .filter_map(|r| r.join().unwrap())
            .collect();
        assert_eq!(wins, [round]);
    }
    assert!(reg.is_empty());
}

#[test]
fn a_flooded_bounded_registry_holds_its_bound_at_every_moment() {
    const LIMIT: usize = 100;
    const PER_THREAD: u32 = 200_000;
    let reg: Arc<ResourceRegistry<u32>> = Arc::new(ResourceRegistry::with_limit(LIMIT));
    let done = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(3));
    let flooders: Vec<_> = (0..2u32)
        .map(|t| {
            let (reg, done, barrier) = (reg.clone(), done.clone(), barrier.clone());
            thread::spawn(move || {
                // Counted even if this thread panics, so the observer stops.
                struct Done(Arc<AtomicUsize>);
                impl Drop for Done {
                    fn drop(&mut self) {
                        self.0.fetch_add(1, Ordering::SeqCst);
                    }
                }
                let _done = Done(done);
                barrier.wait();
                let (mut accepted, mut refused_back) = (Vec::new(), 0u32);
                for n in 0..PER_THREAD {
                    let v = t * PER_THREAD + n;
                    match reg.try_register(Arc::new(Mutex::new(v))) {
                        Ok(key) => accepted.push(key),
                        Err(refused) => {
                            assert_eq!(refused.error(), Error::Full { limit: LIMIT });
                            assert_eq!(
                                *refused.into_value().lock().unwrap(),
                                v,
                                "the refused value comes back"
                            );
                            refused_back += 1;
                        }
                    }
                    // Free some room now and then, so the bound is crossed often.
                    // (`remove`, not `take`: the observer's snapshot may hold a
                    // clone, and then `take` rightly answers `Shared`.)
                    if n % 7 == 0 {
                        if let Some(key) = accepted.pop() {
                            assert!(reg.remove(key).is_some());
                        }
                    }
                }
                (accepted, refused_back)
            })
        })
        .collect();
    // The observer: len(), stats() and a snapshot, over and over.
    barrier.wait();
    let mut samples = 0u64;
    while done.load(Ordering::SeqCst) < 2 {
        assert!(reg.len() <= LIMIT, "len {} > {}", reg.len(), LIMIT);
        let s = reg.stats();
        assert!(s.live <= LIMIT && s.high_water <= LIMIT, "{:?}", s);
        if samples % 64 == 0 {
            assert!(reg.snapshot().len() <= LIMIT);
        }
        samples += 1;
    }
    let mut still_live = 0;
    let mut refused = 0;
    for f in flooders {
        let (accepted, back) = f.join().unwrap();
        still_live += accepted.len();
        refused += back as u64;
    }
    assert!(samples > 100, "the observer sampled only {} times", samples);
    assert!(refused > 0, "the flood never hit the limit");
    let s = reg.stats();
    assert_eq!(s.live, still_live);
    assert_eq!(s.rejected, refused);
    assert_eq!(
        s.registered + refused,
        2 * PER_THREAD as u64,
        "every value was either taken in or handed back"
    );
    assert_eq!(s.high_water, LIMIT);
}
