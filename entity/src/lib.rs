//! sea-orm entities: table shapes only. Business rules live in the app's domain services.

pub mod approval_request;
pub mod approval_step;
pub mod approval_tier;
pub mod assignment_cursor;
pub mod audit_log;
pub mod contact;
pub mod contract;
pub mod customer;
pub mod document_counter;
pub mod follow_up;
pub mod idempotency_key;
pub mod lead;
pub mod lead_event;
pub mod login_failure;
pub mod notification;
pub mod opportunity;
pub mod opportunity_split;
pub mod pipeline_stage;
pub mod refresh_token;
pub mod setting;
pub mod stage_change;
pub mod team;
pub mod user;
pub mod visit_task;
