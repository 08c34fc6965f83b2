//! The approval engine: subjects (contracts today, waivers next) pass through ordered steps
//! chosen by an admin-editable policy of amount tiers.
//!
//! - Defaults (seeded by migration): contracts below 100,000 need the submitter's team manager;
//!   from 100,000 the manager then finance; from 1,000,000 the manager, finance, then an admin.
//!   Waivers: finance, then an admin. A threshold belongs to the tier it starts.
//! - `SALES_MANAGER` means the manager of the submitter's team as the database says at decision
//!   time (an admin decides when the team has no active manager but the submitter); `FINANCE` and
//!   `ADMIN` mean any active user of that role. Nobody decides a request they submitted, admins
//!   included, and nobody decides two steps of one request (so a late second tap on a chain
//!   finds its step decided rather than deciding the next). An approver may send the step
//!   position they saw; a request that has moved on answers `INVALID_STATE`.
//! - Submitting locks the contract and freezes its amount, title, dates and terms; every
//!   decision re-checks that the contract is still exactly that. Each step is decided exactly
//!   once: decisions and withdrawals update the request row under its version first, so of two
//!   concurrent clicks one wins and the other gets `INVALID_STATE`.
//! - The last approval approves the contract; a rejection (comment required) rejects it — it
//!   may then be edited and submitted again as a new request; a withdrawal by the submitter
//!   returns it to `DRAFT`.
//! - Approvers are told when a request reaches their step, submitters when a step or the
//!   request is decided: notifications written in the decision's transaction, published after
//!   commit, and delivered live by `approvalEvents`.

pub mod access;
pub mod decisions;
pub mod graphql;
pub mod loaders;
pub mod model;
pub mod policy;
pub mod service;
pub mod types;
