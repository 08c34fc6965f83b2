//! After-sales: the callbacks a sale is followed with.
//!
//! - **Rules** (admins, `updateCallbackRules`) say when callbacks fall due: by default 7, 30
//!   and 90 days after a contract is signed, or after its last delivery once it has one. Each
//!   rule's callbacks go to customer service (the member with the fewest planned callbacks;
//!   the contract's owner when nobody active is in customer service) or to the owner.
//! - **Planning** is exactly once per rule and contract (a unique index): in the transaction
//!   that signs the contract (`flows::contract_signing`), again in each delivery's
//!   (`flows::delivery_recording`: planned callbacks move to count from the last delivery),
//!   and by the callbacks sweep for contracts signed before (a rule added later, data brought
//!   in). A callback already more than `SALESGRAPH_CALLBACK_GRACE_DAYS` past its day when it
//!   would be planned is not planned.
//! - `PLANNED → DONE` by its assignee only (`completeCallback`, idempotent by key);
//!   `PLANNED → MISSED` by the sweep once the grace days have passed (the assignee was told
//!   once when it became overdue); a missed callback can still be made or moved
//!   (`rescheduleCallback`, its assignee or an admin); rules turned off cancel their planned
//!   and missed callbacks (`CANCELLED`).
//! - A satisfaction of 2 or less tells the contract's owner and the owner's manager, and
//!   gives the owner a call (an activity) for the next day.
//! - Whoever sees a contract sees its callbacks; everyone sees their own.

pub mod graphql;
pub mod loaders;
pub mod model;
pub mod planning;
pub mod rules;
pub mod service;
pub mod sweep;
pub mod types;
