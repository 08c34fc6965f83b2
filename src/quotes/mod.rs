//! Quotes (lead to cash, between the deal and the contract): a priced offer drawn from a deal's
//! line items, approved when discounted beyond what is allowed, sent, accepted or turned down.
//!
//! - Whoever may see a deal sees its quotes; whoever may change the deal (its owner, their
//!   managers, admins) drafts, edits, submits and moves them on. Finance reads them.
//! - Numbers are `Q-<year>-<six digits>`, gapless per year like contracts.
//! - Money: each line's gross (quantity × unit price) and amount (less its discount) are
//!   rounded half-up once; `subtotal` = Σ gross, `discountTotal` = subtotal − Σ amounts, the
//!   tax is rounded once on the amount, `total` = amount + tax.
//! - Status: `DRAFT` (the only editable one) → `submitQuote` → `APPROVED`, or
//!   `PENDING_APPROVAL` when a line is discounted beyond its product line's allowance or the
//!   whole quote beyond the quote settings' threshold (both measured against the price book);
//!   the approval engine's `QUOTE` policy then decides (its tiers in discount percent). A
//!   rejected or withdrawn request returns the quote to `DRAFT`. `APPROVED` → `SENT` →
//!   `ACCEPTED` or `REJECTED`; a quote past `validUntil` is neither sent nor accepted, and the
//!   daily sweep marks drafts, approved and sent ones `EXPIRED`.
//! - At most one quote of a deal is accepted at a time (a partial unique index decides races);
//!   an accepted quote makes one contract (`createContract(input: {quoteId})`).

pub mod access;
pub mod approval;
pub mod document;
pub mod expiry;
pub mod graphql;
pub mod loaders;
pub mod model;
pub mod names;
pub mod service;
pub mod settings;
pub mod sheet;
pub mod steps;
pub mod types;
