//! Hand-offs of the lead-to-cash loop that change several domains in one transaction. Each
//! flow opens the transaction (through the idempotency guard), calls single-domain `…_in`
//! functions in a fixed order, commits, and only then tells the world (notifications, events).
//! Domains never call each other's writes directly; a new hand-off gets a file here.
//!
//! - [`activities`]: to-dos on a record that both their creator and their owner can open.
//! - [`approval_settlement`]: deciding or withdrawing an approval request, and carrying the
//!   result over to its subject (a contract, or a billing waiver).
//! - [`contract_amendment`]: asking to change a signed contract, and applying an approved
//!   change to the contract and its collection plan.
//! - [`contract_cancellation`]: calling a contract off, unless money has reached it.
//! - [`contract_completion`]: closing a signed contract once its orders are delivered and its
//!   collection plan settled.
//! - [`lead_conversion`]: a qualified lead becomes a customer, a contact and a deal.

pub mod activities;
pub mod approval_settlement;
pub mod contract_amendment;
pub mod contract_cancellation;
pub mod contract_completion;
pub mod contract_signing;
pub mod delivery_recording;
pub mod lead_conversion;
pub mod ownership_transfer;
pub mod quote_submission;
pub mod transfer_graphql;
pub mod transfer_types;
