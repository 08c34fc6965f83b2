//! Work reports (日报/周报): each evening a seller reports the day, and each Friday the week.
//!
//! - A report drafts itself from the period's records — visits made and missed, follow-ups
//!   logged, deals moved, activities done, money collected from the seller's customers (and,
//!   for a week, the daily reports submitted) — counted in the seller's time zone. The seller
//!   adds a summary, plans and problems and submits; the facts are kept as they stood then.
//! - One report per seller and period, whose id is known before it exists (the draft has it).
//!   Submitting the same text again is a retry; other text revises it at `expectedVersion`.
//!   Days not begun, and periods over more than 31 days ago, are refused.
//! - Read by their owner, the managers of the team they were submitted to, and admins, who
//!   all may comment; a comment tells the owner, the owner's answer tells earlier commenters.
//!   Managers also list who has not reported a day (or week) yet, each as a draft.
//! - A sweep (once across instances) reminds each sales rep once when a workday's report is
//!   still missing after `SALESGRAPH_REPORT_DUE_HOUR` in their zone, and on Fridays the week's.

pub mod facts;
pub mod graphql;
pub mod listing;
pub mod loaders;
pub mod model;
pub mod reminders;
pub mod service;
pub mod types;
