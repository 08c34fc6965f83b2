//! `salesPerformance` grouped by product line or product: what the deals of the sellers in
//! scope sold, from their line items — won amount (the lines' amounts, not split), units,
//! average line discount, margin (for those who may see cost), and the pipeline of open deals
//! expected to close in the period. Three statements however many groups.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};
use uuid::Uuid;

use super::periods::Period;
use super::seller_aggregates::{Window, aggregate};
use crate::error::AppResult;
use crate::exact_sum;
use crate::identity::Viewer;
use crate::money::Money;
use crate::report_scope::Scope;
use entity::{opportunity, opportunity_line_item as line, pipeline_stage, product};

/// How to group the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductGroup {
    Line,
    Product,
}

impl ProductGroup {
    fn key(self) -> Expr {
        match self {
            ProductGroup::Line => Expr::col((product::Entity, product::Column::ProductLineId)),
            ProductGroup::Product => Expr::col((line::Entity, line::Column::ProductId)),
        }
    }
}

/// Won lines of one group.
#[derive(Debug, FromQueryResult)]
struct Won {
    group_id: Option<Uuid>,
    total: i64,
    quantity: i64,
    discount_sum: i64,
    lines: i64,
    /// Null when no line's cost is known.
    cost: Option<i64>,
    costed: i64,
}

/// Open lines of one group at one probability.
#[derive(Debug, FromQueryResult)]
struct Open {
    group_id: Option<Uuid>,
    probability: i32,
    total: i64,
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRow {
    /// The product line's or product's id; `None` for products without a line.
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub won: Money,
    /// Units won, in thousandths.
    pub quantity_thousandths: i64,
    /// The average discount of the won lines, in percent.
    pub avg_discount_percent: Option<Decimal>,
    /// The won lines' cost; `None` when a line's cost is unknown or cost is not to be shown.
    pub cost: Option<Money>,
    pub pipeline: Money,
    pub weighted_pipeline: Money,
}

/// Lines of deals matching `deals`, owned by the window's sellers, grouped by `group`.
fn lines(window: &Window<'_>, group: ProductGroup, deals: Condition) -> SelectStatement {
    Query::select()
        .from(line::Entity)
        .inner_join(
            opportunity::Entity,
            Expr::col((opportunity::Entity, opportunity::Column::Id))
                .equals((line::Entity, line::Column::OpportunityId)),
        )
        .inner_join(
            product::Entity,
            Expr::col((product::Entity, product::Column::Id))
                .equals((line::Entity, line::Column::ProductId)),
        )
        .expr_as(group.key(), Alias::new("group_id"))
        .cond_where(deals)
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::OwnerId))
                .is_in(window.sellers.clone()),
        )
        .add_group_by([group.key()])
        .to_owned()
}

fn won(window: &Window<'_>, group: ProductGroup, sees_cost: bool) -> SelectStatement {
    let column = |c: &str| format!("\"opportunity_line_items\".\"{c}\"");
    let mut query = lines(window, group, window.won_deals());
    query
        .expr_as(
            exact_sum::saturating_sql(&column("amount_minor")),
            Alias::new("total"),
        )
        .expr_as(
            exact_sum::saturating_sql(&column("quantity_thousandths")),
            Alias::new("quantity"),
        )
        .expr_as(
            Expr::cust(format!(
                "CAST(SUM({}) AS BIGINT)",
                column("discount_basis_points")
            )),
            Alias::new("discount_sum"),
        )
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("lines"));
    // Who may not see cost gets no cost in any aggregate either.
    let (cost, costed) = if sees_cost {
        (
            exact_sum::saturating_sql(&column("cost_minor")),
            Expr::cust(format!("CAST(COUNT({}) AS BIGINT)", column("cost_minor"))),
        )
    } else {
        (
            Expr::cust("CAST(0 AS BIGINT)"),
            Expr::cust("CAST(-1 AS BIGINT)"),
        )
    };
    query
        .expr_as(cost, Alias::new("cost"))
        .expr_as(costed, Alias::new("costed"));
    query
}

fn open(window: &Window<'_>, group: ProductGroup) -> SelectStatement {
    let probability =
        "COALESCE(\"opportunities\".\"probability_override\", \"pipeline_stages\".\"probability\")";
    let mut query = lines(window, group, window.open_deals());
    query
        .inner_join(
            pipeline_stage::Entity,
            Expr::col((pipeline_stage::Entity, pipeline_stage::Column::Id))
                .equals((opportunity::Entity, opportunity::Column::StageId)),
        )
        .expr_as(Expr::cust(probability), Alias::new("probability"))
        .expr_as(
            exact_sum::saturating_sql("\"opportunity_line_items\".\"amount_minor\""),
            Alias::new("total"),
        )
        .add_group_by([Expr::cust(probability)]);
    query
}

/// The names of the groups found.
async fn names(
    db: &impl ConnectionTrait,
    group: ProductGroup,
    ids: Vec<Uuid>,
) -> AppResult<BTreeMap<Uuid, String>> {
    Ok(match group {
        ProductGroup::Line => crate::products::service::product_lines_by_ids(db, &ids)
            .await?
            .into_iter()
            .map(|l| (l.id, l.name))
            .collect(),
        ProductGroup::Product => product::Entity::find()
            .filter(product::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, format!("{} {}", p.code, p.name)))
            .collect(),
    })
}

/// The figures of `period` per product line or product, over the deals of the sellers the
/// viewer may see within `scope`; margins only when `sees_cost`.
pub async fn product_performance(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: &Period,
    tz: chrono_tz::Tz,
    group: ProductGroup,
    scope: Scope,
) -> AppResult<Vec<ProductRow>> {
    let sees_cost = crate::policy::can_see_cost(viewer);
    let sellers = super::performance::sellers(db, viewer, scope).await?;
    let window = Window {
        period,
        start: crate::calendar::local_day_bounds(tz, period.start).0,
        end: crate::calendar::local_day_bounds(tz, period.end).0,
        sellers: sellers.iter().map(|u| u.id).collect(),
    };
    let (won, open): (Vec<Won>, Vec<Open>) = tokio::try_join!(
        aggregate(db, won(&window, group, sees_cost)),
        aggregate(db, open(&window, group)),
    )?;
    let mut rows: BTreeMap<Option<Uuid>, ProductRow> = BTreeMap::new();
    let row = |rows: &mut BTreeMap<Option<Uuid>, ProductRow>, id: Option<Uuid>| {
        rows.entry(id)
            .or_insert_with(|| ProductRow {
                id,
                name: None,
                won: Money::ZERO,
                quantity_thousandths: 0,
                avg_discount_percent: None,
                cost: None,
                pipeline: Money::ZERO,
                weighted_pipeline: Money::ZERO,
            })
            .clone()
    };
    for w in won {
        let mut r = row(&mut rows, w.group_id);
        r.won = Money::from_minor(w.total);
        r.quantity_thousandths = w.quantity;
        r.avg_discount_percent = (w.lines > 0).then(|| {
            (Decimal::from(w.discount_sum) / Decimal::from(w.lines) / Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .normalize()
        });
        r.cost = w
            .cost
            .filter(|_| w.costed == w.lines)
            .map(Money::from_minor);
        rows.insert(w.group_id, r);
    }
    for o in open {
        let mut r = row(&mut rows, o.group_id);
        let amount = Money::from_minor(o.total);
        let weighted = crate::opportunities::service::weighted(amount, o.probability);
        r.pipeline = Money::from_minor(r.pipeline.minor().saturating_add(o.total));
        r.weighted_pipeline =
            Money::from_minor(r.weighted_pipeline.minor().saturating_add(weighted.minor()));
        rows.insert(o.group_id, r);
    }
    let named = names(db, group, rows.keys().flatten().copied().collect()).await?;
    let mut rows: Vec<ProductRow> = rows
        .into_values()
        .map(|mut r| {
            r.name = r.id.and_then(|id| named.get(&id).cloned());
            r
        })
        .collect();
    rows.sort_by(|a, b| b.won.cmp(&a.won).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}
