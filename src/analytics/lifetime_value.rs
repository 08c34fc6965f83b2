//! The customer lifetime value estimate of `customerRetention`.
//!
//! Over the customers with a deal the viewer may see won before the period's end:
//! - a customer's **tenure** is the years from its first win to the period's end, its
//!   **lifetime** the years from its first win to its last win or payment, whichever is later;
//!   both at least one year (a customer is one for a year at least), a year being 365.25 days;
//! - **average yearly paid** = the mean over the customers of what they paid (payments received
//!   before the period's end, less refunds, reversed ones left out) ÷ their tenure;
//! - **average lifetime** = the mean of their lifetimes;
//! - **lifetime value** = average yearly paid × average lifetime.
//!
//! Two statements however many customers.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::seller_aggregates::aggregate;
use crate::error::AppResult;
use crate::exact_sum;
use crate::identity::Viewer;
use crate::money::Money;
use crate::opportunities::model::OpportunityStatus;
use entity::{opportunity, payment};

const DAYS_PER_YEAR: f64 = 365.25;

/// What one customer did, as the estimate needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub first_win: DateTime<Utc>,
    /// The later of its last win and its last payment.
    pub last_active: DateTime<Utc>,
    /// Paid less refunds, minor units.
    pub paid_minor: i64,
}

/// The estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifetimeValue {
    pub customers: i64,
    pub average_yearly_paid: Money,
    pub average_lifetime_years: f64,
    pub value: Money,
}

fn years(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let days = (to - from).num_seconds() as f64 / 86_400.0;
    (days / DAYS_PER_YEAR).max(1.0)
}

/// The estimate as of `end`; `None` without customers.
pub fn estimate(spans: &[Span], end: DateTime<Utc>) -> Option<LifetimeValue> {
    if spans.is_empty() {
        return None;
    }
    let n = spans.len() as f64;
    let yearly: Decimal = spans
        .iter()
        .map(|s| {
            let tenure = Decimal::from_f64(years(s.first_win, end)).unwrap_or(Decimal::ONE);
            Decimal::from(s.paid_minor) / tenure
        })
        .sum::<Decimal>()
        / Decimal::from(spans.len());
    let lifetime = spans
        .iter()
        .map(|s| years(s.first_win, s.last_active))
        .sum::<f64>()
        / n;
    let value = yearly * Decimal::from_f64(lifetime).unwrap_or(Decimal::ONE);
    let cents = |minor: Decimal| Money::round_half_up_saturating(minor / Decimal::ONE_HUNDRED);
    Some(LifetimeValue {
        customers: i64::try_from(spans.len()).unwrap_or(i64::MAX),
        average_yearly_paid: cents(yearly),
        average_lifetime_years: (lifetime * 100.0).round() / 100.0,
        value: cents(value),
    })
}

#[derive(Debug, FromQueryResult)]
struct Wins {
    customer_id: Uuid,
    first_win: DateTime<Utc>,
    last_win: DateTime<Utc>,
}

#[derive(Debug, FromQueryResult)]
struct Paid {
    customer_id: Uuid,
    paid: i64,
    last_paid: NaiveDate,
}

/// The estimate over the customers with a deal the viewer may see won before `end` (an
/// instant) — payments counted when received before `end_day`.
pub async fn lifetime_value(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    end: DateTime<Utc>,
    end_day: NaiveDate,
    tz: chrono_tz::Tz,
) -> AppResult<Option<LifetimeValue>> {
    let won = || {
        Query::select()
            .from(opportunity::Entity)
            .and_where(opportunity::Column::Status.eq(OpportunityStatus::Won.as_str()))
            .and_where(opportunity::Column::ClosedAt.lt(end))
            .cond_where(crate::policy::opportunities(viewer))
            .to_owned()
    };
    let wins = won()
        .column(opportunity::Column::CustomerId)
        .expr_as(
            Expr::col(opportunity::Column::ClosedAt).min(),
            Alias::new("first_win"),
        )
        .expr_as(
            Expr::col(opportunity::Column::ClosedAt).max(),
            Alias::new("last_win"),
        )
        .group_by_col(opportunity::Column::CustomerId)
        .to_owned();
    let paid = Query::select()
        .from(payment::Entity)
        .column(payment::Column::CustomerId)
        .expr_as(
            exact_sum::saturating_sql("\"amount_minor\" - \"refunded_minor\""),
            Alias::new("paid"),
        )
        .expr_as(
            Expr::col(payment::Column::ReceivedDate).max(),
            Alias::new("last_paid"),
        )
        .and_where(
            payment::Column::Status.ne(crate::billing::model::PaymentStatus::Reversed.as_str()),
        )
        .and_where(payment::Column::ReceivedDate.lt(end_day))
        .and_where(
            Expr::col(payment::Column::CustomerId)
                .in_subquery(won().column(opportunity::Column::CustomerId).to_owned()),
        )
        .group_by_col(payment::Column::CustomerId)
        .to_owned();
    let (wins, paid) = tokio::try_join!(aggregate::<Wins>(db, wins), aggregate::<Paid>(db, paid))?;
    let paid: HashMap<Uuid, Paid> = paid.into_iter().map(|p| (p.customer_id, p)).collect();
    let spans: Vec<Span> = wins
        .into_iter()
        .map(|w| {
            let payment = paid.get(&w.customer_id);
            let last_paid = payment.map(|p| crate::calendar::local_day_bounds(tz, p.last_paid).0);
            Span {
                first_win: w.first_win,
                last_active: last_paid.map_or(w.last_win, |p| Ord::max(p, w.last_win)),
                paid_minor: payment.map_or(0, |p| p.paid),
            }
        })
        .collect();
    Ok(estimate(&spans, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn the_estimate_multiplies_yearly_paid_by_the_observed_lifetime() {
        let end = at("2027-01-01T00:00:00Z");
        // A: first won two years before the end (730.5 days), active for all of them, paid
        // 20,000.00 → 10,000.00 a year. B: won once half a year ago (counts as a year), paid
        // 3,000.00 → 3,000.00 a year, lifetime 1.
        let spans = [
            Span {
                first_win: at("2024-12-31T12:00:00Z"),
                last_active: end,
                paid_minor: 2_000_000,
            },
            Span {
                first_win: at("2026-07-01T00:00:00Z"),
                last_active: at("2026-07-01T00:00:00Z"),
                paid_minor: 300_000,
            },
        ];
        let value = estimate(&spans, end).unwrap();
        assert_eq!(value.customers, 2);
        assert_eq!(value.average_yearly_paid, Money::from_minor(650_000));
        assert!((value.average_lifetime_years - 1.5).abs() < 1e-9);
        assert_eq!(value.value, Money::from_minor(975_000));
        assert_eq!(estimate(&[], end), None);
        // A customer who never paid still counts, at nothing a year.
        let unpaid = [Span {
            paid_minor: 0,
            ..spans[1]
        }];
        assert_eq!(estimate(&unpaid, end).unwrap().value, Money::from_minor(0));
    }
}
