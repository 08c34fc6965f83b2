//! Leads and the public pool (lead to cash, step 1).
//!
//! - A lead is owned by one rep or waits in the pool. Reps see their own leads and the pool;
//!   managers also their teams' leads; admins all; finance none (`FORBIDDEN`).
//! - Status moves forward only: `NEW → CONTACTED → QUALIFIED`, then `convertLead` makes it
//!   `CONVERTED`; `disqualifyLead` ends it as `DISQUALIFIED` from any open status. Converted and
//!   disqualified leads are read-only; any other move is `INVALID_STATE`.
//! - Duplicates: the same normalized phone or e-mail as another lead or a contact is refused as
//!   `DUPLICATE` (with `existingId` when the caller may see it). A similar company name (case,
//!   spacing, punctuation and legal suffixes ignored) is only reported in `possibleDuplicates`.
//! - The score (0–100) comes from BANT, follow-ups and source with admin-editable weights, and is
//!   recomputed on every change to them; grades come from configurable thresholds.
//! - On create the lead goes to the creator (`SELF`), a named rep (`USER`, managers within their
//!   teams and admins), the pool (`POOL`), or the next active rep of a team in turn (`AUTO`); the
//!   rotation lives in the database, so it stays fair across restarts and instances.
//! - Reps claim pool leads up to `SALESGRAPH_LEAD_CLAIM_LIMIT` open leads; concurrent claims of one
//!   lead have exactly one winner. An owned lead without follow-up for
//!   `SALESGRAPH_LEAD_POOL_DAYS` days returns to the pool by a sweep that any number of instances
//!   may run at once. Pool leads show phone and e-mail masked.
//! - Every creation, claim, release, assignment, return, conversion and disqualification is a
//!   `LeadEvent`; every change is audited in its transaction; assignments and returns notify the
//!   rep concerned.
//! - `convertLead` creates (or links a visible) customer and a contact from a `QUALIFIED` lead in
//!   one transaction; the lead's follow-ups then appear on the customer.

pub mod access;
pub mod conversion;
pub mod creation;
pub mod duplicates;
pub mod graphql;
pub mod inputs;
pub mod intake;
pub mod listing;
pub mod loaders;
pub mod model;
pub mod pool;
pub mod rule_store;
pub mod scoring;
pub mod scoring_types;
pub mod service;
pub mod types;
