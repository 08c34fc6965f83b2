//! Activities: a seller's to-dos — calls, meetings, visits, e-mails and tasks — on a lead,
//! customer, deal or contract, each due at an instant.
//!
//! - Visible to their owner, the managers of the owner's team and admins; whoever sees one may
//!   change it (a manager reschedules or reassigns their team's). Nobody else learns it exists.
//! - Created for yourself on any record you can see, or (managers, admins) for someone you
//!   manage who can see it. Retries are answered once (`idempotencyKey`, `clientId`); changes
//!   carry `expectedVersion`, so an offline edit never overwrites a newer one.
//! - Reminded once at `remindAt` (the due time less `SALESGRAPH_ACTIVITY_REMINDER_MINUTES`
//!   unless given) and once more when overdue, by a sweep that runs once per period across
//!   instances. Moving the time into the future re-arms both.
//! - A follow-up logged with `nextFollowUpAt` schedules the next activity on the same record.

pub mod agenda_types;
pub mod graphql;
pub mod listing;
pub mod loaders;
pub mod model;
pub mod reminders;
pub mod service;
pub mod types;
