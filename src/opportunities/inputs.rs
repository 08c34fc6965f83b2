//! GraphQL inputs and payloads of the pipeline's mutations, and the filters of its lists.

use async_graphql::{ID, InputObject, SimpleObject};

use super::types::{ForecastCategory, Opportunity, OpportunityStatus, PipelineStage, StageKind};
use crate::graphql::scalars::{Date, Decimal, Instant};
use entity::opportunity;

/// One member's share in `setOpportunitySplits`.
#[derive(InputObject, Debug)]
pub struct SplitInput {
    /// An active sales rep or manager.
    pub user_id: ID,
    /// Share in percent (above 0, at most two decimals).
    pub percent: Decimal,
}

/// The complete set of revenue splits of a deal.
#[derive(InputObject, Debug)]
pub struct SetOpportunitySplitsInput {
    /// The deal.
    pub id: ID,
    /// Members and shares; the shares sum to exactly 100.
    pub splits: Vec<SplitInput>,
    /// Overlay credit for supporting people without a share (each above 0 and at most 100,
    /// at most 20), on top of the revenue; omitted: the overlays stay as they are.
    pub overlays: Option<Vec<SplitInput>>,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// Retry key: a retried change returns the deal without applying it twice.
    pub idempotency_key: Option<String>,
}

/// A new deal.
#[derive(InputObject, Debug)]
pub struct CreateOpportunityInput {
    /// The customer (one you may see).
    pub customer_id: ID,
    /// Deal name.
    pub name: String,
    /// Deal amount (at most two fraction digits).
    pub amount: Decimal,
    /// When you expect to close it.
    pub expected_close_date: Date,
    /// The open stage to start in; the first open stage when omitted.
    pub stage_id: Option<ID>,
    /// Forecast category (default `PIPELINE`).
    pub forecast_category: Option<ForecastCategory>,
    /// A win probability (0–100) overriding the stage's.
    pub probability: Option<i32>,
    /// What the customer needs (at most 2000 characters).
    pub need: Option<String>,
    /// The customer's budget (at most two fraction digits).
    pub budget: Option<Decimal>,
    /// The customer's contact for the deal (a contact of that customer).
    pub contact_id: Option<ID>,
    /// The customer's contact who decides (a contact of that customer).
    pub decision_maker_id: Option<ID>,
    /// A UUIDv7 your app generated for the new deal (within the last 30 days): the deal
    /// gets it as its UUID, and any id argument accepts it before you learn the deal's id (so a
    /// deal made offline needs no id mapping). Retrying with it and the same input answers
    /// once; a client id another record holds answers `DUPLICATE`.
    pub client_id: Option<ID>,
    /// Retry key: the same key and input return the first result without a second deal.
    pub idempotency_key: Option<String>,
}

/// Changes to an open deal; omitted fields stay.
#[derive(InputObject, Debug)]
pub struct UpdateOpportunityInput {
    /// The deal.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New amount.
    pub amount: Option<Decimal>,
    /// New expected close date.
    pub expected_close_date: Option<Date>,
    /// New forecast category.
    pub forecast_category: Option<ForecastCategory>,
    /// New probability override; `null` returns to the stage's probability.
    pub probability: async_graphql::MaybeUndefined<i32>,
    /// What the customer needs; `null` clears it.
    pub need: async_graphql::MaybeUndefined<String>,
    /// The customer's budget; `null` clears it.
    pub budget: async_graphql::MaybeUndefined<Decimal>,
    /// The customer's contact for the deal; `null` clears it.
    pub contact_id: async_graphql::MaybeUndefined<ID>,
    /// The customer's contact who decides; `null` clears it.
    pub decision_maker_id: async_graphql::MaybeUndefined<ID>,
    /// Hands the deal to another active sales rep or manager (managers within their teams,
    /// admins); the former owner's revenue share goes with it.
    pub owner_id: Option<ID>,
    /// Retry key: a retried update returns the deal without applying it twice.
    pub idempotency_key: Option<String>,
}

/// A move to another open stage.
#[derive(InputObject, Debug)]
pub struct MoveOpportunityStageInput {
    /// The deal.
    pub id: ID,
    /// The open stage to move to.
    pub stage_id: ID,
    /// The `version` the move is based on.
    pub expected_version: i32,
    /// Why, for the history.
    pub note: Option<String>,
    /// Managers and admins only: moves the deal on although exit criteria are unmet, for this
    /// reason (kept in the stage history with the criteria skipped, and audited).
    pub override_reason: Option<String>,
    /// Retry key: a retried move moves the deal once.
    pub idempotency_key: Option<String>,
}

/// Closing a deal as won.
#[derive(InputObject, Debug)]
pub struct WinOpportunityInput {
    /// The deal.
    pub id: ID,
    /// Why it was won: an active reason of `winReasons`.
    pub reason_id: ID,
    /// More about it, in the seller's words (at most 1000 characters).
    pub detail: Option<String>,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// Closing a deal as lost.
#[derive(InputObject, Debug)]
pub struct LoseOpportunityInput {
    /// The deal.
    pub id: ID,
    /// Why it was lost: an active reason of `lossReasons`.
    pub reason_id: ID,
    /// More about it, in the seller's words (at most 1000 characters; before reasons were
    /// picked from a list, this was the reason).
    pub reason: Option<String>,
    /// The competitor who won the deal (named on the deal as `LOST_TO`).
    pub won_by_competitor_id: Option<ID>,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// Bringing a closed deal back.
#[derive(InputObject, Debug)]
pub struct ReopenOpportunityInput {
    /// The deal.
    pub id: ID,
    /// The open stage to return to.
    pub stage_id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// Filters for `opportunities`; all given filters must match, within what you may see.
#[derive(InputObject, Debug, Default)]
pub struct OpportunityFilter {
    /// Only this owner's deals.
    pub owner_id: Option<ID>,
    /// Only deals owned by this team's members.
    pub team_id: Option<ID>,
    /// Only deals in this stage.
    pub stage_id: Option<ID>,
    /// Only these statuses.
    pub statuses: Option<Vec<OpportunityStatus>>,
    /// Expected close on or after this day.
    pub close_from: Option<Date>,
    /// Expected close on or before this day.
    pub close_to: Option<Date>,
    /// Only this customer's deals.
    pub customer_id: Option<ID>,
    /// Amount at least this.
    pub amount_min: Option<Decimal>,
    /// Amount at most this.
    pub amount_max: Option<Decimal>,
    /// Only stale deals.
    pub stale_only: Option<bool>,
    /// Text contained in the name, ignoring case.
    pub search: Option<String>,
    /// Only deals changed at or after this time, and those whose visibility to you changed
    /// (incremental sync: pass the `serverTime` of the previous sync; see `removedIds`).
    pub updated_since: Option<Instant>,
}

/// Declares the payload of a mutation that changes one deal.
macro_rules! opportunity_payload {
    ($($name:ident => $doc:literal),+ $(,)?) => {
        $(
            #[doc = $doc]
            #[derive(SimpleObject, Debug)]
            pub struct $name {
                /// The deal after the change.
                pub opportunity: Opportunity,
            }

            impl From<opportunity::Model> for $name {
                fn from(model: opportunity::Model) -> Self {
                    Self { opportunity: model.into() }
                }
            }
        )+
    };
}

opportunity_payload! {
    CreateOpportunityPayload => "Result of `createOpportunity`.",
    UpdateOpportunityPayload => "Result of `updateOpportunity`.",
    MoveOpportunityStagePayload => "Result of `moveOpportunityStage`.",
    WinOpportunityPayload => "Result of `winOpportunity`.",
    LoseOpportunityPayload => "Result of `loseOpportunity`.",
    ReopenOpportunityPayload => "Result of `reopenOpportunity`.",
    SetOpportunitySplitsPayload => "Result of `setOpportunitySplits`.",
}

/// One stage of a new pipeline configuration.
#[derive(InputObject, Debug)]
pub struct PipelineStageInput {
    /// An existing stage to keep (omit for a new stage).
    pub id: Option<ID>,
    /// Stage name.
    pub name: String,
    /// Win probability in percent.
    pub probability: i32,
    /// Open, won or lost.
    pub kind: StageKind,
    /// Deals staying longer are stale.
    pub max_days_in_stage: Option<i32>,
    /// How the limit is read: `FIXED` (`maxDaysInStage`, the default) or `AUTO` (the observed
    /// 80th percentile of stays once enough deals left the stage).
    pub stale_rule: Option<super::dwell::StaleRule>,
    /// Archived stages take no new deals.
    #[graphql(default)]
    pub archived: bool,
    /// The exit checklist, in order: replaces the stage's (listed ids kept, unlisted ones
    /// removed with their ticks); omitted: the checklist stays as it is.
    pub exit_criteria: Option<Vec<crate::playbook::types::ExitCriterionInput>>,
}

/// The whole pipeline, in order.
#[derive(InputObject, Debug)]
pub struct UpdatePipelineStagesInput {
    /// Every stage in pipeline order; existing stages left out are removed (if unused).
    pub stages: Vec<PipelineStageInput>,
}

/// Result of `updatePipelineStages`.
#[derive(SimpleObject, Debug)]
pub struct UpdatePipelineStagesPayload {
    /// Every stage, archived ones included, in order.
    pub stages: Vec<PipelineStage>,
}

/// Narrows `opportunityStageChanged`; all given fields must match.
#[derive(InputObject, Debug, Default, Clone)]
pub struct StageChangeFilter {
    /// Only this deal.
    pub opportunity_id: Option<ID>,
    /// Only deals of this owner.
    pub owner_id: Option<ID>,
    /// Only deals owned by this team's members.
    pub team_id: Option<ID>,
}

crate::order_input!(
    /// How to order a deal list.
    OpportunityOrder,
    super::model::OpportunityOrderField
);
