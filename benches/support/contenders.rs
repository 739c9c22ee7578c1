//! The contenders, all holding the same `Arc<Mutex<Payload>>` values behind
//! one small trait, so every workload runs the same code on each.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Drain, Key, ResourceRegistry};

/// About 64 bytes, like a small span record; only `start` is read.
#[allow(dead_code)]
pub struct Payload {
    pub id: u64,
    pub start: u64,
    pub attrs: [u64; 6],
}

impl Payload {
    pub fn new(id: u64) -> Arc<Mutex<Payload>> {
        Arc::new(Mutex::new(Payload {
            id,
            start: id ^ 0x5555,
            attrs: [id; 6],
        }))
    }
}

pub type Value = Arc<Mutex<Payload>>;

/// What every contender offers: the resource lifecycle on `&self`.
pub trait Contender {
    const NAME: &'static str;
    /// What `drain` hands back: the values themselves for the peers
    /// (`Vec<Value>`'s iterator); this crate's `Drain`, which unwraps each
    /// value only as it is iterated. The workload counts it and drops it,
    /// which drops the same `Arc`s in every case.
    type Drained: ExactSizeIterator;
    fn create() -> Self;
    fn register(&self, value: Value) -> u64;
    fn get(&self, key: u64) -> Option<Value>;
    fn remove(&self, key: u64) -> Option<Value>;
    /// Removes every entry, returning them (shutdown); the caller drops them.
    /// `keys` are the live keys, for contenders that cannot enumerate
    /// through `&self`. Every implementation is `#[inline(never)]`, so that
    /// callgrind can count it alone (`scripts/instructions.sh`).
    fn drain(&self, keys: &[u64]) -> Self::Drained;
}

/// This crate, through its key-only route: `try_register` issues a typed
/// `Key`, whose raw `u32` the harness keeps and turns back with
/// `Key::from_raw`; `remove` hands back the `Arc` as the peers do; `drain`
/// is the registry's own shutdown drain, handed back as it comes.
impl Contender for ResourceRegistry<Payload> {
    const NAME: &'static str = "this-crate";
    type Drained = Drain<Payload>;
    fn create() -> Self {
        ResourceRegistry::new()
    }
    #[inline]
    fn register(&self, value: Value) -> u64 {
        // No limit is set, so nothing is refused (that takes a million live
        // entries). Like a caller that hands a refusal on (`?`) or stops on
        // it, the refusal leaves this path rather than rejoining it with a
        // made-up key, which would cost the fast path the lock the next call
        // retakes (12 wasm instructions per lifecycle).
        let key = ResourceRegistry::try_register(self, value).expect("no limit is set");
        u64::from(key.into_raw())
    }
    #[inline]
    fn get(&self, key: u64) -> Option<Value> {
        ResourceRegistry::get(self, Key::from_raw(key as u32))
    }
    #[inline]
    fn remove(&self, key: u64) -> Option<Value> {
        ResourceRegistry::remove(self, Key::from_raw(key as u32))
    }
    #[inline(never)]
    fn drain(&self, _keys: &[u64]) -> Self::Drained {
        ResourceRegistry::drain(self)
    }
}

/// The "before": the seed README's `Mutex<Option<HashMap<u32, ..>>>` with
/// std hashing and a counter for ids.
pub struct Naive {
    map: Mutex<Option<HashMap<u32, Value>>>,
    next: AtomicU32,
}

impl Contender for Naive {
    const NAME: &'static str = "naive-hashmap";
    type Drained = std::vec::IntoIter<Value>;
    fn create() -> Self {
        Naive {
            map: Mutex::new(None),
            next: AtomicU32::new(1),
        }
    }
    #[inline]
    fn register(&self, value: Value) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut map = self.map.lock().unwrap();
        map.get_or_insert_with(HashMap::new).insert(id, value);
        id as u64
    }
    #[inline]
    fn get(&self, key: u64) -> Option<Value> {
        let map = self.map.lock().unwrap();
        map.as_ref().and_then(|m| m.get(&(key as u32)).cloned())
    }
    #[inline]
    fn remove(&self, key: u64) -> Option<Value> {
        let mut map = self.map.lock().unwrap();
        map.as_mut().and_then(|m| m.remove(&(key as u32)))
    }
    #[inline(never)]
    fn drain(&self, _keys: &[u64]) -> Self::Drained {
        Vec::into_iter({
            let taken = self.map.lock().unwrap().take();
            taken.map_or_else(Vec::new, |m| m.into_values().collect())
        })
    }
}

pub struct MutexSlab(Mutex<slab::Slab<Value>>);

impl Contender for MutexSlab {
    const NAME: &'static str = "mutex-slab";
    type Drained = std::vec::IntoIter<Value>;
    fn create() -> Self {
        MutexSlab(Mutex::new(slab::Slab::new()))
    }
    #[inline]
    fn register(&self, value: Value) -> u64 {
        self.0.lock().unwrap().insert(value) as u64
    }
    #[inline]
    fn get(&self, key: u64) -> Option<Value> {
        self.0.lock().unwrap().get(key as usize).cloned()
    }
    #[inline]
    fn remove(&self, key: u64) -> Option<Value> {
        self.0.lock().unwrap().try_remove(key as usize)
    }
    #[inline(never)]
    fn drain(&self, _keys: &[u64]) -> Self::Drained {
        Vec::into_iter({
            let taken = std::mem::take(&mut *self.0.lock().unwrap());
            taken.into_iter().map(|(_, v)| v).collect()
        })
    }
}

pub struct MutexSlotMap(Mutex<slotmap::SlotMap<slotmap::DefaultKey, Value>>);

impl Contender for MutexSlotMap {
    const NAME: &'static str = "mutex-slotmap";
    type Drained = std::vec::IntoIter<Value>;
    fn create() -> Self {
        MutexSlotMap(Mutex::new(slotmap::SlotMap::new()))
    }
    #[inline]
    fn register(&self, value: Value) -> u64 {
        use slotmap::Key;
        self.0.lock().unwrap().insert(value).data().as_ffi()
    }
    #[inline]
    fn get(&self, key: u64) -> Option<Value> {
        let key = slotmap::KeyData::from_ffi(key).into();
        self.0.lock().unwrap().get(key).cloned()
    }
    #[inline]
    fn remove(&self, key: u64) -> Option<Value> {
        let key = slotmap::KeyData::from_ffi(key).into();
        self.0.lock().unwrap().remove(key)
    }
    #[inline(never)]
    fn drain(&self, _keys: &[u64]) -> Self::Drained {
        Vec::into_iter(self.0.lock().unwrap().drain().map(|(_, v)| v).collect())
    }
}

pub struct ShardedSlab(sharded_slab::Slab<Value>);

impl Contender for ShardedSlab {
    const NAME: &'static str = "sharded-slab";
    type Drained = std::vec::IntoIter<Value>;
    fn create() -> Self {
        ShardedSlab(sharded_slab::Slab::new())
    }
    #[inline]
    fn register(&self, value: Value) -> u64 {
        self.0.insert(value).map_or(0, |k| k as u64)
    }
    #[inline]
    fn get(&self, key: u64) -> Option<Value> {
        self.0.get(key as usize).map(|entry| Value::clone(&entry))
    }
    #[inline]
    fn remove(&self, key: u64) -> Option<Value> {
        self.0.take(key as usize)
    }
    #[inline(never)]
    fn drain(&self, keys: &[u64]) -> Self::Drained {
        Vec::into_iter({
            // sharded-slab cannot enumerate through `&self` (`unique_iter` needs
            // `&mut`), so it is handed the keys.
            keys.iter()
                .filter_map(|&k| self.0.take(k as usize))
                .collect()
        })
    }
}

pub struct Dash {
    map: dashmap::DashMap<u32, Value>,
    next: AtomicU32,
}

impl Contender for Dash {
    const NAME: &'static str = "dashmap";
    type Drained = std::vec::IntoIter<Value>;
    fn create() -> Self {
        Dash {
            map: dashmap::DashMap::new(),
            next: AtomicU32::new(1),
        }
    }
    #[inline]
    fn register(&self, value: Value) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.map.insert(id, value);
        id as u64
    }
    #[inline]
    fn get(&self, key: u64) -> Option<Value> {
        self.map.get(&(key as u32)).map(|v| v.clone())
    }
    #[inline]
    fn remove(&self, key: u64) -> Option<Value> {
        self.map.remove(&(key as u32)).map(|(_, v)| v)
    }
    #[inline(never)]
    fn drain(&self, _keys: &[u64]) -> Self::Drained {
        Vec::into_iter({
            let keys: Vec<u32> = self.map.iter().map(|e| *e.key()).collect();
            keys.into_iter()
                .filter_map(|k| self.map.remove(&k).map(|(_, v)| v))
                .collect()
        })
    }
}

/// The floor: an unsynchronised `Vec<Option<..>>` with a free list. No lock
/// at all (a `RefCell` borrow flag only), so single-thread workloads only.
pub struct Floor(RefCell<(Vec<Option<Value>>, Vec<u32>)>);

impl Contender for Floor {
    const NAME: &'static str = "floor-vec";
    type Drained = std::vec::IntoIter<Value>;
    fn create() -> Self {
        Floor(RefCell::new((Vec::new(), Vec::new())))
    }
    #[inline]
    fn register(&self, value: Value) -> u64 {
        let mut inner = self.0.borrow_mut();
        let (slots, free) = &mut *inner;
        match free.pop() {
            Some(i) => {
                slots[i as usize] = Some(value);
                i as u64
            }
            None => {
                slots.push(Some(value));
                (slots.len() - 1) as u64
            }
        }
    }
    #[inline]
    fn get(&self, key: u64) -> Option<Value> {
        self.0.borrow().0.get(key as usize).and_then(|s| s.clone())
    }
    #[inline]
    fn remove(&self, key: u64) -> Option<Value> {
        let mut inner = self.0.borrow_mut();
        let (slots, free) = &mut *inner;
        let v = slots.get_mut(key as usize)?.take();
        if v.is_some() {
            free.push(key as u32);
        }
        v
    }
    #[inline(never)]
    fn drain(&self, _keys: &[u64]) -> Self::Drained {
        Vec::into_iter({
            let mut inner = self.0.borrow_mut();
            inner.1.clear();
            inner.0.drain(..).flatten().collect()
        })
    }
}
