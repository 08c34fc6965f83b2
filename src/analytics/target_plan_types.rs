//! GraphQL shapes and resolver of `targetPlan` (its field is on `AnalyticsQuery`).

use async_graphql::{Context, InputObject, SimpleObject};

use super::target_plan::{PlanRequest, StagePlan};
use super::targets::TargetScope;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Date, Decimal};
use crate::money::Money;
use crate::opportunities::stage_types::PipelineStage;
use rust_decimal::prelude::ToPrimitive;

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Whose won-amount target to plan, and for which period.
#[derive(InputObject, Debug)]
pub struct TargetPlanInput {
    /// `2026-W49` (an ISO week), `2026-11`, `2026-Q4` or `2026` (days of the company time zone).
    pub period: String,
    /// Whose target.
    pub scope: TargetScope,
    /// A user's or team's id, or a region's name; omitted for the company.
    pub scope_id: Option<String>,
    /// The growth over last year the suggested target assumes, as a fraction (`"0.15"` for
    /// 15%, between -1 and 10); omitted: the growth observed.
    pub growth_rate: Option<Decimal>,
}

/// One open stage in the reverse funnel.
#[derive(SimpleObject, Debug)]
pub struct TargetPlanStage {
    /// The stage.
    pub stage: PipelineStage,
    /// Deals closed in the observed periods that had been in the stage.
    pub reached_deals: i64,
    /// Of those, the ones won.
    pub won_deals: i64,
    /// Won ÷ reached; null when none reached it.
    pub win_rate_from_stage: Option<f64>,
    /// Deals the stage must hold to win the deals still needed: ⌈dealsNeeded ÷ that rate⌉;
    /// null without a target or a rate.
    pub deals_needed: Option<i64>,
    /// Open deals in the stage expected to close in the period (owners').
    pub open_deals: i64,
    /// Their amount.
    pub open_amount: Decimal,
    /// Deals needed beyond the open ones (0 when there are enough); null where `dealsNeeded` is.
    pub deals_short: Option<i64>,
}

/// The reverse funnel of a won-amount target and a suggested target.
#[derive(SimpleObject, Debug)]
pub struct TargetPlan {
    /// The period planned.
    pub period: String,
    /// Whose plan.
    pub scope: TargetScope,
    /// The user's or team's id, or the region's name; null for the company.
    pub scope_id: Option<String>,
    /// The `WON_AMOUNT` target; null when none is set.
    pub target: Option<Decimal>,
    /// Won so far in the period (credited through revenue splits).
    pub won_amount: Decimal,
    /// Target − won, never below 0; null without a target.
    pub remaining_amount: Option<Decimal>,
    /// Periods observed: the planned one and those just before it
    /// (`SALESGRAPH_PLAN_LOOKBACK_PERIODS`).
    pub lookback_periods: i32,
    /// First day of the observed periods.
    pub observed_from: Date,
    /// First day after them (the planned period's end).
    pub observed_to: Date,
    /// Deals the sellers won in the observed periods (as owners).
    pub observed_won_deals: i64,
    /// Deals they won or lost then.
    pub observed_closed_deals: i64,
    /// Won ÷ closed.
    pub win_rate: Option<f64>,
    /// The won deals' average amount; null without one.
    pub average_deal_size: Option<Decimal>,
    /// Leads the sellers got in the observed periods.
    pub observed_leads: i64,
    /// Of those, the ones that became deals.
    pub observed_converted_leads: i64,
    /// Converted ÷ leads.
    pub lead_conversion_rate: Option<f64>,
    /// Deals still to win: ⌈remaining ÷ average deal size⌉; null without a target or a deal
    /// size.
    pub deals_needed: Option<i64>,
    /// Deals to have in play: ⌈dealsNeeded ÷ win rate⌉.
    pub opportunities_needed: Option<i64>,
    /// Leads to have: ⌈opportunitiesNeeded ÷ lead conversion rate⌉.
    pub leads_needed: Option<i64>,
    /// Open deals expected to close in the period (owners').
    pub open_opportunities: i64,
    /// Their amount.
    pub open_pipeline_amount: Decimal,
    /// Open leads the sellers own now.
    pub open_leads: i64,
    /// Deals to bring into play beyond the open ones (0 when there are enough).
    pub opportunities_short: Option<i64>,
    /// New leads to find for those deals beyond the open leads (0 when there are enough).
    pub leads_short: Option<i64>,
    /// Per open stage, in pipeline order.
    pub stages: Vec<TargetPlanStage>,
    /// Won in the same period a year earlier (credited).
    pub previous_period_won_amount: Decimal,
    /// The growth the suggestion assumes: the one given, or the observed credited won amount
    /// of the lookback periods before this one against the same days a year earlier; null
    /// when neither.
    pub growth_rate: Option<f64>,
    /// Whether `growthRate` was observed (else given).
    pub growth_observed: bool,
    /// Last year's won amount × (1 + growth rate), never below 0; null without either.
    pub suggested_target: Option<Decimal>,
}

/// `targetPlan`.
pub(super) async fn target_plan(
    ctx: &Context<'_>,
    input: TargetPlanInput,
) -> async_graphql::Result<TargetPlan> {
    let viewer = ctx.viewer()?;
    let app = ctx.app();
    let period = super::periods::parse(&input.period, "input.period")?;
    let subject = super::graphql::subject(input.scope, input.scope_id.as_deref(), "input.scopeId")?;
    let growth = input.growth_rate.map(|g| g.0);
    if growth.is_some_and(|g| g < -rust_decimal::Decimal::ONE || g > rust_decimal::Decimal::TEN) {
        return Err(AppError::bad_input(
            "input.growthRate",
            "A growth rate is a fraction between -1 and 10",
        )
        .into());
    }
    let lookback = app.config.plan_lookback_periods;
    let plan = super::target_plan::target_plan(
        &app.db,
        viewer,
        PlanRequest {
            period: &period,
            tz: app.config.company_tz(),
            subject: &subject,
            lookback,
            growth,
        },
    )
    .await?;
    let observed = plan.observed;
    let short = |needed: Option<i64>, open: i64| needed.map(|n| (n - open).max(0));
    let funnel = plan.funnel;
    let opportunities_short = short(funnel.and_then(|f| f.opportunities), plan.open_deals);
    Ok(TargetPlan {
        period: period.text.clone(),
        scope: subject.scope(),
        scope_id: super::graphql::scope_id_of(&subject),
        target: plan.target_minor.map(money),
        won_amount: money(plan.won_minor),
        remaining_amount: plan
            .target_minor
            .map(|t| money(t.saturating_sub(plan.won_minor).max(0))),
        lookback_periods: i32::try_from(lookback).unwrap_or(i32::MAX),
        observed_from: Date(plan.observed_from),
        observed_to: Date(period.end),
        observed_won_deals: observed.won_deals,
        observed_closed_deals: observed.closed_deals,
        win_rate: rate(observed.won_deals, observed.closed_deals),
        average_deal_size: (observed.won_deals > 0).then(|| {
            Decimal(
                Money::round_half_up_saturating(
                    rust_decimal::Decimal::from(observed.won_minor)
                        / rust_decimal::Decimal::from(observed.won_deals)
                        / rust_decimal::Decimal::ONE_HUNDRED,
                )
                .to_decimal(),
            )
        }),
        observed_leads: observed.leads_created,
        observed_converted_leads: observed.leads_converted,
        lead_conversion_rate: rate(observed.leads_converted, observed.leads_created),
        deals_needed: funnel.and_then(|f| f.deals),
        opportunities_needed: funnel.and_then(|f| f.opportunities),
        leads_needed: funnel.and_then(|f| f.leads),
        open_opportunities: plan.open_deals,
        open_pipeline_amount: money(plan.open_minor),
        open_leads: plan.open_leads,
        opportunities_short,
        leads_short: opportunities_short.and_then(|o| observed.leads_short(o, plan.open_leads)),
        stages: plan
            .stages
            .into_iter()
            .map(|s: StagePlan| TargetPlanStage {
                reached_deals: s.reached,
                won_deals: s.won,
                win_rate_from_stage: rate(s.won, s.reached),
                deals_needed: s.needed,
                open_deals: s.open,
                open_amount: money(s.open_minor),
                deals_short: short(s.needed, s.open),
                stage: s.stage.into(),
            })
            .collect(),
        previous_period_won_amount: money(plan.previous_won_minor),
        growth_rate: plan.growth.and_then(|g| g.to_f64()),
        growth_observed: plan.growth_observed && plan.growth.is_some(),
        suggested_target: plan.suggested_minor.map(money),
    })
}
