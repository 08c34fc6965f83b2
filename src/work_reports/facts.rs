//! What a seller did in a report's period, counted from the records themselves: visits made
//! and missed, follow-ups logged, deals moved, activities done, money collected from their
//! customers, and (for a week) the daily reports submitted. One grouped statement per fact
//! for any number of sellers sharing a time zone.

use std::collections::HashMap;

use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::model::{Period, WorkReportKind};
use crate::error::AppResult;
use crate::money::Money;
use entity::{activity, customer, follow_up, payment, stage_change, visit_task, work_report};

/// A seller's numbers for a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// Visit tasks of the period completed.
    pub visits_done: i32,
    /// Visit tasks of the period missed (neither made nor cancelled on their day).
    pub visits_missed: i32,
    /// Follow-ups the seller logged as happening in the period.
    pub follow_ups: i32,
    /// Deals the seller moved to another stage in the period.
    pub deals_moved: i32,
    /// Activities the seller marked done in the period.
    pub activities_done: i32,
    /// Payments received in the period from the seller's customers (reversals excluded).
    pub collected: Money,
    /// Daily reports the seller submitted for the week's days (weekly reports only).
    pub daily_reports: Option<i32>,
}

impl Facts {
    /// The facts a stored report was submitted with.
    pub fn of(report: &work_report::Model) -> Self {
        Self {
            visits_done: report.visits_done,
            visits_missed: report.visits_missed,
            follow_ups: report.follow_ups,
            deals_moved: report.deals_moved,
            activities_done: report.activities_done,
            collected: Money::from_minor(report.collected_minor),
            daily_reports: report.daily_reports,
        }
    }
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The facts of `period` for each of `owners`, its days counted in `zone`: six statements at
/// most, whatever the number of owners (none for none).
pub async fn for_owners(
    db: &impl ConnectionTrait,
    owners: &[Uuid],
    period: &Period,
    zone: Tz,
) -> AppResult<HashMap<Uuid, Facts>> {
    let mut facts: HashMap<Uuid, Facts> = owners.iter().map(|o| (*o, Facts::default())).collect();
    if owners.is_empty() {
        return Ok(facts);
    }
    let (start, end) = period.window(zone);
    let owner_list = owners.to_vec();

    let visits: Vec<(Uuid, String, i64)> = visit_task::Entity::find()
        .select_only()
        .column(visit_task::Column::AssigneeId)
        .column(visit_task::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(visit_task::Column::AssigneeId.is_in(owner_list.clone()))
        .filter(visit_task::Column::LocalDate.between(period.from, period.to))
        .filter(visit_task::Column::Status.is_in(["COMPLETED", "MISSED"]))
        .group_by(visit_task::Column::AssigneeId)
        .group_by(visit_task::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (owner, status, n) in visits {
        if let Some(f) = facts.get_mut(&owner) {
            if status == "COMPLETED" {
                f.visits_done = count(n);
            } else {
                f.visits_missed = count(n);
            }
        }
    }

    let follow_ups: Vec<(Uuid, i64)> = follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::AuthorId)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(follow_up::Column::AuthorId.is_in(owner_list.clone()))
        .filter(follow_up::Column::OccurredAt.gte(start))
        .filter(follow_up::Column::OccurredAt.lt(end))
        .group_by(follow_up::Column::AuthorId)
        .into_tuple()
        .all(db)
        .await?;
    for (owner, n) in follow_ups {
        if let Some(f) = facts.get_mut(&owner) {
            f.follow_ups = count(n);
        }
    }

    // A deal's creation in its first stage is not a move.
    let moves: Vec<(Uuid, i64)> = stage_change::Entity::find()
        .select_only()
        .column(stage_change::Column::ChangedBy)
        .column_as(
            Expr::cust("COUNT(DISTINCT \"stage_changes\".\"opportunity_id\")"),
            "n",
        )
        .filter(stage_change::Column::ChangedBy.is_in(owner_list.clone()))
        .filter(stage_change::Column::ChangedAt.gte(start))
        .filter(stage_change::Column::ChangedAt.lt(end))
        .filter(stage_change::Column::FromStageId.is_not_null())
        .group_by(stage_change::Column::ChangedBy)
        .into_tuple()
        .all(db)
        .await?;
    for (owner, n) in moves {
        if let Some(f) = facts.get_mut(&owner) {
            f.deals_moved = count(n);
        }
    }

    let done: Vec<(Uuid, i64)> = activity::Entity::find()
        .select_only()
        .column(activity::Column::OwnerId)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(activity::Column::OwnerId.is_in(owner_list.clone()))
        .filter(activity::Column::Done.eq(true))
        .filter(activity::Column::DoneAt.gte(start))
        .filter(activity::Column::DoneAt.lt(end))
        .group_by(activity::Column::OwnerId)
        .into_tuple()
        .all(db)
        .await?;
    for (owner, n) in done {
        if let Some(f) = facts.get_mut(&owner) {
            f.activities_done = count(n);
        }
    }

    let collected: Vec<(Uuid, Option<i64>)> = payment::Entity::find()
        .select_only()
        .column_as(customer::Column::OwnerId, "owner")
        .column_as(
            crate::exact_sum::saturating(Expr::col((
                payment::Entity,
                payment::Column::AmountMinor,
            ))),
            "total",
        )
        .join(JoinType::InnerJoin, payment_customer())
        .filter(customer::Column::OwnerId.is_in(owner_list.clone()))
        .filter(payment::Column::ReceivedDate.between(period.from, period.to))
        .filter(payment::Column::Status.ne("REVERSED"))
        .group_by(customer::Column::OwnerId)
        .into_tuple()
        .all(db)
        .await?;
    for (owner, total) in collected {
        if let Some(f) = facts.get_mut(&owner) {
            f.collected = Money::from_minor(total.unwrap_or(0));
        }
    }

    if period.kind == WorkReportKind::Weekly {
        for f in facts.values_mut() {
            f.daily_reports = Some(0);
        }
        let dailies: Vec<(Uuid, i64)> = work_report::Entity::find()
            .select_only()
            .column(work_report::Column::OwnerId)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .filter(work_report::Column::OwnerId.is_in(owner_list))
            .filter(work_report::Column::Kind.eq(WorkReportKind::Daily.as_str()))
            .filter(work_report::Column::PeriodStart.between(period.from, period.to))
            .group_by(work_report::Column::OwnerId)
            .into_tuple()
            .all(db)
            .await?;
        for (owner, n) in dailies {
            if let Some(f) = facts.get_mut(&owner) {
                f.daily_reports = Some(count(n));
            }
        }
    }
    Ok(facts)
}

/// A payment's customer, for the join summing collections by the customer's owner.
fn payment_customer() -> sea_orm::RelationDef {
    payment::Entity::belongs_to(customer::Entity)
        .from(payment::Column::CustomerId)
        .to(customer::Column::Id)
        .into()
}
