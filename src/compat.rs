//! The compatible API: what code written for the simple
//! `HashMap<u32, Arc<Mutex<T>>>` registry calls (`insert`, `get`, `remove`,
//! `register`, `len`, `is_empty`, `contains`), unchanged, on the registry's
//! own fast paths.

use std::sync::Arc;

use crate::error::{Error, Rejected};
use crate::home::{home, saw};
use crate::key::{shard_of, AsKey, MAX_CALLER_ID};
use crate::registry::{route, ResourceRegistry, Value};
use crate::table::{Filled, Id, Table};

impl<T> ResourceRegistry<T> {
    /// Stores `value` under a caller-chosen `id`, returning the value it
    /// displaced (never dropping it silently), like `HashMap::insert`.
    ///
    /// Caller-chosen ids are `1..=`[`MAX_CALLER_ID`](crate::MAX_CALLER_ID);
    /// `id` may also be a live issued key, whose value is then replaced. Any
    /// other id, and a new id on a registry at its limit, is refused: the
    /// refused `value` itself is returned. Use
    /// [`try_insert`](Self::try_insert) to tell the cases apart.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<&str> = ResourceRegistry::new();
    /// assert!(reg.insert(7, Arc::new(Mutex::new("a"))).is_none());
    /// let old = reg.insert(7, Arc::new(Mutex::new("b"))).unwrap();
    /// assert_eq!(*old.lock().unwrap(), "a");
    /// assert_eq!(*reg.get(7).unwrap().lock().unwrap(), "b");
    /// ```
    pub fn insert<K: AsKey<T>>(&self, id: K, value: Value<T>) -> Option<Value<T>> {
        match self.try_insert(id, value) {
            Ok(displaced) => displaced,
            Err(refused) => Some(refused.into_value()),
        }
    }

    /// Stores `value` under a caller-chosen `id`; `Ok` holds the displaced
    /// value, `Err` the refused one: [`Error::Full`] when a new id would
    /// exceed the limit, [`Error::InvalidId`] for `0` or an id of the issued
    /// range that names no live entry.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(1);
    /// assert!(reg.try_insert(1, Arc::new(Mutex::new(1))).unwrap().is_none());
    /// // Replacing does not add an entry, so it is allowed at the limit.
    /// assert!(reg.try_insert(1, Arc::new(Mutex::new(2))).unwrap().is_some());
    /// let refused = reg.try_insert(2, Arc::new(Mutex::new(3))).unwrap_err();
    /// assert_eq!(refused.error(), Error::Full { limit: 1 });
    /// let refused = reg.try_insert(0, Arc::new(Mutex::new(4))).unwrap_err();
    /// assert_eq!(refused.error(), Error::InvalidId);
    /// ```
    pub fn try_insert<K: AsKey<T>>(
        &self,
        id: K,
        value: Value<T>,
    ) -> Result<Option<Value<T>>, Rejected<Value<T>>> {
        let (shard, id) = route(id.raw_id());
        let mut table = self.table(shard);
        if let Some(loc) = table.find(id) {
            let displaced = table.replace(loc, value);
            drop(table);
            return Ok(displaced);
        }
        let raw = match id {
            Id::Raw(raw) if raw != 0 && raw <= MAX_CALLER_ID => raw,
            _ => return Err(Rejected::new(Error::InvalidId, value)),
        };
        let value = if self.counting() {
            self.reserve(&mut table, value)
                .map_err(|(error, value)| Rejected::new(error, value))?
        } else {
            value
        };
        let (_, floor) = home();
        let born = table
            .insert_named(raw, value, floor, self.cap())
            .map_err(|(error, value)| Rejected::new(error, value))?;
        self.entered(born);
        drop(table);
        saw(born);
        Ok(None)
    }

    /// A clone of the value under `id` (a `u32`, a [`Key<T>`](crate::Key) or a
    /// [`WideKey<T>`](crate::WideKey)), if any.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let id = reg.register(Arc::new(Mutex::new(5)));
    /// assert_eq!(*reg.get(id).unwrap().lock().unwrap(), 5);
    /// assert!(reg.get(id ^ 1).is_none());
    /// ```
    #[inline]
    pub fn get<K: AsKey<T>>(&self, id: K) -> Option<Value<T>> {
        let raw = id.raw_id();
        // A wide key's low bits name its shard as a `u32` key's do.
        let mut table = self.table(shard_of(raw as u32));
        if raw <= u64::from(u32::MAX) {
            if let Some(value) = table.get(raw as u32) {
                return Some(Arc::clone(value));
            }
        }
        Self::get_slow(&mut table, raw)
    }

    /// [`get`](Self::get) of anything but a live issued key: a caller id, a
    /// wide key, a miss to count.
    #[cold]
    #[inline(never)]
    fn get_slow(table: &mut Table<T>, raw: u64) -> Option<Value<T>> {
        let loc = table.locate(route(raw).1)?;
        table.value(loc).map(Arc::clone)
    }

    /// Whether `id` names a live entry. Not counted in the lookup stats.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let id = reg.register(Arc::new(Mutex::new(5)));
    /// assert!(reg.contains(id));
    /// reg.remove(id);
    /// assert!(!reg.contains(id));
    /// ```
    pub fn contains<K: AsKey<T>>(&self, id: K) -> bool {
        let (shard, id) = route(id.raw_id());
        self.table(shard).find(id).is_some()
    }

    /// Removes the entry under `id` and returns its value. Its live children,
    /// if any, stay registered and become roots.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let id = reg.register(Arc::new(Mutex::new(5)));
    /// assert!(reg.remove(id).is_some());
    /// assert!(reg.remove(id).is_none());
    /// ```
    #[inline]
    pub fn remove<K: AsKey<T>>(&self, id: K) -> Option<Value<T>> {
        let raw = id.raw_id();
        let mut table = self.table(shard_of(raw as u32));
        let removed = if raw <= u64::from(u32::MAX) {
            table.remove(raw as u32)
        } else {
            None
        };
        let (value, born) = match removed {
            Some(removed) => removed,
            None => Self::remove_slow(&mut table, raw)?,
        };
        self.left(born);
        drop(table);
        Some(value)
    }

    #[cold]
    #[inline(never)]
    fn remove_slow(table: &mut Table<T>, raw: u64) -> Option<(Value<T>, u64)> {
        let loc = table.locate(route(raw).1)?;
        table.remove_at(loc)
    }

    /// Stores `value` under a new registry-issued id (never `0`, never below
    /// `2^16`), the compatible form of [`try_register`](Self::try_register).
    ///
    /// When the registry is at its limit (or out of slots) the value is
    /// refused: it is dropped and `0` is returned, an id that never names an
    /// entry. Use [`try_register`](Self::try_register) to get it back instead.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(1);
    /// let id = reg.register(Arc::new(Mutex::new(1)));
    /// assert!(id >= 1 << 16);
    /// assert_eq!(reg.register(Arc::new(Mutex::new(2))), 0);
    /// assert!(reg.get(0).is_none());
    /// assert_eq!(reg.stats().rejected, 1);
    /// ```
    #[inline]
    pub fn register(&self, value: Value<T>) -> u32 {
        // The fast path alone, small enough to inline into the caller: any
        // other case goes out of line in one call that returns the id.
        let (home, floor) = home();
        let mut table = self.table(home);
        let value = if self.counting() {
            value
        } else {
            match table.insert_fast(value, floor) {
                Ok(Filled { key, born, .. }) => {
                    self.entered(born);
                    drop(table);
                    saw(born);
                    return key;
                }
                Err(value) => value,
            }
        };
        drop(table);
        self.register_slow(home, value, floor)
    }

    /// [`register`](Self::register) past the fast path: the slow path, other
    /// shards, or `0` with the value dropped.
    #[cold]
    #[inline(never)]
    fn register_slow(&self, home: usize, value: Value<T>, floor: u64) -> u32 {
        let placed = match self.place_in(home, None, value, floor) {
            Ok(place) => Ok(place),
            Err((error, value)) => self.place_elsewhere(home, error, value, floor),
        };
        match placed {
            Ok(place) => place.key,
            Err(refused) => {
                drop(refused);
                0
            }
        }
    }

    /// The number of live entries.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.register(Arc::new(Mutex::new(1)));
    /// reg.insert(40, Arc::new(Mutex::new(2)));
    /// assert_eq!(reg.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        // Every shard locked at once: one cut, never above the limit.
        let tables = self.lock_all();
        let live = tables.iter().map(|t| t.counters.live).sum();
        drop(tables);
        live
    }

    /// Whether no entry is alive.
    ///
    /// ```
    /// use wit_resource_registry::ResourceRegistry;
    /// assert!(ResourceRegistry::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
