//! A differential model of `ResourceRegistry`: random sequences of every
//! public operation run against the registry and against a `HashMap`, and
//! every answer is compared. Shared by the model-based test, the fuzz target
//! (`fuzz/`) and the regression corpus, so all three check the same thing.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Error, Key, Registration, ResourceRegistry, Taken, MAX_CALLER_ID};

/// Which id an operation aims at.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The n-th live id (modulo how many there are).
    Live(usize),
    /// The n-th id that was removed at some point (a stale key).
    Dead(usize),
    /// Any `u32` at all: forged ids.
    Raw(u32),
    /// A small caller-chosen id, as handle numbers are.
    Small(u8),
}

/// One public operation. The operations 1.0 removed keep their place as the
/// idiom that replaces them (`DrainWith`, `Retain` and `Clear` are loops over
/// `drain` and `snapshot`), so that a byte string decodes as it did; code 19,
/// once a second `Take` of a live id, is now `GuardTake`, which falls back to
/// exactly that when no guard is kept.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// `register`, its guard given up with `into_key`: the entry stays.
    Register(u32),
    TryRegister(u32),
    /// `register`, the guard kept until the end of the run (`true`) or
    /// dropped at once, which removes the entry.
    Guarded(u32, bool),
    /// `take` on the n-th guard kept so far (by key on the n-th live id when
    /// none is kept).
    GuardTake(usize),
    Insert(Target, u32),
    TryInsert(Target, u32),
    Get(Target),
    Contains(Target),
    Remove(Target),
    Take(Target),
    TakeWhileShared(Target),
    RegisterChild(Target, u32),
    TakeTree(Target),
    Drain,
    DrainWith,
    Retain(u32),
    Clear,
    SetLimit(Option<u8>),
    Snapshot,
    KeyRoundTrip(u32),
    Stats,
    LeakReport,
}

/// A small deterministic byte source: reads past the end give zeros, so
/// every input decodes to a sequence of valid operations.
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data }
    }
    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn target(&mut self) -> Target {
        match self.u8() % 4 {
            0 => Target::Live(self.u8() as usize),
            1 => Target::Dead(self.u8() as usize),
            2 => Target::Raw(self.u32()),
            _ => Target::Small(self.u8() % 8),
        }
    }
}

/// Decodes a byte string into operations (the fuzzer's input format).
pub fn decode_ops(data: &[u8]) -> Vec<Op> {
    let mut b = Bytes::new(data);
    let mut ops = Vec::new();
    while !b.is_empty() {
        let op = match b.u8() % 22 {
            0 | 1 => Op::Register(b.u8() as u32),
            2 | 3 => Op::TryRegister(b.u8() as u32),
            4 => Op::Guarded(b.u8() as u32, b.u8() % 2 == 0),
            5 => Op::Insert(b.target(), b.u8() as u32),
            6 => Op::TryInsert(b.target(), b.u8() as u32),
            7 | 8 => Op::Get(b.target()),
            9 => Op::Contains(b.target()),
            10 => Op::Remove(b.target()),
            11 => Op::Take(b.target()),
            12 => Op::TakeWhileShared(b.target()),
            13 => {
                if b.u8() % 8 == 0 {
                    Op::Drain
                } else {
                    Op::Snapshot
                }
            }
            14 => {
                if b.u8() % 8 == 0 {
                    Op::DrainWith
                } else {
                    Op::LeakReport
                }
            }
            15 => Op::Retain(b.u8() as u32),
            16 => {
                if b.u8() % 16 == 0 {
                    Op::Clear
                } else {
                    Op::Stats
                }
            }
            17 => Op::SetLimit(match b.u8() {
                x if x < 128 => None,
                x => Some(x % 16),
            }),
            18 => Op::KeyRoundTrip(b.u32()),
            19 => Op::GuardTake(b.u8() as usize),
            20 => Op::RegisterChild(b.target(), b.u8() as u32),
            _ => Op::TakeTree(b.target()),
        };
        ops.push(op);
    }
    ops
}

/// A xorshift generator, for the model-based test's own sequences.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

type V = Arc<Mutex<u32>>;

fn val(v: u32) -> V {
    Arc::new(Mutex::new(v))
}
fn read(v: &V) -> u32 {
    *v.lock().unwrap()
}
fn read_taken(mut t: Taken<u32>) -> u32 {
    t.with(|v| *v)
}
/// The value and whether it came back owned.
fn read_taken_owned(t: Taken<u32>) -> (u32, bool) {
    let owned = matches!(t, Taken::Owned(_));
    (read_taken(t), owned)
}

/// Entries sorted by id: what a snapshot or a drain holds, whose order is
/// unspecified (only the leak report is ordered, by age).
fn by_id(mut entries: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    entries.sort_unstable();
    entries
}

/// The model: what the registry should hold.
#[derive(Default)]
struct Model {
    /// id -> (value, born)
    live: HashMap<u32, (u32, u64)>,
    /// child -> parent, for live children of live parents.
    parent: HashMap<u32, u32>,
    /// parent -> live children, oldest first.
    kids: HashMap<u32, Vec<u32>>,
    /// Ids removed at some point, for stale lookups.
    dead: Vec<u32>,
    limit: Option<usize>,
    /// The most entries alive at once: exact here, where one thread
    /// registers everything.
    high_water: usize,
    clock: u64,
    registered: u64,
    removed: u64,
    rejected: u64,
}

impl Model {
    fn pick(&self, target: Target) -> u32 {
        match target {
            Target::Live(n) if !self.live.is_empty() => {
                let mut ids: Vec<u32> = self.live.keys().copied().collect();
                ids.sort_unstable();
                ids[n % ids.len()]
            }
            Target::Dead(n) if !self.dead.is_empty() => self.dead[n % self.dead.len()],
            Target::Live(n) | Target::Dead(n) => n as u32,
            Target::Raw(raw) => raw,
            Target::Small(n) => n as u32,
        }
    }
    fn room(&self) -> bool {
        self.limit.map_or(true, |limit| self.live.len() < limit)
    }
    /// Adds an entry, or replaces the value of a live one (which keeps its
    /// age and does not move the clock).
    fn add(&mut self, id: u32, v: u32) {
        if let Some(entry) = self.live.get_mut(&id) {
            entry.0 = v;
            return;
        }
        self.live.insert(id, (v, self.clock));
        self.high_water = self.high_water.max(self.live.len());
        self.clock += 1;
        self.registered += 1;
    }
    /// Removes an entry; its children become roots.
    fn forget(&mut self, id: u32) -> Option<u32> {
        let (v, _) = self.live.remove(&id)?;
        self.removed += 1;
        self.dead.push(id);
        if let Some(parent) = self.parent.remove(&id) {
            if let Some(siblings) = self.kids.get_mut(&parent) {
                siblings.retain(|&c| c != id);
            }
        }
        for child in self.kids.remove(&id).unwrap_or_default() {
            self.parent.remove(&child);
        }
        Some(v)
    }
    fn link(&mut self, parent: u32, child: u32) {
        self.parent.insert(child, parent);
        self.kids.entry(parent).or_default().push(child);
    }
    fn children(&self, id: u32) -> Vec<u32> {
        self.kids.get(&id).cloned().unwrap_or_default()
    }
    /// `id` and its descendants, descendants first, siblings oldest first.
    fn subtree(&self, id: u32, out: &mut Vec<u32>) {
        for child in self.children(id) {
            self.subtree(child, out);
        }
        out.push(id);
    }
    /// What `insert` may store under `id`: a caller-chosen id only (an
    /// issued key's value is never replaced).
    fn insertable(&self, id: u32) -> bool {
        (1..=MAX_CALLER_ID).contains(&id)
    }
    fn by_age(&self) -> Vec<(u32, u32)> {
        let mut all: Vec<(u64, u32, u32)> = self
            .live
            .iter()
            .map(|(&id, &(v, born))| (born, id, v))
            .collect();
        all.sort_unstable();
        all.into_iter().map(|(_, id, v)| (id, v)).collect()
    }
    fn drain_all(&mut self) -> Vec<(u32, u32)> {
        let all = self.by_age();
        for &(id, _) in &all {
            self.forget(id);
        }
        all
    }
}

/// Runs `ops` against a fresh registry and the model, panicking (with the
/// step and operation) on the first divergence.
pub fn run(ops: &[Op]) {
    let registry = ResourceRegistry::new();
    let reg = &registry;
    // Guards kept alive across steps, each with the value it was given;
    // declared after the registry they borrow.
    let mut guards: Vec<(Registration<'_, u32>, u32)> = Vec::new();
    let mut m = Model::default();
    for (step, &op) in ops.iter().enumerate() {
        let ctx = || format!("step {} {:?}", step, op);
        match op {
            Op::Register(v) => match reg.register(val(v)).into_key() {
                Ok(key) => {
                    assert!(m.room(), "{}: registered past the limit", ctx());
                    let id = key.into_raw();
                    assert_ne!(id, 0, "{}", ctx());
                    assert!(!m.live.contains_key(&id), "{}: issued a live id", ctx());
                    m.add(id, v);
                }
                Err(refused) => {
                    assert!(!m.room(), "{}: refused with room", ctx());
                    let limit = m.limit.unwrap();
                    assert_eq!(refused.error(), Error::Full { limit }, "{}", ctx());
                    assert_eq!(read(&refused.into_value()), v, "{}", ctx());
                    m.rejected += 1;
                }
            },
            Op::TryRegister(v) => match reg.try_register(val(v)) {
                Ok(key) => {
                    assert!(m.room(), "{}: registered past the limit", ctx());
                    let id = key.into_raw();
                    assert!(id != 0 && !m.live.contains_key(&id), "{}", ctx());
                    m.add(id, v);
                }
                Err(refused) => {
                    assert!(!m.room(), "{}: refused with room", ctx());
                    let limit = m.limit.unwrap();
                    assert_eq!(refused.error(), Error::Full { limit }, "{}", ctx());
                    assert_eq!(read(&refused.into_value()), v, "{}", ctx());
                    m.rejected += 1;
                }
            },
            Op::Guarded(v, keep) => {
                let guard = reg.register(val(v));
                // Registered or kept, the guard reaches its value.
                assert_eq!(guard.with(|x| *x), Some(v), "{}", ctx());
                match guard.key() {
                    Some(key) => {
                        assert!(m.room(), "{}: registered past the limit", ctx());
                        assert_eq!(guard.refusal(), None, "{}", ctx());
                        let id = key.into_raw();
                        assert!(!m.live.contains_key(&id), "{}", ctx());
                        m.add(id, v);
                    }
                    None => {
                        assert!(!m.room(), "{}: refused with room", ctx());
                        let limit = m.limit.unwrap();
                        assert_eq!(guard.refusal(), Some(Error::Full { limit }), "{}", ctx());
                        assert_eq!(guard.wide_key(), None, "{}", ctx());
                        m.rejected += 1;
                    }
                }
                if keep {
                    guards.push((guard, v));
                } else {
                    // Dropped at once: removes the entry, or the kept value.
                    let id = guard.key();
                    drop(guard);
                    if let Some(id) = id {
                        m.forget(id.into_raw());
                    }
                }
            }
            Op::GuardTake(n) if guards.is_empty() => {
                let id = m.pick(Target::Live(n));
                take_by_key(reg, &mut m, id, false, &ctx);
            }
            Op::GuardTake(n) => {
                let (guard, v) = guards.swap_remove(n % guards.len());
                let id = guard.key().map(Key::into_raw);
                let registered = id.map_or(false, |id| m.live.contains_key(&id));
                let has_children = id.map_or(false, |id| !m.children(id).is_empty());
                match guard.take() {
                    Ok(taken) => {
                        // A kept value, or its live, childless entry.
                        assert!(id.is_none() || (registered && !has_children), "{}", ctx());
                        assert!(matches!(taken, Taken::Owned(_)), "{}", ctx());
                        assert_eq!(read_taken(taken), v, "{}", ctx());
                        if let Some(id) = id {
                            assert_eq!(m.forget(id), Some(v), "{}", ctx());
                        }
                    }
                    Err(back) if back.error() == Error::HasChildren => {
                        assert!(registered && has_children, "{}", ctx());
                        // Still armed: it stays, with its entry, to be dropped
                        // at the end of the run.
                        let guard = back.into_value();
                        assert_eq!(guard.with(|x| *x), Some(v), "{}", ctx());
                        guards.push((guard, v));
                    }
                    Err(back) => {
                        assert_eq!(back.error(), Error::NotFound, "{}", ctx());
                        assert!(id.is_some() && !registered, "{}", ctx());
                        // Spent: dropping it removes nothing (checked below).
                        let guard = back.into_value();
                        assert_eq!(guard.with(|x| *x), None, "{}", ctx());
                    }
                }
            }
            Op::Insert(t, v) | Op::TryInsert(t, v) => {
                let id = m.pick(t);
                let fallible = matches!(op, Op::TryInsert(..));
                let exists = m.live.contains_key(&id);
                let result = reg.try_insert(id, val(v));
                if !m.insertable(id) {
                    let refused = result.expect_err("an invalid id was accepted");
                    assert_eq!(refused.error(), Error::InvalidId, "{}", ctx());
                    assert_eq!(read(&refused.into_value()), v, "{}", ctx());
                    // A live issued key keeps the value it was registered with.
                    let got = reg.get(id).map(|v| read(&v));
                    assert_eq!(got, m.live.get(&id).map(|&(v, _)| v), "{}", ctx());
                    check_counters(reg, &m, &ctx);
                    continue;
                }
                let result = if fallible {
                    result
                } else {
                    // the compatible form, rebuilt from what `insert` returns
                    match result {
                        Ok(old) => Ok(old),
                        Err(refused) => {
                            let back = refused.into_value();
                            assert_eq!(read(&back), v, "{}", ctx());
                            m.rejected += 1;
                            assert!(!exists && !m.room(), "{}", ctx());
                            check_counters(reg, &m, &ctx);
                            continue;
                        }
                    }
                };
                match result {
                    Ok(old) => {
                        assert!(exists || m.room(), "{}: inserted past the limit", ctx());
                        let expected = m.live.get(&id).map(|&(v, _)| v);
                        assert_eq!(old.as_ref().map(read), expected, "{}", ctx());
                        m.add(id, v);
                    }
                    Err(refused) => {
                        assert!(!exists && !m.room(), "{}", ctx());
                        assert_eq!(read(&refused.into_value()), v, "{}", ctx());
                        m.rejected += 1;
                    }
                }
            }
            Op::Get(t) => {
                let id = m.pick(t);
                let got = reg.get(id).map(|v| read(&v));
                assert_eq!(got, m.live.get(&id).map(|&(v, _)| v), "{}", ctx());
            }
            Op::Contains(t) => {
                let id = m.pick(t);
                assert_eq!(reg.contains(id), m.live.contains_key(&id), "{}", ctx());
            }
            Op::Remove(t) => {
                let id = m.pick(t);
                let got = reg.remove(id).map(|v| read(&v));
                assert_eq!(got, m.forget(id), "{}", ctx());
            }
            Op::Take(t) | Op::TakeWhileShared(t) => {
                let shared = matches!(op, Op::TakeWhileShared(_));
                let id = m.pick(t);
                take_by_key(reg, &mut m, id, shared, &ctx);
            }
            Op::RegisterChild(t, v) => {
                let parent = m.pick(t);
                match reg.register_child(Key::from_raw(parent), val(v)).into_key() {
                    Ok(key) => {
                        assert!(m.live.contains_key(&parent) && m.room(), "{}", ctx());
                        let id = key.into_raw();
                        assert!(!m.live.contains_key(&id), "{}: issued a live id", ctx());
                        m.add(id, v);
                        m.link(parent, id);
                        assert_eq!(reg.parent(key).map(Key::into_raw), Some(parent));
                    }
                    Err(refused) => {
                        if !m.live.contains_key(&parent) {
                            assert_eq!(refused.error(), Error::NotFound, "{}", ctx());
                        } else {
                            assert!(!m.room(), "{}: refused with room", ctx());
                            m.rejected += 1;
                        }
                        assert_eq!(read(&refused.into_value()), v, "{}", ctx());
                    }
                }
            }
            Op::TakeTree(t) => {
                let id = m.pick(t);
                let got = reg.take_tree(Key::from_raw(id)).map(|all| {
                    let all = all.into_iter();
                    all.map(|(k, t)| (k.into_raw(), read_taken(t)))
                        .collect::<Vec<_>>()
                });
                if m.live.contains_key(&id) {
                    let mut order = Vec::new();
                    m.subtree(id, &mut order);
                    let expected: Vec<(u32, u32)> = order
                        .into_iter()
                        .map(|i| (i, m.forget(i).unwrap()))
                        .collect();
                    assert_eq!(got, Ok(expected), "{}", ctx());
                } else {
                    assert_eq!(got, Err(Error::NotFound), "{}", ctx());
                }
            }
            Op::Drain => {
                let got: Vec<(u32, u32)> = reg
                    .drain()
                    .map(|(k, t)| {
                        // Nothing else holds a value: each comes back owned.
                        assert!(matches!(t, Taken::Owned(_)), "{}", ctx());
                        (k.into_raw(), read_taken(t))
                    })
                    .collect();
                assert_eq!(by_id(got), by_id(m.drain_all()), "{}", ctx());
            }
            Op::DrainWith => {
                // What `drain_with(f)` was.
                let mut got = Vec::new();
                for (k, t) in reg.drain() {
                    got.push((k.into_raw(), read_taken(t)));
                }
                let expected = m.drain_all();
                assert_eq!(got.len(), expected.len(), "{}", ctx());
                assert_eq!(by_id(got), by_id(expected), "{}", ctx());
            }
            Op::Retain(modulus) => {
                // What `retain(keep)` was: removes regardless of children,
                // which stay as roots.
                let modulus = modulus % 5 + 1;
                let mut removed = 0;
                for (k, v) in reg.snapshot() {
                    if read(&v) % modulus == 0 && reg.remove(k).is_some() {
                        removed += 1;
                    }
                }
                let doomed: Vec<u32> = m
                    .live
                    .iter()
                    .filter(|(_, &(v, _))| v % modulus == 0)
                    .map(|(&id, _)| id)
                    .collect();
                assert_eq!(removed, doomed.len(), "{}", ctx());
                for id in doomed {
                    m.forget(id);
                }
            }
            Op::Clear => {
                drop(reg.drain()); // what `clear` was
                m.drain_all();
            }
            Op::SetLimit(limit) => {
                let limit = limit.map(usize::from);
                reg.set_limit(limit);
                m.limit = limit;
                assert_eq!(reg.stats().limit, limit, "{}", ctx());
            }
            Op::Snapshot => {
                let got: Vec<(u32, u32)> = reg
                    .snapshot()
                    .into_iter()
                    .map(|(k, v)| (k.into_raw(), read(&v)))
                    .collect();
                assert_eq!(by_id(got), by_id(m.by_age()), "{}", ctx());
            }
            Op::KeyRoundTrip(raw) => {
                let key = Key::<u32>::from_raw(raw);
                assert_eq!(u32::from(key), raw);
                assert_eq!(Key::<u32>::from_raw(key.into_raw()), key);
                let got = reg.get(key).map(|v| read(&v));
                assert_eq!(got, m.live.get(&raw).map(|&(v, _)| v), "{}", ctx());
            }
            Op::Stats => {}
            Op::LeakReport => {
                let report = reg.leak_report();
                let got: Vec<u32> = report.entries.iter().map(|l| l.key.into_raw()).collect();
                let expected: Vec<u32> = m.by_age().into_iter().map(|(id, _)| id).collect();
                assert_eq!(got, expected, "{}", ctx());
                // Ticks are logical: a thread carries its clock from registry
                // to registry natively, so they need not start at 0; every
                // listed entry was born before `now`.
                let last = report.entries.iter().map(|l| l.born).max();
                assert!(last.map_or(true, |born| born < report.now), "{}", ctx());
            }
        }
        check_counters(reg, &m, &ctx);
    }
    // Dropping the kept guards removes exactly their entries (children stay,
    // as roots); a kept refused value was never counted.
    let guarded: Vec<u32> = guards
        .iter()
        .filter_map(|(g, _)| g.key())
        .map(Key::into_raw)
        .collect();
    let still: usize = guarded.iter().filter(|id| m.live.contains_key(id)).count();
    let before = reg.len();
    guards.clear();
    assert_eq!(reg.len(), before - still);
    drop(reg.drain());
    assert!(reg.is_empty());
}

/// `take` by key, compared with the model; `shared` holds a clone meanwhile,
/// so the value must come back shared.
fn take_by_key(
    reg: &ResourceRegistry<u32>,
    m: &mut Model,
    id: u32,
    shared: bool,
    ctx: &dyn Fn() -> String,
) {
    let clone = if shared { reg.get(id) } else { None };
    let got = reg.take(Key::<u32>::from_raw(id));
    let expected = if !m.live.contains_key(&id) {
        Err(Error::NotFound)
    } else if !m.children(id).is_empty() {
        Err(Error::HasChildren)
    } else {
        Ok((m.forget(id).unwrap(), clone.is_none()))
    };
    let got = got.map(read_taken_owned);
    assert_eq!(got, expected, "{}", ctx());
}

/// After every step: the counters agree with the model.
fn check_counters(reg: &ResourceRegistry<u32>, m: &Model, ctx: &dyn Fn() -> String) {
    assert_eq!(reg.len(), m.live.len(), "{}: len", ctx());
    assert_eq!(reg.is_empty(), m.live.is_empty(), "{}", ctx());
    let s = reg.stats();
    assert_eq!(s.live, (s.registered - s.removed) as usize, "{}", ctx());
    assert_eq!(
        (s.live, s.registered, s.removed, s.rejected, s.clock),
        (m.live.len(), m.registered, m.removed, m.rejected, m.clock),
        "{}: stats",
        ctx()
    );
    assert_eq!(s.high_water, m.high_water, "{}: {:?}", ctx(), s);
}
