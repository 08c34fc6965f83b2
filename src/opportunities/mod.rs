//! Opportunities and the pipeline (lead to cash, step 3).
//!
//! - Stages are configured by admins: name, order, win probability, kind `OPEN`/`WON`/`LOST`,
//!   optional `maxDaysInStage`. A stage in use cannot be removed (`INVALID_STATE`), only renamed,
//!   reordered or archived; there is always at least one stage of each kind.
//! - An opportunity belongs to a customer the creator may see and is owned by its creator. Reps
//!   see their own, managers their teams', finance and admins all (finance reads only).
//! - Amounts are money (two fraction digits, never negative). The probability comes from the
//!   stage unless overridden per deal (0–100); `weightedAmount` is amount × probability, rounded
//!   half-up to the cent.
//! - Open deals move between open stages (`moveOpportunityStage`), close with
//!   `winOpportunity`/`loseOpportunity` (a reason is required) and come back with
//!   `reopenOpportunity`. A move to the current stage or any move of a closed deal is
//!   `INVALID_STATE`. Every change of stage writes a `StageChange` in the same transaction, with
//!   the whole days spent in the previous stage.
//! - Every mutation takes `expectedVersion` (`CONFLICT` when stale); stage moves, wins, losses and
//!   reopenings also take an `idempotencyKey`, so a phone's retry moves the deal once.
//! - Each committed change of stage is published to `opportunityStageChanged` subscribers who may
//!   see the deal; the owner's managers are notified of wins and losses.
//! - `isStale` means the deal sits longer than its stage's `maxDaysInStage`.

pub mod access;
pub mod close_reasons;
pub mod competitors;
pub mod dwell;
pub mod forecast;
pub mod funnel;
pub mod graphql;
pub mod inputs;
pub mod line_item_types;
pub mod line_items;
pub mod listing;
pub mod live;
pub mod loaders;
pub mod model;
pub mod report_types;
pub mod service;
pub mod split_types;
pub mod splits;
pub mod stage_change_types;
pub mod stage_types;
pub mod stages;
pub mod stale;
pub mod transitions;
pub mod types;
pub mod win_loss;
pub mod win_loss_graphql;
pub mod win_loss_types;
