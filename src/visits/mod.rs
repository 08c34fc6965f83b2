//! Field visits (lead to cash, step 4): what a rep does on the road.
//!
//! - A visit task links a customer (required, visible to the assignee), and optionally a contact
//!   and a deal of that customer and an open lead of the assignee. Address and location default
//!   to the customer's. Reps plan for themselves; managers for themselves and the reps of their
//!   teams; admins for any active seller; finance neither sees nor plans visits.
//! - `PLANNED → IN_PROGRESS → COMPLETED`, `PLANNED → CANCELLED`, `PLANNED → MISSED`; only a
//!   planned task is rescheduled. Any other move is `INVALID_STATE`.
//! - Each task's local day is fixed, in the assignee's time zone, when it is planned or
//!   rescheduled; a day already over cannot be planned. A sweep marks tasks still planned after
//!   their day as missed and tells the assignee's manager (once, under an advisory lock on
//!   PostgreSQL).
//! - Only the assignee checks in and out. Check-in records server and device time and position;
//!   the great-circle distance to the visit's location decides `onSite` (within
//!   `SALESGRAPH_CHECKIN_RADIUS_METERS`, widened by the reported accuracy up to
//!   `SALESGRAPH_CHECKIN_ACCURACY_CAP_METERS`). Without a location the check-in is accepted
//!   unverified (`onSite: null`). A device time more than `SALESGRAPH_CHECKIN_MAX_DELAY_SECS`
//!   behind or `SALESGRAPH_CHECKIN_MAX_AHEAD_SECS` ahead of the server is `BAD_USER_INPUT`.
//! - Check-out needs a check-in, records the report, logs a `VISIT` follow-up on the customer
//!   (renewing the linked lead's pool deadline) and, with `nextVisitAt`, plans the next visit —
//!   all in one transaction.
//! - Every mutation takes an `idempotencyKey` (replays return the first result, even hours
//!   later) and `expectedVersion` (`CONFLICT` with the current version when stale; optional on
//!   check-in and check-out, whose state machine already refuses a second application).
//! - `visitTasks(filter: {updatedSince})` returns everything changed since, cancelled and missed
//!   tasks included, with a `serverTime` to pass next time: a phone syncs its cache in deltas.

pub mod field;
pub mod geo;
pub mod graphql;
pub mod inputs;
pub mod listing;
pub mod loaders;
pub mod missed;
pub mod report_types;
pub mod route;
pub mod rules;
pub mod service;
pub mod stats;
pub mod types;
