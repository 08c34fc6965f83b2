//! Caps on the WebSockets one user and one client address may hold open on an instance, so no
//! one client can make every live event cost more or fill the instance's memory. A claimed
//! slot is given back when its socket ends.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Open sockets per key, at most `limit` each.
#[derive(Debug)]
pub struct SocketCounts<K: Hash + Eq> {
    limit: usize,
    open: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K: Hash + Eq + Clone> SocketCounts<K> {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            open: Arc::default(),
        }
    }

    /// A slot for one more socket of `key`, or `None` when it holds its limit already.
    pub fn claim(&self, key: &K) -> Option<Slot<K>> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(key.clone()).or_default();
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            key: key.clone(),
            open: self.open.clone(),
        })
    }

    /// Sockets `key` holds now.
    pub fn open(&self, key: &K) -> usize {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .copied()
            .unwrap_or(0)
    }
}

/// One socket's place in its key's count, given back when dropped.
#[derive(Debug)]
pub struct Slot<K: Hash + Eq> {
    key: K,
    open: Arc<Mutex<HashMap<K, usize>>>,
}

impl<K: Hash + Eq> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_key_and_given_back_when_dropped() {
        let counts = SocketCounts::new(2);
        let a1 = counts.claim(&"a").unwrap();
        let _a2 = counts.claim(&"a").unwrap();
        assert!(counts.claim(&"a").is_none());
        let _b = counts.claim(&"b").unwrap();
        drop(a1);
        assert_eq!(counts.open(&"a"), 1);
        assert!(counts.claim(&"a").is_some());
        assert_eq!(counts.open(&"c"), 0);
    }
}
