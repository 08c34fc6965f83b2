//! Resolvers of the forecast review.

use async_graphql::{Context, Object};

use super::forecast_company as company;
use super::forecast_review as review;
use super::forecast_review_types::{
    AdjustForecastInput, CompanyForecast, ForecastDraft, ForecastSubmission,
    ForecastSubmissionFilter, ForecastSubmissionPayload, SubmitForecastInput,
    SubmitTeamForecastInput,
};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{SALES_NUMBERS, SignedIn};
use crate::graphql::scalars::Decimal;
use crate::ids::{NodeType, decode_id, decode_optional};
use crate::money::Money;
use crate::report_scope::Scope;

/// A forecast amount: exact, in range, not negative. Errors: `BAD_USER_INPUT` on `field`.
fn amount(value: Decimal, field: &str) -> AppResult<Money> {
    let minor = Decimal::minor(value, field)?;
    if minor < 0 {
        return Err(AppError::bad_input(field, "A forecast is not negative"));
    }
    Ok(Money::from_minor(minor))
}

fn optional_amount(value: Option<Decimal>, field: &str) -> AppResult<Option<Money>> {
    value.map(|v| amount(v, field)).transpose()
}

/// The forecast review's queries.
#[derive(Default)]
pub struct ForecastReviewQuery;

#[Object]
impl ForecastReviewQuery {
    /// What the pipeline shows for your deals in a month or quarter not yet over: the numbers
    /// `submitForecast` starts from.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn forecast_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`2026-12` or `2026-Q4`.")] period: String,
    ) -> async_graphql::Result<ForecastDraft> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let today = crate::calendar::today(app.config.company_tz(), app.clock.now());
        let period = review::open_period(&period, today)?;
        let draft = review::draft(&app.db, viewer, Scope::User(viewer.user_id), &period).await?;
        Ok(ForecastDraft {
            period: period.text,
            commit: Decimal(draft.commit.to_decimal()),
            best_case: Decimal(draft.best_case.to_decimal()),
        })
    }

    /// The company's forecast for a month or quarter (admins): every team's latest roll-up
    /// beside its sellers' reviewed submissions, their sums, and the company pipeline.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn company_forecast(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`2026-12` or `2026-Q4`, over or not.")] period: String,
    ) -> async_graphql::Result<CompanyForecast> {
        let viewer = ctx.viewer()?;
        Ok(company::company(&ctx.app().db, viewer, &period)
            .await?
            .into())
    }

    /// Forecast submissions you may see, newest first (at most 500): yours, those of the teams
    /// you manage, or (admins) all — every submission and adjustment kept.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn forecast_submissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which submissions.")] filter: Option<ForecastSubmissionFilter>,
    ) -> async_graphql::Result<Vec<ForecastSubmission>> {
        let viewer = ctx.viewer()?;
        let filter = filter.unwrap_or_default();
        let team = decode_optional(filter.team_id.as_ref(), NodeType::Team, "filter.teamId")?;
        let user = decode_optional(filter.user_id.as_ref(), NodeType::User, "filter.userId")?;
        Ok(
            review::list(&ctx.app().db, viewer, filter.period.as_deref(), team, user)
                .await?
                .into_iter()
                .map(ForecastSubmission::from)
                .collect(),
        )
    }
}

/// The forecast review's mutations.
#[derive(Default)]
pub struct ForecastReviewMutation;

#[Object]
impl ForecastReviewMutation {
    /// Submits the forecast you stand behind for a month or quarter not yet over.
    #[graphql(guard = "SignedIn")]
    async fn submit_forecast(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SubmitForecastInput`.")]
        input: SubmitForecastInput,
    ) -> async_graphql::Result<ForecastSubmissionPayload> {
        let viewer = ctx.viewer()?;
        let commit = optional_amount(input.commit, "input.commit")?;
        let best_case = optional_amount(input.best_case, "input.bestCase")?;
        let submitted = review::submit(
            ctx.app(),
            viewer,
            &input.period,
            (commit, best_case),
            input.note,
            input.idempotency_key,
        )
        .await?;
        Ok(ForecastSubmissionPayload {
            submission: submitted.into(),
        })
    }

    /// Adjusts a seller's submission of a team you manage, with a note.
    #[graphql(guard = "SignedIn")]
    async fn adjust_forecast(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `AdjustForecastInput`.")]
        input: AdjustForecastInput,
    ) -> async_graphql::Result<ForecastSubmissionPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(
            &input.submission_id,
            NodeType::ForecastSubmission,
            "input.submissionId",
        )?;
        let commit = amount(input.commit, "input.commit")?;
        let best_case = amount(input.best_case, "input.bestCase")?;
        let adjusted = review::adjust(
            ctx.app(),
            viewer,
            id,
            (commit, best_case),
            &input.note,
            input.idempotency_key,
        )
        .await?;
        Ok(ForecastSubmissionPayload {
            submission: adjusted.into(),
        })
    }

    /// Submits the roll-up of a team you manage.
    #[graphql(guard = "SignedIn")]
    async fn submit_team_forecast(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SubmitTeamForecastInput`.")]
        input: SubmitTeamForecastInput,
    ) -> async_graphql::Result<ForecastSubmissionPayload> {
        let viewer = ctx.viewer()?;
        let team = decode_id(&input.team_id, NodeType::Team, "input.teamId")?;
        let commit = optional_amount(input.commit, "input.commit")?;
        let best_case = optional_amount(input.best_case, "input.bestCase")?;
        let submitted = review::submit_team(
            ctx.app(),
            viewer,
            &input.period,
            team,
            (commit, best_case),
            input.note,
            input.idempotency_key,
        )
        .await?;
        Ok(ForecastSubmissionPayload {
            submission: submitted.into(),
        })
    }
}
