//! `salesPerformance` grouped by the customers' industry, grade, or the customers themselves
//! (the top N): what the sellers in scope won from them (credited through revenue splits),
//! collected on their contracts and hold in pipeline, and each group's share of the won total.
//! Four statements however many groups (grouped by customer in SQL, rolled up in code).

use std::collections::HashMap;

use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::periods::Period;
use super::seller_aggregates::{Window, aggregate, allocations_on_contracts};
use crate::error::AppResult;
use crate::exact_sum;
use crate::identity::Viewer;
use crate::money::Money;
use crate::report_scope::Scope;
use entity::{allocation, contract, customer, opportunity, opportunity_split, pipeline_stage};

/// How to group by customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerGroup {
    Industry,
    Grade,
    /// The customers with the most won, at most this many.
    Customer(u64),
}

/// What the statements group by: the customer, with what the groups need of it.
const CUSTOMER_COLUMNS: [customer::Column; 4] = [
    customer::Column::Id,
    customer::Column::Name,
    customer::Column::Industry,
    customer::Column::Grade,
];

/// Credited amounts of one customer, in minor units × basis points.
#[derive(Debug, FromQueryResult)]
struct Credited {
    id: Uuid,
    name: String,
    industry: Option<String>,
    grade: Option<String>,
    basis: i64,
    deals: i64,
}

/// Credited open amounts of one customer at one probability, minor units × basis points.
#[derive(Debug, FromQueryResult)]
struct Open {
    id: Uuid,
    name: String,
    industry: Option<String>,
    grade: Option<String>,
    probability: i32,
    basis: i64,
}

/// Money collected from one customer.
#[derive(Debug, FromQueryResult)]
struct Collected {
    id: Uuid,
    name: String,
    industry: Option<String>,
    grade: Option<String>,
    total: i64,
}

impl CustomerGroup {
    /// The group of a customer: its industry, grade or id (`None`: without one).
    fn key(self, id: Uuid, industry: Option<String>, grade: Option<String>) -> Option<String> {
        match self {
            CustomerGroup::Industry => industry,
            CustomerGroup::Grade => grade,
            CustomerGroup::Customer(_) => Some(id.to_string()),
        }
    }
}

/// Adds the customer's columns to `query`, selected and grouped by.
fn by_customer(mut query: SelectStatement) -> SelectStatement {
    for column in CUSTOMER_COLUMNS {
        query
            .column((customer::Entity, column))
            .add_group_by([Expr::col((customer::Entity, column))]);
    }
    query
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRow {
    /// The industry or grade (`None`: customers without one), or the customer's id.
    pub key: Option<String>,
    /// The customer's id and name (`Customer` only).
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub won: Money,
    pub won_deals: i64,
    pub collected: Money,
    pub pipeline: Money,
    pub weighted_pipeline: Money,
    /// `won` ÷ the won total of every group (before the top N); `None` when nothing was won.
    pub share: Option<f64>,
}

/// Deals matching the window's `condition`, credited through revenue splits (or to the owner)
/// to the window's sellers, joined to their customers.
fn credited(window: &Window<'_>, condition: sea_orm::Condition) -> SelectStatement {
    let user = "COALESCE(\"opportunity_splits\".\"user_id\", \"opportunities\".\"owner_id\")";
    Query::select()
        .from(opportunity::Entity)
        .inner_join(
            customer::Entity,
            Expr::col((customer::Entity, customer::Column::Id))
                .equals((opportunity::Entity, opportunity::Column::CustomerId)),
        )
        .left_join(
            opportunity_split::Entity,
            Expr::col((
                opportunity_split::Entity,
                opportunity_split::Column::OpportunityId,
            ))
            .equals((opportunity::Entity, opportunity::Column::Id))
            .and(
                Expr::col((opportunity_split::Entity, opportunity_split::Column::Kind))
                    .eq(crate::opportunities::splits::REVENUE),
            ),
        )
        .expr_as(
            exact_sum::saturating_sql(
                "\"opportunities\".\"amount_minor\" * COALESCE(\"opportunity_splits\".\"share_basis_points\", 10000)",
            ),
            Alias::new("basis"),
        )
        .cond_where(condition)
        .and_where(Expr::cust(user).is_in(window.sellers.clone()))
        .to_owned()
}

/// The figures of `period` per customer group, over deals credited to the sellers the viewer
/// may see within `scope`.
pub async fn customer_performance(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: &Period,
    tz: chrono_tz::Tz,
    group: CustomerGroup,
    scope: Scope,
) -> AppResult<Vec<CustomerRow>> {
    let sellers = super::performance::sellers(db, viewer, scope).await?;
    let (start, end) = period.instants(tz);
    let window = Window {
        period,
        start,
        end,
        sellers: sellers.iter().map(|u| u.id).collect(),
    };
    let won = by_customer(
        credited(&window, window.won_deals())
            .expr_as(
                Expr::cust("CAST(COUNT(DISTINCT \"opportunities\".\"id\") AS BIGINT)"),
                Alias::new("deals"),
            )
            .to_owned(),
    );
    let probability =
        "COALESCE(\"opportunities\".\"probability_override\", \"pipeline_stages\".\"probability\")";
    let open = by_customer(
        credited(&window, window.open_deals())
            .inner_join(
                pipeline_stage::Entity,
                Expr::col((pipeline_stage::Entity, pipeline_stage::Column::Id))
                    .equals((opportunity::Entity, opportunity::Column::StageId)),
            )
            .expr_as(Expr::cust(probability), Alias::new("probability"))
            .add_group_by([Expr::cust(probability)])
            .to_owned(),
    );
    let collected = by_customer(
        allocations_on_contracts()
            .inner_join(
                customer::Entity,
                Expr::col((customer::Entity, customer::Column::Id))
                    .equals((contract::Entity, contract::Column::CustomerId)),
            )
            .expr_as(
                exact_sum::saturating_sql("\"allocations\".\"amount_minor\""),
                Alias::new("total"),
            )
            .and_where(Expr::col((allocation::Entity, allocation::Column::CreatedAt)).gte(start))
            .and_where(Expr::col((allocation::Entity, allocation::Column::CreatedAt)).lt(end))
            .and_where(
                Expr::col((contract::Entity, contract::Column::OwnerId))
                    .is_in(window.sellers.clone()),
            )
            .to_owned(),
    );
    let (won, open, collected) = tokio::try_join!(
        aggregate::<Credited>(db, won),
        aggregate::<Open>(db, open),
        aggregate::<Collected>(db, collected),
    )?;

    let basis = |minor_bp: Decimal| {
        Money::round_half_up_saturating(minor_bp / Decimal::from(10_000) / Decimal::ONE_HUNDRED)
    };
    #[derive(Default)]
    struct Acc {
        name: Option<String>,
        won: Decimal,
        deals: i64,
        collected: i64,
        pipeline: Decimal,
        weighted: Decimal,
    }
    let mut groups: HashMap<Option<String>, Acc> = HashMap::new();
    let customer_name = |name: String| matches!(group, CustomerGroup::Customer(_)).then_some(name);
    for row in won {
        let acc = groups
            .entry(group.key(row.id, row.industry, row.grade))
            .or_default();
        acc.name = customer_name(row.name);
        acc.won += Decimal::from(row.basis);
        acc.deals += row.deals;
    }
    for row in open {
        let acc = groups
            .entry(group.key(row.id, row.industry, row.grade))
            .or_default();
        acc.name = customer_name(row.name);
        acc.pipeline += Decimal::from(row.basis);
        acc.weighted +=
            Decimal::from(row.basis) * Decimal::from(row.probability) / Decimal::ONE_HUNDRED;
    }
    for row in collected {
        let acc = groups
            .entry(group.key(row.id, row.industry, row.grade))
            .or_default();
        acc.name = customer_name(row.name);
        acc.collected = acc.collected.saturating_add(row.total);
    }
    let total: Decimal = groups.values().map(|a| a.won).sum();
    let mut rows: Vec<CustomerRow> = groups
        .into_iter()
        .map(|(key, a)| CustomerRow {
            id: key
                .as_deref()
                .filter(|_| matches!(group, CustomerGroup::Customer(_)))
                .and_then(|k| Uuid::parse_str(k).ok()),
            key,
            name: a.name,
            won: basis(a.won),
            won_deals: a.deals,
            collected: Money::from_minor(a.collected),
            pipeline: basis(a.pipeline),
            weighted_pipeline: basis(a.weighted),
            share: (!total.is_zero())
                .then(|| rust_decimal::prelude::ToPrimitive::to_f64(&(a.won / total)))
                .flatten(),
        })
        .collect();
    rows.sort_by(|a, b| {
        b.won
            .cmp(&a.won)
            .then_with(|| b.pipeline.cmp(&a.pipeline))
            .then_with(|| a.key.cmp(&b.key))
    });
    if let CustomerGroup::Customer(limit) = group {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok(rows)
}
