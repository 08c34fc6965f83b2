//! `targetPlan`: the reverse funnel of a won-amount target — how many won deals, deals in play
//! and leads reaching it takes at the conversion rates and deal size observed lately, against
//! what the subject's sellers hold now — and a target suggested from last year's same period.
//!
//! - **Observed** over the planned period and the `lookback − 1` periods of its kind before it
//!   (company days): the sellers' deals closed then (`wonDeals`, `closedDeals`, their won
//!   amount, as owners), the leads they got then and how many became deals, and for each open
//!   stage how many of those closed deals had been in it and how many of them were won.
//! - **Needed**, exact integer arithmetic rounded up: `remaining = max(target − won, 0)`;
//!   `dealsNeeded = ⌈remaining × wonDeals ÷ wonAmount⌉` (remaining ÷ average deal size);
//!   `opportunitiesNeeded = ⌈dealsNeeded × closedDeals ÷ wonDeals⌉` (÷ win rate);
//!   `leadsNeeded = ⌈opportunitiesNeeded × leadsCreated ÷ leadsConverted⌉`; at a stage,
//!   `⌈dealsNeeded × reached ÷ wonFromStage⌉`. Null where a rate is undefined (nothing won).
//! - **Now**: open deals expected to close in the period (in total and per stage, as owners)
//!   and open leads; the shortfalls are what is needed beyond them.
//! - **Suggestion**: last year's same period won amount (credited) × (1 + growth), growth
//!   given or observed: the credited won amount of the `lookback` periods before this one
//!   against the same days a year earlier.
//!
//! A fixed number of statements whatever the number of sellers, stages or deals.

use std::collections::HashMap;

use chrono::NaiveDate;
use futures_util::TryFutureExt;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::periods::Period;
use super::reverse_funnel::{Funnel, Observed, scaled_up};
use super::seller_aggregates::{Closed, Credited, Leads, Window, aggregate, credited};
use super::targets::{Subject, TargetMetric};
use crate::error::{AppError, AppResult};
use crate::exact_sum;
use crate::identity::{Role, Viewer};
use crate::money::Money;
use crate::opportunities::model::OpportunityStatus;
use entity::{lead, opportunity, pipeline_stage, stage_change, team, user};

/// One open stage of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct StagePlan {
    pub stage: pipeline_stage::Model,
    /// Observed closed deals that had been in the stage, and how many of them were won.
    pub reached: i64,
    pub won: i64,
    /// Deals the stage must hold for the deals still needed.
    pub needed: Option<i64>,
    /// Open deals in the stage expected to close in the period, and their amount.
    pub open: i64,
    pub open_minor: i64,
}

/// The plan of a subject for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub target_minor: Option<i64>,
    pub won_minor: i64,
    pub observed_from: NaiveDate,
    pub observed: Observed,
    pub funnel: Option<Funnel>,
    pub open_deals: i64,
    pub open_minor: i64,
    pub open_leads: i64,
    pub stages: Vec<StagePlan>,
    pub previous_won_minor: i64,
    /// The growth rate the suggestion uses (given, or observed); `None` when neither.
    pub growth: Option<Decimal>,
    /// Whether `growth` was observed (else given).
    pub growth_observed: bool,
    pub suggested_minor: Option<i64>,
}

/// Open deals in a stage.
#[derive(Debug, FromQueryResult)]
struct OpenInStage {
    stage_id: Uuid,
    deals: i64,
    total: i64,
}

/// Closed deals that had been in a stage, by outcome.
#[derive(Debug, FromQueryResult)]
struct Reached {
    stage_id: Uuid,
    status: String,
    deals: i64,
}

#[derive(Debug, FromQueryResult)]
struct Counted {
    count: i64,
}

/// The same day a year earlier for the period's kind: 52 weeks back for weeks, 12 months
/// otherwise.
fn year_earlier(period: &Period, day: NaiveDate) -> Option<NaiveDate> {
    if period.is_week() {
        day.checked_sub_days(chrono::Days::new(364))
    } else {
        day.checked_sub_months(chrono::Months::new(12))
    }
}

/// Credited shares of won deals added up, minor units rounded half up.
fn credited_total(rows: &[Credited]) -> i64 {
    let basis: Decimal = rows
        .iter()
        .map(|r| Decimal::from(r.total) * Decimal::from(r.share))
        .sum();
    Money::round_half_up_saturating(basis / Decimal::from(10_000) / Decimal::ONE_HUNDRED).minor()
}

/// Whose figures the plan holds, checked: a user or team that does not exist or the viewer
/// may not see, or a region no team has, is `NOT_FOUND` on `input.scopeId`; sellers of the
/// subject returned.
async fn sellers_of(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    subject: &Subject,
) -> AppResult<Vec<Uuid>> {
    let missing = |what: &str| AppError::not_found(what).with_field("input.scopeId");
    if !super::targets::may_see(db, viewer, subject).await? {
        return Err(match subject {
            Subject::Region(_) | Subject::Company => AppError::forbidden(),
            Subject::User(_) => missing("User"),
            Subject::Team(_) => missing("Team"),
        });
    }
    let sellers = Condition::all()
        .add(user::Column::Role.is_in([Role::SalesRep.as_str(), Role::SalesManager.as_str()]));
    let condition = match subject {
        Subject::User(id) => sellers.add(user::Column::Id.eq(*id)),
        Subject::Team(id) => {
            team::Entity::find_by_id(*id)
                .one(db)
                .await?
                .ok_or_else(|| missing("Team"))?;
            sellers.add(user::Column::TeamId.eq(*id))
        }
        Subject::Region(name) => {
            let teams: Vec<Uuid> = team::Entity::find()
                .filter(team::Column::Region.eq(name.as_str()))
                .all(db)
                .await?
                .into_iter()
                .map(|t| t.id)
                .collect();
            if teams.is_empty() {
                return Err(missing("Region"));
            }
            sellers.add(user::Column::TeamId.is_in(teams))
        }
        Subject::Company => sellers,
    };
    let found: Vec<Uuid> = user::Entity::find()
        .filter(condition)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    if matches!(subject, Subject::User(_)) && found.is_empty() {
        return Err(missing("User"));
    }
    Ok(found)
}

/// What `targetPlan` asks for.
pub struct PlanRequest<'a> {
    pub period: &'a Period,
    pub tz: chrono_tz::Tz,
    pub subject: &'a Subject,
    /// Periods observed, the planned one included (at least 1).
    pub lookback: u32,
    /// A growth rate for the suggestion instead of the observed one.
    pub growth: Option<Decimal>,
}

/// The plan of `request.subject` for `request.period`. Errors: `NOT_FOUND`, `FORBIDDEN`.
pub async fn target_plan(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    request: PlanRequest<'_>,
) -> AppResult<Plan> {
    let PlanRequest {
        period,
        tz,
        subject,
        lookback,
        growth,
    } = request;
    let sellers = sellers_of(db, viewer, subject).await?;
    let lookback = Ord::max(lookback, 1);
    let span = |start: NaiveDate, end: NaiveDate| Period {
        text: period.text.clone(),
        start,
        end,
    };
    let back = |count: u32| period.start_back(count).ok_or_else(AppError::internal);
    let observed_from = back(lookback - 1)?;
    let observed_span = span(observed_from, period.end);
    let recent = span(back(lookback)?, period.start);
    let earlier = span(
        year_earlier(period, recent.start).ok_or_else(AppError::internal)?,
        year_earlier(period, recent.end).ok_or_else(AppError::internal)?,
    );
    let last_year = period.year_before().ok_or_else(AppError::internal)?;
    fn window<'p>(p: &'p Period, tz: chrono_tz::Tz, sellers: &[Uuid]) -> Window<'p> {
        let (start, end) = p.instants(tz);
        Window {
            period: p,
            start,
            end,
            sellers: sellers.to_vec(),
        }
    }
    let (now, observing) = (
        window(period, tz, &sellers),
        window(&observed_span, tz, &sellers),
    );
    let (recent, earlier, last_year) = (
        window(&recent, tz, &sellers),
        window(&earlier, tz, &sellers),
        window(&last_year, tz, &sellers),
    );

    let open = Query::select()
        .from(opportunity::Entity)
        .expr_as(
            Expr::col(opportunity::Column::StageId),
            Alias::new("stage_id"),
        )
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("deals"))
        .expr_as(
            exact_sum::saturating_sql("\"amount_minor\""),
            Alias::new("total"),
        )
        .cond_where(now.open_deals())
        .and_where(opportunity::Column::OwnerId.is_in(sellers.clone()))
        .add_group_by([Expr::col(opportunity::Column::StageId)])
        .to_owned();
    let reached = Query::select()
        .from(stage_change::Entity)
        .inner_join(
            opportunity::Entity,
            Expr::col((opportunity::Entity, opportunity::Column::Id))
                .equals((stage_change::Entity, stage_change::Column::OpportunityId)),
        )
        .expr_as(
            Expr::col((stage_change::Entity, stage_change::Column::ToStageId)),
            Alias::new("stage_id"),
        )
        .expr_as(
            Expr::col((opportunity::Entity, opportunity::Column::Status)),
            Alias::new("status"),
        )
        .expr_as(
            Expr::cust("CAST(COUNT(DISTINCT \"opportunities\".\"id\") AS BIGINT)"),
            Alias::new("deals"),
        )
        .cond_where(observing.closed_in(opportunity::Column::ClosedAt))
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::Status)).is_in([
                OpportunityStatus::Won.as_str(),
                OpportunityStatus::Lost.as_str(),
            ]),
        )
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::OwnerId)).is_in(sellers.clone()),
        )
        .add_group_by([
            Expr::col((stage_change::Entity, stage_change::Column::ToStageId)),
            Expr::col((opportunity::Entity, opportunity::Column::Status)),
        ])
        .to_owned();
    let open_leads = Query::select()
        .from(lead::Entity)
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("count"))
        .and_where(lead::Column::Status.is_in(["NEW", "CONTACTED", "QUALIFIED"]))
        .and_where(lead::Column::OwnerId.is_in(sellers.clone()))
        .to_owned();

    let (won_now, closed, leads, reached, open, open_leads, targets, stages) = tokio::try_join!(
        credited(db, &sellers, now.won_deals()),
        aggregate::<Closed>(db, observing.closed()),
        aggregate::<Leads>(db, observing.leads()),
        aggregate::<Reached>(db, reached),
        aggregate::<OpenInStage>(db, open),
        aggregate::<Counted>(db, open_leads),
        super::targets::of_period(db, period),
        pipeline_stage::Entity::find()
            .filter(pipeline_stage::Column::Kind.eq("OPEN"))
            .order_by_asc(pipeline_stage::Column::Position)
            .all(db)
            .map_err(AppError::from),
    )?;
    let (won_last_year, won_recent, won_earlier) = tokio::try_join!(
        credited(db, &sellers, last_year.won_deals()),
        credited(db, &sellers, recent.won_deals()),
        credited(db, &sellers, earlier.won_deals()),
    )?;

    let mut observed = Observed::default();
    for row in &closed {
        observed.closed_deals += row.deals;
        if row.status == OpportunityStatus::Won.as_str() {
            observed.won_deals += row.deals;
            observed.won_minor = observed.won_minor.saturating_add(row.total);
        }
    }
    for row in &leads {
        observed.leads_created += row.created;
        observed.leads_converted += row.converted;
    }
    let target_minor = super::targets::goal(&targets, subject, TargetMetric::WonAmount);
    let won_minor = credited_total(&won_now);
    let funnel = target_minor.map(|t| observed.reverse(t.saturating_sub(won_minor)));
    let deals_needed = funnel.and_then(|f| f.deals);
    let mut reach: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for row in reached {
        let entry = reach.entry(row.stage_id).or_default();
        entry.0 += row.deals;
        if row.status == OpportunityStatus::Won.as_str() {
            entry.1 += row.deals;
        }
    }
    let open: HashMap<Uuid, (i64, i64)> = open
        .into_iter()
        .map(|r| (r.stage_id, (r.deals, r.total)))
        .collect();
    let stages: Vec<StagePlan> = stages
        .into_iter()
        .map(|stage| {
            let (reached, won) = reach.get(&stage.id).copied().unwrap_or_default();
            let (open, open_minor) = open.get(&stage.id).copied().unwrap_or_default();
            let needed = deals_needed.and_then(|d| {
                if d == 0 {
                    Some(0)
                } else {
                    scaled_up(d, reached, won)
                }
            });
            StagePlan {
                stage,
                reached,
                won,
                needed,
                open,
                open_minor,
            }
        })
        .collect();
    let open_deals = stages.iter().map(|s| s.open).sum();
    let open_minor = stages
        .iter()
        .fold(0_i64, |sum, s| sum.saturating_add(s.open_minor));

    let previous_won_minor = credited_total(&won_last_year);
    let (recent_minor, earlier_minor) = (credited_total(&won_recent), credited_total(&won_earlier));
    let observed_growth = (earlier_minor > 0).then(|| {
        ((Decimal::from(recent_minor) - Decimal::from(earlier_minor))
            / Decimal::from(earlier_minor))
        .round_dp(4)
    });
    let growth_observed = growth.is_none();
    let growth = growth.or(observed_growth);
    let suggested_minor = growth.filter(|_| previous_won_minor > 0).map(|g| {
        let minor = Decimal::from(previous_won_minor) * (Decimal::ONE + g);
        Money::round_half_up_saturating(minor.max(Decimal::ZERO) / Decimal::ONE_HUNDRED).minor()
    });
    Ok(Plan {
        target_minor,
        won_minor,
        observed_from,
        observed,
        funnel,
        open_deals,
        open_minor,
        open_leads: open_leads.first().map_or(0, |c| c.count),
        stages,
        previous_won_minor,
        growth,
        growth_observed,
        suggested_minor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_a_year_earlier_is_52_weeks_back() {
        let week = super::super::periods::parse("2026-W49", "p").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            year_earlier(&week, day),
            NaiveDate::from_ymd_opt(2025, 12, 1)
        );
        let month = super::super::periods::parse("2024-03", "p").unwrap();
        let leap = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(
            year_earlier(&month, leap),
            NaiveDate::from_ymd_opt(2023, 2, 28)
        );
    }
}
