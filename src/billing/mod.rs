//! Billing (lead to cash, the last mile): collection plans, invoices, payments, waivers and
//! receivables.
//!
//! - An approved or signed contract gets a collection plan (finance, admins; its owner may
//!   propose one while no payment ever reached it, even one reversed since): installments by amount summing exactly to the
//!   contract amount, or by percentage summing to exactly 100 — each rounded half-up to the
//!   cent, the remainder on the last — never mixed. A replacement keeps every installment that
//!   money, an invoice or a waiver points at, unchanged (`INVALID_STATE` otherwise).
//! - Invoices (finance) draw on an installment's uninvoiced amount, tax included; numbers
//!   `INV-<year>-<seq>` without gaps; voiding gives the amount back.
//! - A payment (finance) allocates itself at once to the open installments of its contract, or
//!   of all the customer's contracts, oldest due first; the surplus is the customer's credit,
//!   which the next plan set for that customer consumes. A reversal adds compensating entries;
//!   payments and allocations are never edited or deleted. The same bank reference twice for a
//!   customer is `DUPLICATE`. Every money movement of a customer runs alone (a row lock on the
//!   customer), so concurrent payments never over-allocate.
//! - A waiver goes through the approval engine (policy `WAIVER`, default finance then admin)
//!   and reduces the outstanding amount only once approved.
//! - Installment invariant: `amount = paid + waived + outstanding`, nothing negative; payment
//!   invariant: `amount = allocated − reversed + credit` while received (a reversed payment keeps
//!   nothing standing). `verifyLedger` recomputes both from their sources.
//! - Reps and managers read the receivables of the contracts they may see; only finance and
//!   admins write. A sweep reminds owners and finance once per installment and reminder level.

pub mod graphql;
pub mod inputs;
pub mod invoices;
pub mod ledger;
pub mod loaders;
pub mod model;
pub mod overdue;
pub mod payments;
pub mod plans;
pub mod rebalance;
pub mod receivable_types;
pub mod receivables;
pub mod refund_graphql;
pub mod refund_lists;
pub mod refund_payout;
pub mod refund_types;
pub mod refunds;
pub mod rules;
pub mod types;
pub mod verify;
pub mod waivers;
