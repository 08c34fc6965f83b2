//! Process and retention reports: pipeline velocity, lead sources, customer retention.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::periods::Period;
use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult};
use crate::opportunities::forecast::Scope;
use crate::policy;
use entity::{contract, lead, opportunity, pipeline_stage, stage_change};

/// One stage's velocity.
#[derive(Debug, Clone, PartialEq)]
pub struct StageVelocity {
    pub stage: pipeline_stage::Model,
    pub average_days: Option<f64>,
    pub median_days: Option<f64>,
    pub conversion_to_next: Option<f64>,
    /// Open deals sitting in the stage longer than its `maxDaysInStage`, longest first.
    pub stuck: Vec<opportunity::Model>,
}

/// The median of some day counts.
pub fn median(values: &mut [i32]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (f64::from(values[mid - 1]) + f64::from(values[mid])) / 2.0
    } else {
        f64::from(values[mid])
    })
}

/// Per open stage of the pipeline: average and median days deals spent in it before leaving it
/// from `from` to `to`, the fraction of deals entering it that moved further, and the deals
/// stuck in it now — over the deals the viewer may see in the scope. Errors: `BAD_USER_INPUT`.
pub async fn pipeline_velocity(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    scope: Scope,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<Vec<StageVelocity>> {
    let funnel = crate::opportunities::funnel::funnel(db, viewer, scope, from, to).await?;
    let start: DateTime<Utc> = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end: DateTime<Utc> = (to + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let visible = opportunity::Entity::find().filter(policy::opportunities(viewer));
    let visible = match scope {
        Scope::User(user) => visible.filter(opportunity::Column::OwnerId.eq(user)),
        Scope::Team(team) => {
            visible.filter(opportunity::Column::OwnerId.in_subquery(policy::members_of(vec![team])))
        }
        Scope::Company => visible,
    };
    let deal_ids = {
        use sea_orm::{QuerySelect, QueryTrait};
        visible
            .select_only()
            .column(opportunity::Column::Id)
            .into_query()
    };
    let mut dwell: HashMap<Uuid, Vec<i32>> = HashMap::new();
    for change in stage_change::Entity::find()
        .filter(stage_change::Column::OpportunityId.in_subquery(deal_ids))
        .filter(stage_change::Column::ChangedAt.gte(start))
        .filter(stage_change::Column::ChangedAt.lt(end))
        .filter(stage_change::Column::FromStageId.is_not_null())
        .all(db)
        .await?
    {
        if let (Some(stage), Some(days)) = (change.from_stage_id, change.days_in_previous_stage) {
            dwell.entry(stage).or_default().push(days);
        }
    }
    let stuck = crate::opportunities::service::stale_opportunities(db, viewer, now).await?;
    Ok(funnel
        .into_iter()
        .filter(|line| line.stage.kind == "OPEN")
        .map(|line| {
            let mut days = dwell.remove(&line.stage.id).unwrap_or_default();
            StageVelocity {
                median_days: median(&mut days),
                average_days: line.average_days,
                conversion_to_next: line.conversion,
                stuck: stuck
                    .iter()
                    .filter(|d| d.stage_id == line.stage.id)
                    .filter(|d| match scope {
                        Scope::User(user) => d.owner_id == user,
                        _ => true,
                    })
                    .cloned()
                    .collect(),
                stage: line.stage,
            }
        })
        .collect())
}

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
            Expr::cust(format!(
                "CAST(SUM(CASE WHEN {won} THEN \"opportunities\".\"amount_minor\" ELSE 0 END) AS BIGINT)"
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
    pub contracts_ending: i64,
    pub renewed: i64,
}

#[derive(Debug, FromQueryResult)]
struct Winner {
    customer_id: Uuid,
    earlier: i64,
}

/// Repeat purchases (customers winning in the period who also won before it) and renewals
/// (visible contracts ending in the period followed by another contract of the same customer
/// starting within `window_days` of the end), over what the viewer may see.
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
    let earlier = Query::select()
        .expr(Expr::cust("1"))
        .from_as(opportunity::Entity, Alias::new("before"))
        .and_where(
            Expr::col((Alias::new("before"), opportunity::Column::CustomerId))
                .equals((opportunity::Entity, opportunity::Column::CustomerId)),
        )
        .and_where(Expr::col((Alias::new("before"), opportunity::Column::Status)).eq("WON"))
        .and_where(Expr::col((Alias::new("before"), opportunity::Column::ClosedAt)).lt(start))
        .to_owned();
    let winners = Query::select()
        .from(opportunity::Entity)
        .expr_as(
            Expr::col((opportunity::Entity, opportunity::Column::CustomerId)),
            Alias::new("customer_id"),
        )
        .expr_as(
            Expr::case(Expr::exists(earlier), Expr::val(1_i64)).finally(Expr::val(0_i64)),
            Alias::new("earlier"),
        )
        .cond_where(policy::opportunities(viewer))
        .and_where(Expr::col((opportunity::Entity, opportunity::Column::Status)).eq("WON"))
        .and_where(Expr::col((opportunity::Entity, opportunity::Column::ClosedAt)).gte(start))
        .and_where(Expr::col((opportunity::Entity, opportunity::Column::ClosedAt)).lt(end))
        .distinct()
        .to_owned();
    let mut seen: HashMap<Uuid, bool> = HashMap::new();
    for w in Winner::find_by_statement(db.get_database_backend().build(&winners))
        .all(db)
        .await?
    {
        *seen.entry(w.customer_id).or_default() |= w.earlier > 0;
    }
    let ending = contract::Entity::find()
        .filter(policy::contracts(viewer))
        .filter(contract::Column::Status.is_in(["APPROVED", "SIGNED", "COMPLETED"]))
        .filter(contract::Column::EndDate.gte(period.start))
        .filter(contract::Column::EndDate.lt(period.end))
        .all(db)
        .await?;
    let customers: Vec<Uuid> = ending.iter().map(|c| c.customer_id).collect();
    let followers = contract::Entity::find()
        .filter(contract::Column::CustomerId.is_in(customers))
        .filter(contract::Column::Status.ne("CANCELLED"))
        .order_by_asc(contract::Column::Id)
        .all(db)
        .await?;
    let window = chrono::Duration::days(window_days);
    let renewed = ending
        .iter()
        .filter(|c| {
            let Some(end_date) = c.end_date else {
                return false;
            };
            followers.iter().any(|f| {
                f.id != c.id
                    && f.customer_id == c.customer_id
                    && f.start_date > c.start_date
                    && f.start_date
                        .is_some_and(|s| s >= end_date - window && s <= end_date + window)
            })
        })
        .count();
    Ok(Retention {
        customers_with_wins: seen.len() as i64,
        repeat_customers: seen.values().filter(|repeat| **repeat).count() as i64,
        contracts_ending: ending.len() as i64,
        renewed: renewed as i64,
    })
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_is_the_middle_or_the_mean_of_the_two_middles() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5.0));
        assert_eq!(median(&mut [9, 1, 4]), Some(4.0));
        assert_eq!(median(&mut [10, 2, 4, 8]), Some(6.0));
    }
}
