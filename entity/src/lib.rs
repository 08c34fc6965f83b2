//! sea-orm entities: table shapes only. Business rules live in the app's domain services.

pub mod audit_log;
pub mod idempotency_key;
pub mod login_failure;
pub mod refresh_token;
pub mod setting;
pub mod team;
pub mod user;
