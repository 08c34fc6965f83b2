//! GraphQL types of the forecast review: submissions, adjustments, and what the pipeline
//! shows before one submits.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::users::loaders::{TeamLoader, UserLoader};
use crate::users::types::{Team, User};
use entity::{forecast_adjustment, forecast_submission};

crate::string_enum! {
    /// Whom a forecast submission speaks for.
    ForecastLevel {
        /// A seller's own deals.
        Rep => "REP",
        /// A team's roll-up.
        Team => "TEAM",
    }
}

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

/// The pipeline's numbers for a period, to prefill a submission.
#[derive(SimpleObject, Debug)]
pub struct ForecastDraft {
    /// The period.
    pub period: String,
    /// Won + open commit.
    pub commit: Decimal,
    /// Won + open best case (commit included).
    pub best_case: Decimal,
}

/// A forecast someone stands behind for a period.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct ForecastSubmission {
    /// Opaque, globally unique identifier (for `submissionId` arguments).
    pub id: ID,
    /// `2026-12` or `2026-Q4`.
    pub period: String,
    /// A seller's own, or a team's roll-up.
    pub level: ForecastLevel,
    /// The commitment submitted.
    pub commit: Decimal,
    /// The best case submitted.
    pub best_case: Decimal,
    /// What the pipeline (or, for a team, its sellers' reviewed submissions) showed then.
    pub computed_commit: Decimal,
    /// The same for best case.
    pub computed_best_case: Decimal,
    /// The manager's latest adjustment of the commitment; null when none.
    pub adjusted_commit: Option<Decimal>,
    /// The manager's latest adjustment of the best case.
    pub adjusted_best_case: Option<Decimal>,
    /// The submitter's note.
    pub note: Option<String>,
    /// When it was submitted.
    pub submitted_at: Instant,
    #[graphql(skip)]
    pub model: forecast_submission::Model,
}

#[ComplexObject]
impl ForecastSubmission {
    /// The seller (for `REP`).
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.model.user_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(id)
            .await?
            .map(User::from))
    }

    /// The team (the seller's when submitted, or the rolled-up team).
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Team>> {
        let Some(id) = self.model.team_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<TeamLoader>()?
            .load_one(id)
            .await?
            .map(Team::from))
    }

    /// Who submitted it.
    async fn submitted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(self.model.submitted_by)
            .await?
            .map(User::from))
    }

    /// Every adjustment, oldest first.
    async fn adjustments(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ForecastAdjustment>> {
        Ok(ctx
            .loader::<super::loaders::AdjustmentsBySubmission>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(ForecastAdjustment::from)
            .collect())
    }
}

impl From<forecast_submission::Model> for ForecastSubmission {
    fn from(model: forecast_submission::Model) -> Self {
        Self {
            id: encode_id(NodeType::ForecastSubmission, model.id),
            period: model.period.clone(),
            level: ForecastLevel::parse(&model.level).unwrap_or(ForecastLevel::Rep),
            commit: money(model.commit_minor),
            best_case: money(model.best_case_minor),
            computed_commit: money(model.computed_commit_minor),
            computed_best_case: money(model.computed_best_case_minor),
            adjusted_commit: model.adjusted_commit_minor.map(money),
            adjusted_best_case: model.adjusted_best_case_minor.map(money),
            note: model.note.clone(),
            submitted_at: model.submitted_at.into(),
            model,
        }
    }
}

/// A manager's adjustment of a seller's forecast.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct ForecastAdjustment {
    /// The commitment as adjusted.
    pub commit: Decimal,
    /// The best case as adjusted.
    pub best_case: Decimal,
    /// Why.
    pub note: String,
    /// When.
    pub adjusted_at: Instant,
    #[graphql(skip)]
    pub adjusted_by: uuid::Uuid,
}

#[ComplexObject]
impl ForecastAdjustment {
    /// Who adjusted it.
    async fn adjusted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(self.adjusted_by)
            .await?
            .map(User::from))
    }
}

impl From<forecast_adjustment::Model> for ForecastAdjustment {
    fn from(model: forecast_adjustment::Model) -> Self {
        Self {
            commit: money(model.commit_minor),
            best_case: money(model.best_case_minor),
            note: model.note,
            adjusted_at: model.adjusted_at.into(),
            adjusted_by: model.adjusted_by,
        }
    }
}

/// A seller's forecast for an open month or quarter.
#[derive(InputObject, Debug)]
pub struct SubmitForecastInput {
    /// `2026-12` or `2026-Q4` (not yet over).
    pub period: String,
    /// The commitment; the pipeline's (won + commit) when omitted.
    pub commit: Option<Decimal>,
    /// The best case; the pipeline's when omitted.
    pub best_case: Option<Decimal>,
    /// A note for the manager (at most 2000 characters).
    pub note: Option<String>,
    /// Retrying with the same key replays the first result instead of submitting twice.
    pub idempotency_key: Option<String>,
}

/// A manager's adjustment of a seller's submission.
#[derive(InputObject, Debug)]
pub struct AdjustForecastInput {
    /// The seller's submission (one of a team you manage).
    pub submission_id: ID,
    /// The commitment you stand behind.
    pub commit: Decimal,
    /// The best case you stand behind.
    pub best_case: Decimal,
    /// Why (required).
    pub note: String,
    /// Retrying with the same key replays the first result instead of submitting twice.
    pub idempotency_key: Option<String>,
}

/// A team's roll-up for an open month or quarter.
#[derive(InputObject, Debug)]
pub struct SubmitTeamForecastInput {
    /// `2026-12` or `2026-Q4`.
    pub period: String,
    /// A team you manage.
    pub team_id: ID,
    /// The team's commitment; the sum of its sellers' reviewed submissions when omitted.
    pub commit: Option<Decimal>,
    /// The team's best case, likewise.
    pub best_case: Option<Decimal>,
    /// A note.
    pub note: Option<String>,
    /// Retrying with the same key replays the first result instead of submitting twice.
    pub idempotency_key: Option<String>,
}

/// Which submissions to list; all given filters must match, within what you may see.
#[derive(InputObject, Debug, Default)]
pub struct ForecastSubmissionFilter {
    /// Only this period.
    pub period: Option<String>,
    /// Only this team's.
    pub team_id: Option<ID>,
    /// Only this seller's.
    pub user_id: Option<ID>,
}

/// Result of `submitForecast`, `adjustForecast` and `submitTeamForecast`.
#[derive(SimpleObject, Debug)]
pub struct ForecastSubmissionPayload {
    /// The submission after the change.
    pub submission: ForecastSubmission,
}

/// One team's line in the company forecast.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct TeamForecastLine {
    /// The team's latest roll-up for the period; null until its manager submits one.
    pub roll_up: Option<ForecastSubmission>,
    /// What its sellers' latest submissions commit, as their manager adjusted them.
    pub sellers_commit: Decimal,
    /// Likewise for the best case.
    pub sellers_best_case: Decimal,
    /// How many of its sellers submitted for the period.
    pub sellers_submitted: i32,
    #[graphql(skip)]
    pub team: entity::team::Model,
}

#[ComplexObject]
impl TeamForecastLine {
    /// The team.
    async fn team(&self) -> Team {
        Team::from(self.team.clone())
    }
}

/// The company's forecast for a period: every team's roll-up, their sum, and the pipeline.
#[derive(SimpleObject, Debug)]
pub struct CompanyForecast {
    /// `2026-12` or `2026-Q4`.
    pub period: String,
    /// Every team, by name.
    pub teams: Vec<TeamForecastLine>,
    /// The sum of the teams' latest roll-ups (the company's commitment).
    pub commit: Decimal,
    /// The sum of the teams' latest roll-up best cases.
    pub best_case: Decimal,
    /// How many teams submitted a roll-up.
    pub teams_submitted: i32,
    /// The sum of every seller's latest reviewed submission, in a team or not.
    pub sellers_commit: Decimal,
    /// Likewise for the best case.
    pub sellers_best_case: Decimal,
    /// What the company pipeline shows: won + open commit in the period.
    pub pipeline_commit: Decimal,
    /// Won + open best case (commit included) in the period.
    pub pipeline_best_case: Decimal,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<super::forecast_company::CompanyForecast> for CompanyForecast {
    fn from(c: super::forecast_company::CompanyForecast) -> Self {
        let teams_submitted = count(c.teams.iter().filter(|l| l.roll_up.is_some()).count());
        Self {
            period: c.period.text,
            teams: c
                .teams
                .into_iter()
                .map(|l| TeamForecastLine {
                    roll_up: l.roll_up.map(ForecastSubmission::from),
                    sellers_commit: money(l.sellers.0),
                    sellers_best_case: money(l.sellers.1),
                    sellers_submitted: count(l.sellers_submitted),
                    team: l.team,
                })
                .collect(),
            commit: money(c.rolled_up.0),
            best_case: money(c.rolled_up.1),
            teams_submitted,
            sellers_commit: money(c.sellers.0),
            sellers_best_case: money(c.sellers.1),
            pipeline_commit: Decimal(c.pipeline.commit.to_decimal()),
            pipeline_best_case: Decimal(c.pipeline.best_case.to_decimal()),
        }
    }
}
