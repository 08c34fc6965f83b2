//! GraphQL types of the pipeline's reports: forecast and funnel.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use super::types::{PipelineStage, stage};
use crate::graphql::scalars::{Date, Decimal};
use entity::pipeline_stage;

crate::string_enum! {
    /// Whose deals a forecast counts.
    ForecastScope {
        /// Your credited share (or that of `userId`).
        Me => "ME",
        /// The credited shares of a team's members (`teamId`, default the team you manage or
        /// belong to).
        Team => "TEAM",
        /// Every deal you may see, in full.
        Company => "COMPANY",
    }
}

impl From<ForecastScope> for crate::report_scope::Breadth {
    fn from(scope: ForecastScope) -> Self {
        match scope {
            ForecastScope::Me => Self::Me,
            ForecastScope::Team => Self::Team,
            ForecastScope::Company => Self::Company,
        }
    }
}

/// What to forecast.
#[derive(InputObject, Debug)]
pub struct ForecastInput {
    /// First day of the period.
    pub from: Date,
    /// Last day of the period.
    pub to: Date,
    /// Whose deals count.
    pub scope: ForecastScope,
    /// The team for `TEAM`.
    pub team_id: Option<ID>,
    /// One user's credited share instead of yours (within what you may see).
    pub user_id: Option<ID>,
    /// Only deals with lines of this product line, each for those lines' amounts.
    pub product_line_id: Option<ID>,
}

/// What visible deals closing in a period are expected to bring, credited through splits.
#[derive(SimpleObject, Debug)]
pub struct Forecast {
    /// Open deals not omitted from the forecast.
    pub pipeline_amount: Decimal,
    /// Open deals not omitted, each times its probability.
    pub weighted_amount: Decimal,
    /// Open deals the sellers commit to.
    pub commit_amount: Decimal,
    /// Open deals in commit or best case.
    pub best_case_amount: Decimal,
    /// Deals won in the period.
    pub closed_won_amount: Decimal,
    /// Closed won + commit in full + best case and pipeline each times its probability
    /// (omitted deals count nowhere).
    pub projected_amount: Decimal,
    /// Deals per category (pipeline, best case, commit, omitted — each alone — and closed
    /// won), always in that order.
    pub by_category: Vec<ForecastCategoryLine>,
    /// Open and won deals per stage.
    pub by_stage: Vec<ForecastStageLine>,
    /// Amounts per month of expected (or actual) close, `YYYY-MM`.
    pub by_month: Vec<ForecastMonthLine>,
}

/// One stage of a forecast.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct ForecastStageLine {
    /// How many deals.
    pub count: i64,
    /// Their credited amount.
    pub amount: Decimal,
    /// Their credited amount times probability.
    pub weighted_amount: Decimal,
    #[graphql(skip)]
    pub stage_id: uuid::Uuid,
}

#[ComplexObject]
impl ForecastStageLine {
    /// The stage.
    async fn stage(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PipelineStage>> {
        Ok(stage(ctx, self.stage_id).await?.map(PipelineStage::from))
    }
}

/// One category of a forecast.
#[derive(SimpleObject, Debug)]
pub struct ForecastCategoryLine {
    /// The category.
    pub category: super::model::ForecastBucket,
    /// How many deals.
    pub count: i64,
    /// Their credited amount.
    pub amount: Decimal,
    /// Their credited amount times probability.
    pub weighted_amount: Decimal,
}

/// One month of a forecast.
#[derive(SimpleObject, Debug)]
pub struct ForecastMonthLine {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Open deals not omitted, expected to close this month.
    pub pipeline_amount: Decimal,
    /// The same, times probability.
    pub weighted_amount: Decimal,
    /// Deals won this month.
    pub closed_won_amount: Decimal,
}

/// What the funnel covers: stage changes in the period, deals of the scope.
#[derive(InputObject, Debug)]
pub struct FunnelInput {
    /// First day of the period.
    pub from: Date,
    /// Last day of the period.
    pub to: Date,
    /// Whose deals count (by owner).
    pub scope: ForecastScope,
    /// The team for `TEAM`.
    pub team_id: Option<ID>,
    /// One owner's deals instead of yours (within what you may see).
    pub user_id: Option<ID>,
    /// Only deals with lines of this product line, each for those lines' amounts.
    pub product_line_id: Option<ID>,
}

/// One stage of the funnel.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct FunnelStage {
    /// Deals in the stage now.
    pub count: i64,
    /// Their amount.
    pub amount: Decimal,
    /// Their amount times probability.
    pub weighted_amount: Decimal,
    /// Of the deals that entered the stage in the period, the fraction (0–1) that later reached
    /// a further stage; null when none entered.
    pub conversion_to_next: Option<f64>,
    /// Average whole days deals spent in the stage, over those that left it in the period; null
    /// when none left.
    pub average_days_in_stage: Option<f64>,
    #[graphql(skip)]
    pub stage_model: pipeline_stage::Model,
}

#[ComplexObject]
impl FunnelStage {
    /// The stage.
    async fn stage(&self) -> PipelineStage {
        self.stage_model.clone().into()
    }
}
