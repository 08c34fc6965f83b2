//! Contracts (lead to cash, step 5): what the company agrees to sign.
//!
//! - A contract is drafted by a seller for a customer they may see, or from a deal that is won
//!   or in the last open stage (customer and amount then come from the deal). Its number,
//!   `C-<year>-<seq>`, counts per calendar year of the company's time zone without gaps or
//!   duplicates, even under concurrent creation.
//! - `DRAFT → PENDING_APPROVAL → APPROVED → SIGNED → COMPLETED`; a rejection sends it to
//!   `REJECTED` (editable, resubmitted as a new request); a withdrawal back to `DRAFT`; `DRAFT`,
//!   `REJECTED` and `APPROVED` contracts may be cancelled. Only `DRAFT` and `REJECTED` contracts
//!   are editable: a pending or approved contract is locked (`INVALID_STATE`).
//! - Visible to their owner (managers: their teams'), to whoever sees the customer, to finance
//!   and admins. The owner, the managers who see it and admins change it; finance may sign and
//!   complete but not draft, edit or cancel.
//! - Approval runs through the approval engine (`approvals`), which freezes the submitted
//!   content and settles the contract when the chain ends.

pub mod access;
pub mod amendment_types;
pub mod amendments;
pub mod approval;
pub mod from_quote;
pub mod graphql;
pub mod lifecycle;
pub mod listing;
pub mod loaders;
pub mod rules;
pub mod service;
pub mod types;
