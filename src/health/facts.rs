//! Gathering the facts of customer health for many customers at once: seven grouped
//! statements per batch, whatever the number of customers. The facts cover everything the
//! product records about a customer, not only what one viewer may see: a grade belongs to the
//! customer, and the components are points, never amounts.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::rules::{Facts, HealthRules, LOOKBACK_DAYS};
use crate::aftersales::model::CallbackStatus;
use crate::billing::model::PaymentStatus;
use crate::contracts::rules::ContractStatus;
use crate::error::AppResult;
use crate::opportunities::model::OpportunityStatus;
use crate::tickets::model::TicketStatus;
use crate::visits::rules::VisitStatus;
use entity::{callback, contract, follow_up, opportunity, payment, ticket, visit_task};

/// `CAST(COALESCE(SUM(expr), 0) AS BIGINT)`: PostgreSQL sums BIGINT into NUMERIC.
fn total(expr: impl Into<SimpleExpr>) -> SimpleExpr {
    let summed: SimpleExpr = Func::sum(expr.into()).into();
    let zero: SimpleExpr = Expr::val(0_i64);
    Func::cast_as(Func::coalesce([summed, zero]), Alias::new("BIGINT")).into()
}

/// `CAST(COUNT(*) AS BIGINT)`, the same type on both databases.
fn count() -> SimpleExpr {
    Expr::cust("CAST(COUNT(*) AS BIGINT)")
}

/// `expr` where `condition` holds, else 0.
fn when(condition: SimpleExpr, expr: impl Into<SimpleExpr>) -> SimpleExpr {
    Expr::case(condition, expr.into())
        .finally(Expr::val(0_i64))
        .into()
}

/// The health facts of `ids` at `now`; a customer with nothing recorded has default facts.
pub async fn gather(
    db: &impl ConnectionTrait,
    rules: &HealthRules,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Facts>> {
    let mut facts: HashMap<Uuid, Facts> = ids.iter().map(|id| (*id, Facts::default())).collect();
    if ids.is_empty() {
        return Ok(facts);
    }
    let since = now - Duration::days(LOOKBACK_DAYS);
    let engaged_since = now - Duration::days(i64::from(rules.engagement_window_days));
    let keys = ids.to_vec();

    let won: Vec<(Uuid, i64, i64)> = opportunity::Entity::find()
        .select_only()
        .column(opportunity::Column::CustomerId)
        .column_as(
            total(when(
                Expr::col(opportunity::Column::ClosedAt).gte(since),
                Expr::col(opportunity::Column::AmountMinor),
            )),
            "won_minor",
        )
        .column_as(count(), "purchases")
        .filter(opportunity::Column::CustomerId.is_in(keys.clone()))
        .filter(opportunity::Column::Status.eq(OpportunityStatus::Won.as_str()))
        .group_by(opportunity::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, won_minor, purchases) in won {
        if let Some(f) = facts.get_mut(&id) {
            f.won_minor = won_minor;
            f.purchases += purchases;
        }
    }

    // Contracts made without a deal (renewals, direct orders) are purchases too.
    let direct: Vec<(Uuid, i64)> = contract::Entity::find()
        .select_only()
        .column(contract::Column::CustomerId)
        .column_as(count(), "purchases")
        .filter(contract::Column::CustomerId.is_in(keys.clone()))
        .filter(contract::Column::OpportunityId.is_null())
        .filter(contract::Column::Status.is_in([
            ContractStatus::Signed.as_str(),
            ContractStatus::Completed.as_str(),
        ]))
        .group_by(contract::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, purchases) in direct {
        if let Some(f) = facts.get_mut(&id) {
            f.purchases += purchases;
        }
    }

    let paid: Vec<(Uuid, i64)> = payment::Entity::find()
        .select_only()
        .column(payment::Column::CustomerId)
        .column_as(
            total(
                Expr::col(payment::Column::AmountMinor)
                    .sub(Expr::col(payment::Column::RefundedMinor)),
            ),
            "paid_minor",
        )
        .filter(payment::Column::CustomerId.is_in(keys.clone()))
        .filter(payment::Column::Status.ne(PaymentStatus::Reversed.as_str()))
        .filter(payment::Column::ReceivedDate.gte(since.date_naive()))
        .group_by(payment::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, paid_minor) in paid {
        if let Some(f) = facts.get_mut(&id) {
            f.paid_minor = paid_minor;
        }
    }

    let visits: Vec<(Uuid, i64)> = visit_task::Entity::find()
        .select_only()
        .column(visit_task::Column::CustomerId)
        .column_as(count(), "visits")
        .filter(visit_task::Column::CustomerId.is_in(keys.clone()))
        .filter(visit_task::Column::Status.eq(VisitStatus::Completed.as_str()))
        .filter(visit_task::Column::CheckOutAt.gte(engaged_since))
        .group_by(visit_task::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, visits) in visits {
        if let Some(f) = facts.get_mut(&id) {
            f.visits = visits;
        }
    }

    let follow_ups: Vec<(Option<Uuid>, i64)> = follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::CustomerId)
        .column_as(count(), "follow_ups")
        .filter(follow_up::Column::CustomerId.is_in(keys.clone()))
        .filter(follow_up::Column::OccurredAt.gte(engaged_since))
        .filter(follow_up::Column::OccurredAt.lte(now))
        .group_by(follow_up::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, follow_ups) in follow_ups {
        if let Some(f) = id.and_then(|id| facts.get_mut(&id)) {
            f.follow_ups = follow_ups;
        }
    }

    let rated = Expr::col(ticket::Column::Satisfaction)
        .is_not_null()
        .and(Expr::col(ticket::Column::UpdatedAt).gte(since));
    let tickets: Vec<(Uuid, i64, i64, i64)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::CustomerId)
        .column_as(
            total(when(
                Expr::col(ticket::Column::Status).is_not_in([
                    TicketStatus::Resolved.as_str(),
                    TicketStatus::Closed.as_str(),
                ]),
                Expr::val(1_i64),
            )),
            "open_tickets",
        )
        .column_as(
            total(when(rated.clone(), Expr::col(ticket::Column::Satisfaction))),
            "satisfaction_sum",
        )
        .column_as(total(when(rated, Expr::val(1_i64))), "ratings")
        .filter(ticket::Column::CustomerId.is_in(keys.clone()))
        .group_by(ticket::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, open_tickets, satisfaction_sum, ratings) in tickets {
        if let Some(f) = facts.get_mut(&id) {
            f.open_tickets = open_tickets;
            f.satisfaction_sum += satisfaction_sum;
            f.ratings += ratings;
        }
    }

    let callbacks: Vec<(Uuid, i64, i64)> = callback::Entity::find()
        .select_only()
        .column(callback::Column::CustomerId)
        .column_as(
            total(Expr::col(callback::Column::Satisfaction)),
            "satisfaction_sum",
        )
        .column_as(count(), "ratings")
        .filter(callback::Column::CustomerId.is_in(keys))
        .filter(callback::Column::Status.eq(CallbackStatus::Done.as_str()))
        .filter(callback::Column::Satisfaction.is_not_null())
        .filter(callback::Column::DoneAt.gte(since))
        .group_by(callback::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    for (id, satisfaction_sum, ratings) in callbacks {
        if let Some(f) = facts.get_mut(&id) {
            f.satisfaction_sum += satisfaction_sum;
            f.ratings += ratings;
        }
    }
    Ok(facts)
}
