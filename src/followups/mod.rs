//! Follow-ups: the calls, visits, e-mails, meetings and notes logged against a lead, a customer
//! or an opportunity (which also shows them on its customer).
//!
//! - Logging one is idempotent by `idempotencyKey`, so a phone may retry it.
//! - On a lead it counts toward engagement (the score), moves a `NEW` lead to `CONTACTED`, and
//!   pushes the lead's pool deadline to `SALESGRAPH_LEAD_POOL_DAYS` days from now. Pool,
//!   converted and disqualified leads take no follow-ups (`INVALID_STATE`).
//! - `occurredAt` defaults to now and may not lie more than five minutes in the future;
//!   `nextFollowUpAt` must come after it.
//! - Follow-ups of a lead appear on the customer it is converted into.
//! - `nextFollowUpAt` schedules the next activity (a call after a call, a task after a note)
//!   on the same record, for the author, reminded like any other.

pub mod graphql;
pub mod loaders;
pub mod model;
pub mod service;
pub mod types;
