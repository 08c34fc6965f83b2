//! Notifications: a per-user feed written in the same transaction as the change that causes
//! it, and pushed live over `notificationReceived` after commit. Each user sees only their own.
//! Kinds so far: a lead assigned to you, your lead returned to the pool.

pub mod graphql;
pub mod service;
