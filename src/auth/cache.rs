//! A short-lived, per-instance cache of what every request needs to know about its caller.
//! Its time-to-live bounds how long a role change or deactivation takes to bite on other
//! instances; this instance forgets a user as soon as it changes them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::identity::Viewer;

/// What authentication checks besides the token itself.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewerRecord {
    pub viewer: Viewer,
    pub active: bool,
    pub token_version: i32,
    /// Sessions (refresh-token families) still signed in, as read with the record.
    pub live_sessions: Vec<Uuid>,
}

impl ViewerRecord {
    /// Whether a token of `session` issued at `token_version` still stands for this account.
    pub fn admits(&self, token_version: i32, session: Option<Uuid>) -> bool {
        self.active
            && self.token_version == token_version
            && session.is_none_or(|sid| self.live_sessions.contains(&sid))
    }
}

#[derive(Debug)]
pub struct ViewerCache {
    ttl: Duration,
    entries: Mutex<HashMap<Uuid, (Instant, ViewerRecord)>>,
}

impl ViewerCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, user_id: Uuid) -> Option<ViewerRecord> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(&user_id)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, record)| record.clone())
    }

    pub fn put(&self, user_id: Uuid, record: ViewerRecord) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() > 10_000 {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
        }
        entries.insert(user_id, (Instant::now(), record));
    }

    pub fn forget(&self, user_id: Uuid) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&user_id);
    }

    /// Forgets everyone, e.g. after a team's manager changed.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}
