//! Customer health and the grades that follow it.
//!
//! - **Health** (`Customer.health`): five components of 0–100 points — purchasing (won and
//!   paid amounts of the last 365 days), repeat (purchases after the first), influence (the
//!   level a seller picks from the admin's picklist), engagement (completed visits and
//!   follow-ups of the last 90 days) and service (satisfaction less open tickets) — weighted
//!   into a 0–100 score and graded A/B/C by thresholds (`rules.rs` has the formulas; admins
//!   change weights, parameters, thresholds and the picklist with
//!   `updateCustomerHealthRules`).
//! - Computed when read, from the records themselves (`facts.rs`: seven grouped statements per
//!   batch of customers, `loaders.rs`), so it is always current.
//! - **Grade** (`Customer.grade`): a manager's pinned grade (`pinCustomerGrade`, with a reason;
//!   `customers::grading`), else the health's grade. The stored grade that lists filter and
//!   sort on is the pinned one, or the computed one as of the last grade sweep (`sweep.rs`,
//!   every `SALESGRAPH_GRADE_SWEEP_INTERVAL_SECS`), which also tells owners of each change
//!   (`CUSTOMER_GRADE_CHANGED`).

pub mod facts;
pub mod graphql;
pub mod loaders;
pub mod rules;
pub mod store;
pub mod sweep;
pub mod types;
