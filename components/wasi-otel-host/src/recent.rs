//! A set that remembers only its newest entries: what bounds the host's
//! memory of ended spans and of the host spans a guest was handed.

use std::collections::{HashSet, VecDeque};
use std::hash::Hash;

/// The last `capacity` distinct keys inserted.
pub(crate) struct Recent<K> {
    set: HashSet<K>,
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Copy + Eq + Hash> Recent<K> {
    pub(crate) fn new(capacity: usize) -> Self {
        Recent {
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// Remembers `key`, forgetting the oldest past the capacity; false when
    /// it was already remembered.
    pub(crate) fn insert(&mut self, key: K) -> bool {
        if !self.set.insert(key) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.set.remove(&oldest);
            }
        }
        true
    }

    pub(crate) fn contains(&self, key: &K) -> bool {
        self.set.contains(key)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_newest_are_remembered() {
        let mut recent = super::Recent::new(2);
        assert!(recent.insert(1));
        assert!(!recent.insert(1));
        assert!(recent.insert(2) && recent.insert(3));
        assert!(!recent.contains(&1) && recent.contains(&2) && recent.contains(&3));
        assert!(recent.insert(1), "forgotten, so new again");
    }
}
