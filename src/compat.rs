//! The compatibility layer: what code written for the simple
//! `HashMap<u32, Arc<Mutex<T>>>` registry calls (`new`, `insert`, `get`,
//! `remove`, `len`, `is_empty`, `contains`, `Default`), unchanged, on the
//! registry's own fast paths. The only methods that take a plain `u32`.

use std::sync::Arc;

use crate::error::{Error, Rejected};
use crate::home::{home, saw};
use crate::key::{shard_of, AsId, MAX_CALLER_ID, SEAL};
use crate::registry::{route, ResourceRegistry, Value};
use crate::table::{Id, Table};

impl<T> ResourceRegistry<T> {
    /// Stores `value` under a caller-chosen `id`, returning the value it
    /// displaced (never dropping it silently), like `HashMap::insert`.
    /// Part of the compatibility layer.
    ///
    /// Caller-chosen ids are `1..=`[`MAX_CALLER_ID`](crate::MAX_CALLER_ID).
    /// Any other id, and a new id on a registry at its limit, is refused: the
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
    pub fn insert(&self, id: u32, value: Value<T>) -> Option<Value<T>> {
        match self.try_insert(id, value) {
            Ok(displaced) => displaced,
            Err(refused) => Some(refused.into_value()),
        }
    }

    /// Stores `value` under a caller-chosen `id`; `Ok` holds the displaced
    /// value, `Err` the refused one: [`Error::Full`] when a new id would
    /// exceed the limit, [`Error::InvalidId`] for `0` or an id above
    /// [`MAX_CALLER_ID`](crate::MAX_CALLER_ID) (an issued key's value is
    /// never replaced: its guard and its holders keep what they registered).
    /// Part of the compatibility layer.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Error, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(2);
    /// assert!(reg.try_insert(1, Arc::new(Mutex::new(1))).unwrap().is_none());
    /// // Replacing does not add an entry, so it is allowed at the limit.
    /// assert!(reg.try_insert(1, Arc::new(Mutex::new(2))).unwrap().is_some());
    /// let key = reg.try_register(Arc::new(Mutex::new(3))).unwrap();
    /// let refused = reg.try_insert(2, Arc::new(Mutex::new(4))).unwrap_err();
    /// assert_eq!(refused.error(), Error::Full { limit: 2 });
    /// let refused = reg.try_insert(key.into_raw(), Arc::new(Mutex::new(5))).unwrap_err();
    /// assert_eq!(refused.error(), Error::InvalidId);
    /// ```
    pub fn try_insert(
        &self,
        id: u32,
        value: Value<T>,
    ) -> Result<Option<Value<T>>, Rejected<Value<T>>> {
        if id == 0 || id > MAX_CALLER_ID {
            return Err(Rejected::new(Error::InvalidId, value));
        }
        let mut table = self.table(shard_of(id));
        if let Some(loc) = table.find(Id::Raw(id)) {
            let displaced = table.replace(loc, value);
            drop(table);
            return Ok(displaced);
        }
        let value = if self.counting() {
            self.reserve(&mut table, value)
                .map_err(|(error, value)| Rejected::new(error, value))?
        } else {
            value
        };
        let (_, floor) = home();
        let born = table
            .insert_named(id, value, floor, self.cap())
            .map_err(|(error, value)| Rejected::new(error, value))?;
        self.entered(born);
        drop(table);
        saw(born);
        Ok(None)
    }

    /// A clone of the value under `id` (a [`Key<T>`](crate::Key), a
    /// [`WideKey<T>`](crate::WideKey) or a `u32`), if any. Part of the
    /// compatibility layer, and the registry's own lookup.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::{Key, ResourceRegistry};
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new(5))).unwrap();
    /// assert_eq!(*reg.get(key).unwrap().lock().unwrap(), 5);
    /// assert!(reg.get(Key::from_raw(key.into_raw() ^ 1)).is_none());
    /// ```
    #[inline]
    pub fn get<K: AsId<T>>(&self, id: K) -> Option<Value<T>> {
        let raw = id.raw_id(SEAL);
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
    /// Part of the compatibility layer.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let key = reg.try_register(Arc::new(Mutex::new(5))).unwrap();
    /// assert!(reg.contains(key));
    /// reg.remove(key);
    /// assert!(!reg.contains(key));
    /// ```
    pub fn contains<K: AsId<T>>(&self, id: K) -> bool {
        let (shard, id) = route(id.raw_id(SEAL));
        self.table(shard).find(id).is_some()
    }

    /// Removes the entry under `id` and returns its value, like
    /// `HashMap::remove`. Its live children, if any, stay registered and
    /// become roots. Part of the compatibility layer: to end an entry, and
    /// have the owned `T` back when nothing else holds it, use
    /// [`take`](Self::take).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// reg.insert(5, Arc::new(Mutex::new(5)));
    /// assert!(reg.remove(5).is_some());
    /// assert!(reg.remove(5).is_none());
    /// ```
    #[inline]
    pub fn remove<K: AsId<T>>(&self, id: K) -> Option<Value<T>> {
        let raw = id.raw_id(SEAL);
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

    /// The number of live entries, counted in one consistent cut. Part of
    /// the compatibility layer; [`stats`](Self::stats) has it with the rest.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use wit_resource_registry::ResourceRegistry;
    /// let reg: ResourceRegistry<u8> = ResourceRegistry::new();
    /// let span = reg.register(Arc::new(Mutex::new(1)));
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

    /// Whether no entry is alive. Part of the compatibility layer.
    ///
    /// ```
    /// use wit_resource_registry::ResourceRegistry;
    /// assert!(ResourceRegistry::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
