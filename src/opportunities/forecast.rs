//! Forecast: what the visible pipeline is expected to bring in a period, credited through
//! revenue splits. SQL groups and sums the amounts; the shares and probabilities are applied to
//! each group's exact sum here, so no per-row rounding creeps in.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult};
use uuid::Uuid;

use super::model::{ForecastBucket, ForecastCategory, OpportunityStatus};
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

/// One forecast category's deals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryLine {
    pub category: ForecastBucket,
    pub deals: i64,
    pub amount: Money,
    pub weighted: Money,
}

/// Every category, in the order lines are reported.
pub const BUCKETS: [ForecastBucket; 5] = [
    ForecastBucket::Pipeline,
    ForecastBucket::BestCase,
    ForecastBucket::Commit,
    ForecastBucket::Omitted,
    ForecastBucket::ClosedWon,
];

/// The whole forecast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    pub totals: Totals,
    pub by_stage: Vec<StageLine>,
    pub by_month: Vec<MonthLine>,
    pub by_category: Vec<CategoryLine>,
    /// Closed won + commit in full + best case and pipeline each times its probability.
    pub projected: Money,
}

/// The category a group of deals reports under: won deals as closed won, open ones by their
/// forecast category (`None`: lost, which the forecast leaves out).
fn bucket_of(status: &str, category: &str) -> Option<ForecastBucket> {
    if status == OpportunityStatus::Won.as_str() {
        return Some(ForecastBucket::ClosedWon);
    }
    if status != OpportunityStatus::Open.as_str() {
        return None;
    }
    Some(match ForecastCategory::parse(category) {
        Some(ForecastCategory::BestCase) => ForecastBucket::BestCase,
        Some(ForecastCategory::Commit) => ForecastBucket::Commit,
        Some(ForecastCategory::Omitted) => ForecastBucket::Omitted,
        _ => ForecastBucket::Pipeline,
    })
}

/// What the forecast projects from its category sums (minor units, unrounded): closed won and
/// commit count in full, best case and pipeline by probability, omitted not at all.
pub fn projected(lines: &HashMap<ForecastBucket, (Decimal, Decimal)>) -> Decimal {
    let amount = |b| lines.get(&b).map_or(Decimal::ZERO, |l| l.0);
    let weighted = |b| lines.get(&b).map_or(Decimal::ZERO, |l| l.1);
    amount(ForecastBucket::ClosedWon)
        + amount(ForecastBucket::Commit)
        + weighted(ForecastBucket::BestCase)
        + weighted(ForecastBucket::Pipeline)
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
    status: String,
    forecast_category: String,
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
            .equals((opportunity::Entity, opportunity::Column::Id))
            // Overlay credit is reported apart, never in the revenue.
            .and(
                Expr::col((opportunity_split::Entity, opportunity_split::Column::Kind))
                    .eq(crate::opportunities::splits::REVENUE),
            ),
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
            Expr::col((opportunity::Entity, opportunity::Column::Status)),
            Alias::new("status"),
        )
        .expr_as(
            Expr::col((opportunity::Entity, opportunity::Column::ForecastCategory)),
            Alias::new("forecast_category"),
        )
        .expr_as(
            Expr::cust("CAST(COUNT(DISTINCT \"opportunities\".\"id\") AS BIGINT)"),
            Alias::new("deals"),
        )
        .add_group_by([
            Expr::col((opportunity::Entity, opportunity::Column::StageId)),
            Expr::col((opportunity::Entity, opportunity::Column::Status)),
            Expr::col((opportunity::Entity, opportunity::Column::ForecastCategory)),
        ]);
    let counts = StageCount::find_by_statement(backend.build(&counted))
        .all(db)
        .await?;

    let mut totals = [Decimal::ZERO; 5]; // pipeline, weighted, commit, best case, won
    let mut stages: BTreeMap<Uuid, (Decimal, Decimal)> = BTreeMap::new();
    let mut months: BTreeMap<String, [Decimal; 3]> = BTreeMap::new();
    let mut buckets: HashMap<ForecastBucket, (Decimal, Decimal)> = HashMap::new();
    for g in &groups {
        let amount = share_of(g.total, g.share, None);
        let weighted = share_of(g.total, g.share, Some(g.probability));
        if let Some(bucket) = bucket_of(&g.status, &g.forecast_category) {
            let line = buckets.entry(bucket).or_default();
            line.0 += amount;
            // Won is certain, whatever probability the deal carried.
            line.1 += if bucket == ForecastBucket::ClosedWon {
                amount
            } else {
                weighted
            };
        }
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
                .filter(|c| c.stage_id == stage_id)
                .map(|c| c.deals)
                .sum(),
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
    let by_category = BUCKETS
        .iter()
        .map(|bucket| {
            let (amount, weighted) = buckets.get(bucket).copied().unwrap_or_default();
            CategoryLine {
                category: *bucket,
                deals: counts
                    .iter()
                    .filter(|c| bucket_of(&c.status, &c.forecast_category) == Some(*bucket))
                    .map(|c| c.deals)
                    .sum(),
                amount: money(amount),
                weighted: money(weighted),
            }
        })
        .collect();
    let projected = money(projected(&buckets));
    Ok(Forecast {
        by_category,
        projected,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn line(amount: i64, weighted: i64) -> (Decimal, Decimal) {
        (Decimal::from(amount), Decimal::from(weighted))
    }

    #[test]
    fn commit_counts_in_full_and_the_rest_by_probability() {
        // The seed's example in ten-thousands: 600 committed; 300 best case at 50%; 500 in the
        // pipeline at 20%; 100 omitted; 200 already won: 200 + 600 + 150 + 100 = 1,050,
        // within the 1,200 the whole pipeline weighs at most.
        let lines: HashMap<ForecastBucket, (Decimal, Decimal)> = [
            (ForecastBucket::Commit, line(600, 360)),
            (ForecastBucket::BestCase, line(300, 150)),
            (ForecastBucket::Pipeline, line(500, 100)),
            (ForecastBucket::Omitted, line(100, 50)),
            (ForecastBucket::ClosedWon, line(200, 200)),
        ]
        .into_iter()
        .collect();
        assert_eq!(projected(&lines), Decimal::from(1_050));
        assert_eq!(projected(&HashMap::new()), Decimal::ZERO);
    }

    #[test]
    fn won_deals_report_as_closed_won_and_lost_ones_nowhere() {
        assert_eq!(bucket_of("WON", "CLOSED"), Some(ForecastBucket::ClosedWon));
        assert_eq!(bucket_of("LOST", "CLOSED"), None);
        assert_eq!(bucket_of("OPEN", "COMMIT"), Some(ForecastBucket::Commit));
        assert_eq!(
            bucket_of("OPEN", "BEST_CASE"),
            Some(ForecastBucket::BestCase)
        );
        assert_eq!(bucket_of("OPEN", "OMITTED"), Some(ForecastBucket::Omitted));
        assert_eq!(
            bucket_of("OPEN", "PIPELINE"),
            Some(ForecastBucket::Pipeline)
        );
    }
}
