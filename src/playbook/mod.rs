//! The stage playbook: what a deal must show before it leaves a stage.
//!
//! - Admins give each stage a checklist of exit criteria with the pipeline
//!   (`updatePipelineStages`, `PipelineStage.exitCriteria`). A criterion is `MANUAL` (ticked
//!   with `completeChecklistItem`, with an optional note), `FIELD` (a deal field is set),
//!   `ACTIVITY` (a contact with the deal or its customer was logged, or a visit checked in,
//!   since the deal entered the stage) or `DOCUMENT` (a quote sent or accepted, a live
//!   contract, a file attached to the deal).
//! - `Opportunity.checklist` shows where the deal stands on its current stage's criteria.
//! - `moveOpportunityStage` to a later stage refuses with `INVALID_STATE` and
//!   `extensions.missing` until the required criteria of the current stage and of every open
//!   stage the move skips are met. Managers and admins may override with a reason, which the
//!   stage history keeps with the criteria it skipped, and the audit log records. Moves back,
//!   wins, losses and reopenings are not gated.

pub mod checklist;
pub mod criteria;
pub mod gate;
pub mod graphql;
pub mod loaders;
pub mod model;
pub mod ticks;
pub mod types;
