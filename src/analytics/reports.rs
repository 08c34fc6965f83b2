//! Lead-source and retention reports.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult};

use super::periods::Period;
use crate::error::{AppError, AppResult};
use crate::exact_sum;
use crate::identity::Viewer;
use crate::opportunities::model::OpportunityStatus;
use crate::policy;
use entity::{contract, lead, opportunity};

/// What one lead source brought.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct SourceLine {
    pub source: String,
    pub leads: i64,
    pub converted: i64,
    pub won_deals: i64,
    pub won_minor: i64,
}

/// Per source, the visible leads created in the period, how many became customers, and what
/// their deals won — "which channel pays".
pub async fn lead_sources(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
) -> AppResult<Vec<SourceLine>> {
    let won = "\"opportunities\".\"status\" = 'WON'";
    let query = Query::select()
        .from(lead::Entity)
        .left_join(
            opportunity::Entity,
            Expr::col((opportunity::Entity, opportunity::Column::Id))
                .equals((lead::Entity, lead::Column::ConvertedOpportunityId)),
        )
        .expr_as(Expr::col((lead::Entity, lead::Column::Source)), Alias::new("source"))
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("leads"))
        .expr_as(
            Expr::cust("CAST(SUM(CASE WHEN \"leads\".\"status\" = 'CONVERTED' THEN 1 ELSE 0 END) AS BIGINT)"),
            Alias::new("converted"),
        )
        .expr_as(
            Expr::cust(format!("CAST(SUM(CASE WHEN {won} THEN 1 ELSE 0 END) AS BIGINT)")),
            Alias::new("won_deals"),
        )
        .expr_as(
            exact_sum::saturating_sql(&format!(
                "CASE WHEN {won} THEN \"opportunities\".\"amount_minor\" ELSE 0 END"
            )),
            Alias::new("won_minor"),
        )
        .cond_where(policy::leads(viewer))
        .and_where(Expr::col((lead::Entity, lead::Column::CreatedAt)).gte(period_start))
        .and_where(Expr::col((lead::Entity, lead::Column::CreatedAt)).lt(period_end))
        .add_group_by([Expr::col((lead::Entity, lead::Column::Source))])
        .to_owned();
    let mut lines = SourceLine::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    lines.sort_by(|a, b| {
        b.won_minor
            .cmp(&a.won_minor)
            .then_with(|| a.source.cmp(&b.source))
    });
    Ok(lines)
}

/// Customer retention in a period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Retention {
    pub customers_with_wins: i64,
    pub repeat_customers: i64,
    /// Customers with a win in the period who won more than once up to its end.
    pub repeat_buyers: i64,
    pub contracts_ending: i64,
    pub renewed: i64,
    /// Renewed by a contract signed on or before the old one's end date.
    pub renewed_on_time: i64,
}

#[derive(Debug, FromQueryResult)]
struct Winners {
    customers_with_wins: i64,
    repeat_customers: i64,
    repeat_buyers: i64,
}

#[derive(Debug, FromQueryResult)]
struct Renewals {
    contracts_ending: i64,
    renewed: i64,
    renewed_on_time: i64,
}

/// Contract statuses that bind the customer: the ones that end, and the ones that renew.
const BINDING: [&str; 3] = ["APPROVED", "SIGNED", "COMPLETED"];

/// The last day a renewal of the outer `contracts` row may start: its end date plus the window.
fn renewal_deadline(backend: DatabaseBackend, window_days: i64) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("(\"contracts\".\"end_date\" + {window_days})"),
        _ => format!("date(\"contracts\".\"end_date\", '+{window_days} days')"),
    }
}

/// Repeat purchases (visible customers winning a deal in `[start, end)` who had also won one
/// before; and, as the sales process defines repeat buyers, those who won another deal before
/// `end`: before the period or twice within it) and renewals: visible binding contracts (approved, signed, completed) ending on a day
/// of the period, renewed when the viewer may see another binding contract of the same customer,
/// created no earlier than it, starting after its start date and at most `window_days` after its
/// end date. Errors: `INTERNAL_SERVER_ERROR` (a negative window).
pub async fn retention(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: &Period,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    window_days: i64,
) -> AppResult<Retention> {
    if window_days < 0 {
        return Err(AppError::internal());
    }
    let backend = db.get_database_backend();
    let before = Alias::new("before");
    let earlier = Query::select()
        .expr(Expr::cust("1"))
        .from_as(opportunity::Entity, before.clone())
        .and_where(
            Expr::col((before.clone(), opportunity::Column::CustomerId))
                .equals((opportunity::Entity, opportunity::Column::CustomerId)),
        )
        .and_where(
            Expr::col((before.clone(), opportunity::Column::Status))
                .eq(OpportunityStatus::Won.as_str()),
        )
        .and_where(Expr::col((before.clone(), opportunity::Column::ClosedAt)).lt(start))
        .to_owned();
    // Another win of the same customer before the period ends: before it, or in it.
    let another = Query::select()
        .expr(Expr::cust("1"))
        .from_as(opportunity::Entity, before.clone())
        .and_where(
            Expr::col((before.clone(), opportunity::Column::CustomerId))
                .equals((opportunity::Entity, opportunity::Column::CustomerId)),
        )
        .and_where(
            Expr::col((before.clone(), opportunity::Column::Id))
                .ne(Expr::col((opportunity::Entity, opportunity::Column::Id))),
        )
        .and_where(
            Expr::col((before.clone(), opportunity::Column::Status))
                .eq(OpportunityStatus::Won.as_str()),
        )
        .and_where(Expr::col((before, opportunity::Column::ClosedAt)).lt(end))
        .to_owned();
    let customer = Expr::col((opportunity::Entity, opportunity::Column::CustomerId));
    let winners = Query::select()
        .from(opportunity::Entity)
        .expr_as(
            customer.clone().count_distinct(),
            Alias::new("customers_with_wins"),
        )
        .expr_as(
            Expr::case(Expr::exists(earlier), customer.clone()).count_distinct(),
            Alias::new("repeat_customers"),
        )
        .expr_as(
            Expr::case(Expr::exists(another), customer).count_distinct(),
            Alias::new("repeat_buyers"),
        )
        .cond_where(policy::opportunities(viewer))
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::Status))
                .eq(OpportunityStatus::Won.as_str()),
        )
        .and_where(Expr::col((opportunity::Entity, opportunity::Column::ClosedAt)).gte(start))
        .and_where(Expr::col((opportunity::Entity, opportunity::Column::ClosedAt)).lt(end))
        .to_owned();

    let next = Alias::new("next");
    let ended = |column: contract::Column| Expr::col((contract::Entity, column));
    let mut renewal = Query::select()
        .expr(Expr::cust("1"))
        .from_as(contract::Entity, next.clone())
        .and_where(
            Expr::col((next.clone(), contract::Column::CustomerId))
                .equals((contract::Entity, contract::Column::CustomerId)),
        )
        .and_where(Expr::col((next.clone(), contract::Column::Id)).ne(ended(contract::Column::Id)))
        .and_where(Expr::col((next.clone(), contract::Column::Status)).is_in(BINDING))
        .and_where(
            Expr::col((next.clone(), contract::Column::CreatedAt))
                .gte(ended(contract::Column::CreatedAt)),
        )
        .and_where(
            Expr::col((next.clone(), contract::Column::StartDate))
                .gt(ended(contract::Column::StartDate)),
        )
        .and_where(
            Expr::col((next.clone(), contract::Column::StartDate))
                .lte(Expr::cust(renewal_deadline(backend, window_days))),
        )
        .to_owned();
    if !policy::contracts(viewer).is_empty() {
        renewal.and_where(
            Expr::col((next.clone(), contract::Column::Id))
                .in_subquery(policy::visible_contract_ids(viewer)),
        );
    }
    // The sales process's rule: a renewal signed before the old contract ended.
    let on_time = renewal
        .clone()
        .and_where(
            Expr::col((next.clone(), contract::Column::SignedDate))
                .lte(ended(contract::Column::EndDate)),
        )
        .to_owned();
    let count_when = |condition: SelectStatement| {
        // PostgreSQL sums integers into NUMERIC: cast back.
        Func::cast_as(
            Func::coalesce([
                Expr::case(Expr::exists(condition), Expr::val(1_i64))
                    .finally(Expr::val(0_i64))
                    .sum(),
                Expr::val(0_i64),
            ]),
            Alias::new("BIGINT"),
        )
    };
    let renewals = Query::select()
        .from(contract::Entity)
        .expr_as(
            Expr::cust("CAST(COUNT(*) AS BIGINT)"),
            Alias::new("contracts_ending"),
        )
        .expr_as(count_when(renewal), Alias::new("renewed"))
        .expr_as(count_when(on_time), Alias::new("renewed_on_time"))
        .cond_where(policy::contracts(viewer))
        .and_where(ended(contract::Column::Status).is_in(BINDING))
        .and_where(ended(contract::Column::EndDate).gte(period.start))
        .and_where(ended(contract::Column::EndDate).lt(period.end))
        .to_owned();

    let winners = Winners::find_by_statement(backend.build(&winners))
        .one(db)
        .await?
        .ok_or_else(AppError::internal)?;
    let renewals = Renewals::find_by_statement(backend.build(&renewals))
        .one(db)
        .await?
        .ok_or_else(AppError::internal)?;
    Ok(Retention {
        customers_with_wins: winners.customers_with_wins,
        repeat_customers: winners.repeat_customers,
        repeat_buyers: winners.repeat_buyers,
        contracts_ending: renewals.contracts_ending,
        renewed: renewals.renewed,
        renewed_on_time: renewals.renewed_on_time,
    })
}
