//! `salesPerformance` cut by product line, product, customer industry, grade or customer: the
//! resolvers of the groupings that are not by seller.

use async_graphql::Context;

use super::by_customer::CustomerGroup;
use super::by_product::ProductGroup;
use super::types::PerformanceRow;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Decimal;
use crate::ids::{NodeType, encode_id};
use crate::money::Money;

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

/// `salesPerformance` per product line or product.
pub(super) async fn by_product(
    ctx: &Context<'_>,
    period: &super::periods::Period,
    tz: chrono_tz::Tz,
    group: ProductGroup,
    scope: crate::report_scope::Scope,
) -> async_graphql::Result<Vec<PerformanceRow>> {
    let viewer = ctx.viewer()?;
    // Identical requests (same visibility, same input) running at once share one computation.
    let key = format!(
        "{:?}|{:?}|{:?}|{:?}|{}|{:?}|{:?}",
        viewer.user_id,
        viewer.role,
        viewer.team_id,
        viewer.managed_team_ids,
        period.text,
        group,
        scope
    );
    let compute = {
        let (db, viewer, period) = (ctx.app().db.clone(), viewer.clone(), period.clone());
        async move {
            super::by_product::product_performance(&db, &viewer, &period, tz, group, scope).await
        }
    };
    let rows = ctx.caches()?.product_reports.run(key, compute).await?;
    let kind = match group {
        ProductGroup::Line => NodeType::ProductLine,
        ProductGroup::Product => NodeType::Product,
    };
    let total_won: i64 = rows.iter().map(|r| r.won.minor()).sum();
    Ok(rows
        .iter()
        .map(|r| {
            let margin = r
                .cost
                .map(|cost| crate::products::pricing::margin(r.won, cost));
            PerformanceRow {
                share_of_total: (total_won > 0).then(|| r.won.minor() as f64 / total_won as f64),
                quantity: Some(Decimal(crate::products::pricing::quantity(
                    r.quantity_thousandths,
                ))),
                average_discount_percent: r.avg_discount_percent.map(Decimal),
                margin_amount: margin.map(|(left, _)| money(left.minor())),
                margin_rate: margin
                    .and_then(|(_, rate)| rate)
                    .and_then(|rate| rust_decimal::prelude::ToPrimitive::to_f64(&rate)),
                ..PerformanceRow::of_sales(
                    r.id.map(|id| encode_id(kind, id)),
                    r.name.clone(),
                    money(r.won.minor()),
                    money(r.pipeline.minor()),
                    money(r.weighted_pipeline.minor()),
                )
            }
        })
        .collect())
}

/// `salesPerformance` per customer industry, grade or customer.
pub(super) async fn by_customer(
    ctx: &Context<'_>,
    period: &super::periods::Period,
    tz: chrono_tz::Tz,
    group: CustomerGroup,
    scope: crate::report_scope::Scope,
) -> async_graphql::Result<Vec<PerformanceRow>> {
    let viewer = ctx.viewer()?;
    let rows =
        super::by_customer::customer_performance(&ctx.app().db, viewer, period, tz, group, scope)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| PerformanceRow {
            share_of_total: r.share,
            collected_amount: money(r.collected.minor()),
            ..PerformanceRow::of_sales(
                r.id.map(|id| encode_id(NodeType::Customer, id)),
                match group {
                    CustomerGroup::Customer(_) => r.name,
                    _ => r.key,
                },
                money(r.won.minor()),
                money(r.pipeline.minor()),
                money(r.weighted_pipeline.minor()),
            )
        })
        .collect())
}
