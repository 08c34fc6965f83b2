//! Forecast: what the visible pipeline is expected to bring in a period, credited through
//! revenue splits. SQL groups and sums the amounts; the shares and probabilities are applied to
//! each group's exact sum here, so no per-row rounding creeps in.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult};
use uuid::Uuid;

use super::model::{ForecastCategory, OpportunityStatus};
use crate::error::{AppError, AppResult};
use crate::exact_sum::{self, ExactSum};
use crate::identity::Viewer;
use crate::money::Money;
use crate::policy;
use crate::report_scope::Scope;
use entity::{opportunity, opportunity_split, pipeline_stage};

/// Forecast totals (exact money).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub pipeline: Money,
    pub weighted: Money,
    pub commit: Money,
    pub best_case: Money,
    pub closed_won: Money,
}

/// One stage's open or won deals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageLine {
    pub stage_id: Uuid,
    pub deals: i64,
    pub amount: Money,
    pub weighted: Money,
}

/// One month of expected (or actual) closing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthLine {
    pub month: String,
    pub pipeline: Money,
    pub weighted: Money,
    pub closed_won: Money,
}

/// The whole forecast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    pub totals: Totals,
    pub by_stage: Vec<StageLine>,
    pub by_month: Vec<MonthLine>,
}

#[derive(Debug, FromQueryResult)]
struct Group {
    stage_id: Uuid,
    status: String,
    forecast_category: String,
    month: String,
    share: i32,
    probability: i32,
    total: ExactSum,
}

#[derive(Debug, FromQueryResult)]
struct StageCount {
    stage_id: Uuid,
    deals: i64,
}

/// The credited member of a deal row: a split member, or the owner of an unsplit deal.
const CREDIT_USER: &str =
    "COALESCE(\"opportunity_splits\".\"user_id\", \"opportunities\".\"owner_id\")";
/// Their share in hundredths of a percent (10000 for the owner of an unsplit deal).
const CREDIT_SHARE: &str = "COALESCE(\"opportunity_splits\".\"share_basis_points\", 10000)";

fn month_expr(backend: DatabaseBackend) -> Expr {
    match backend {
        DatabaseBackend::Postgres => {
            Expr::cust("to_char(\"opportunities\".\"expected_close_date\", 'YYYY-MM')")
        }
        _ => Expr::cust("substr(\"opportunities\".\"expected_close_date\", 1, 7)"),
    }
}

/// What a deal row brings: its amount, or with a product line its lines of that line.
fn amount_column(product_line: Option<Uuid>) -> &'static str {
    match product_line {
        Some(_) => "\"opportunity_line_items\".\"amount_minor\"",
        None => "\"opportunities\".\"amount_minor\"",
    }
}

/// The filtered join of deals, credits and stages shared by both queries; with a product line,
/// one row per line of that product line instead of one per deal.
fn base(
    viewer: &Viewer,
    scope: Scope,
    (from, to): (NaiveDate, NaiveDate),
    product_line: Option<Uuid>,
) -> SelectStatement {
    // One row per credited member: a left join keeps unsplit deals, credited to their owner.
    let mut query = Query::select()
        .from(opportunity::Entity)
        .left_join(
            opportunity_split::Entity,
            Expr::col((
                opportunity_split::Entity,
                opportunity_split::Column::OpportunityId,
            ))
            .equals((opportunity::Entity, opportunity::Column::Id)),
        )
        .inner_join(
            pipeline_stage::Entity,
            Expr::col((pipeline_stage::Entity, pipeline_stage::Column::Id))
                .equals((opportunity::Entity, opportunity::Column::StageId)),
        )
        .cond_where(policy::opportunities(viewer))
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::Status))
                .ne(OpportunityStatus::Lost.as_str()),
        )
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::ExpectedCloseDate)).gte(from),
        )
        .and_where(Expr::col((opportunity::Entity, opportunity::Column::ExpectedCloseDate)).lte(to))
        .to_owned();
    if let Some(line) = product_line {
        use entity::{opportunity_line_item as item, product};
        query
            .inner_join(
                item::Entity,
                Expr::col((item::Entity, item::Column::OpportunityId))
                    .equals((opportunity::Entity, opportunity::Column::Id)),
            )
            .inner_join(
                product::Entity,
                Expr::col((product::Entity, product::Column::Id))
                    .equals((item::Entity, item::Column::ProductId)),
            )
            .and_where(Expr::col((product::Entity, product::Column::ProductLineId)).eq(line));
    }
    match scope {
        Scope::User(user) => {
            query.and_where(Expr::cust(CREDIT_USER).eq(user));
        }
        Scope::Team(team) => {
            let members = crate::policy::members_of(vec![team]);
            query.and_where(Expr::cust(CREDIT_USER).in_subquery(members));
        }
        Scope::Company => {}
    }
    query
}

fn share_of(total: ExactSum, share: i32, probability: Option<i32>) -> Decimal {
    let mut value = total.to_decimal(0) * Decimal::from(share) / Decimal::from(10_000);
    if let Some(p) = probability {
        value = value * Decimal::from(p) / Decimal::ONE_HUNDRED;
    }
    value
}

fn money(minor: Decimal) -> Money {
    Money::round_half_up_saturating(minor / Decimal::ONE_HUNDRED)
}

/// The forecast of visible deals expected (or, when won, actually) closing from `from` to `to`.
/// Won deals count as closed-won; lost ones not at all; omitted open deals count nowhere but
/// their stage line. With `product_line`, only deals with lines of that product line count,
/// each for those lines' amounts. Errors: `BAD_USER_INPUT` (period).
pub async fn forecast(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    scope: Scope,
    (from, to): (NaiveDate, NaiveDate),
    product_line: Option<Uuid>,
) -> AppResult<Forecast> {
    if to < from {
        return Err(AppError::bad_input(
            "input.to",
            "The period ends before it starts",
        ));
    }
    let backend = db.get_database_backend();
    let mut grouped = base(viewer, scope, (from, to), product_line);
    grouped
        .expr_as(Expr::col((opportunity::Entity, opportunity::Column::StageId)), Alias::new("stage_id"))
        .expr_as(Expr::col((opportunity::Entity, opportunity::Column::Status)), Alias::new("status"))
        .expr_as(Expr::col((opportunity::Entity, opportunity::Column::ForecastCategory)), Alias::new("forecast_category"))
        .expr_as(month_expr(backend), Alias::new("month"))
        .expr_as(Expr::cust(CREDIT_SHARE), Alias::new("share"))
        .expr_as(
            Expr::cust("COALESCE(\"opportunities\".\"probability_override\", \"pipeline_stages\".\"probability\")"),
            Alias::new("probability"),
        )
        .expr_as(Expr::cust(exact_sum::sql(amount_column(product_line))), Alias::new("total"))
        .add_group_by([
            Expr::col((opportunity::Entity, opportunity::Column::StageId)),
            Expr::col((opportunity::Entity, opportunity::Column::Status)),
            Expr::col((opportunity::Entity, opportunity::Column::ForecastCategory)),
            month_expr(backend),
            Expr::cust(CREDIT_SHARE),
            Expr::cust("COALESCE(\"opportunities\".\"probability_override\", \"pipeline_stages\".\"probability\")"),
        ]);
    let groups = Group::find_by_statement(backend.build(&grouped))
        .all(db)
        .await?;

    let mut counted = base(viewer, scope, (from, to), product_line);
    counted
        .expr_as(
            Expr::col((opportunity::Entity, opportunity::Column::StageId)),
            Alias::new("stage_id"),
        )
        .expr_as(
            Expr::cust("CAST(COUNT(DISTINCT \"opportunities\".\"id\") AS BIGINT)"),
            Alias::new("deals"),
        )
        .add_group_by([Expr::col((
            opportunity::Entity,
            opportunity::Column::StageId,
        ))]);
    let counts = StageCount::find_by_statement(backend.build(&counted))
        .all(db)
        .await?;

    let mut totals = [Decimal::ZERO; 5]; // pipeline, weighted, commit, best case, won
    let mut stages: BTreeMap<Uuid, (Decimal, Decimal)> = BTreeMap::new();
    let mut months: BTreeMap<String, [Decimal; 3]> = BTreeMap::new();
    for g in &groups {
        let amount = share_of(g.total, g.share, None);
        let weighted = share_of(g.total, g.share, Some(g.probability));
        let stage = stages.entry(g.stage_id).or_default();
        stage.0 += amount;
        stage.1 += weighted;
        let month = months.entry(g.month.clone()).or_default();
        if g.status == OpportunityStatus::Won.as_str() {
            totals[4] += amount;
            month[2] += amount;
            continue;
        }
        if g.forecast_category == ForecastCategory::Omitted.as_str() {
            continue;
        }
        totals[0] += amount;
        totals[1] += weighted;
        month[0] += amount;
        month[1] += weighted;
        if g.forecast_category == ForecastCategory::Commit.as_str() {
            totals[2] += amount;
        }
        if g.forecast_category == ForecastCategory::Commit.as_str()
            || g.forecast_category == ForecastCategory::BestCase.as_str()
        {
            totals[3] += amount;
        }
    }
    let by_stage = stages
        .into_iter()
        .map(|(stage_id, (amount, weighted))| StageLine {
            stage_id,
            deals: counts
                .iter()
                .find(|c| c.stage_id == stage_id)
                .map_or(0, |c| c.deals),
            amount: money(amount),
            weighted: money(weighted),
        })
        .collect();
    let by_month = months
        .into_iter()
        .map(|(month, [pipeline, weighted, won])| MonthLine {
            month,
            pipeline: money(pipeline),
            weighted: money(weighted),
            closed_won: money(won),
        })
        .collect();
    Ok(Forecast {
        totals: Totals {
            pipeline: money(totals[0]),
            weighted: money(totals[1]),
            commit: money(totals[2]),
            best_case: money(totals[3]),
            closed_won: money(totals[4]),
        },
        by_stage,
        by_month,
    })
}
