//! The callbacks sweep: back-fills the callbacks of contracts signed before their rules existed
//! (or before this product planned callbacks), tells assignees of overdue callbacks once, and
//! marks callbacks missed after the grace period. One instance at a time (the sweep's lock);
//! re-running it changes nothing (callbacks are unique per rule and contract, and every mark is
//! written with the condition it was taken on).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::model::{CallbackStatus, MAX_OFFSET_DAYS};
use super::planning::{self, Anchor, Assigner};
use crate::error::AppResult;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::{callback, contract};

/// Lock of the callbacks sweep.
pub const CALLBACK_LOCK: i64 = 0x5341_4c45_0035;
/// How many contracts, and callbacks, one sweep handles at most; the next sweep continues.
const SWEEP_BATCH: u64 = 500;

/// Runs the three steps once. `affected` counts callbacks written, told of and marked missed.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let Some(txn) = crate::sweeps::begin_exclusive(state, CALLBACK_LOCK).await? else {
        return Ok(SweepReport::default());
    };
    let today = state.config.company_today(now);
    let grace = state.config.callback_grace_days.clamp(0, 365);
    let mut affected = backfill(&txn, today, grace, now).await?;
    let mut written = Vec::new();
    let overdue = callback::Entity::find()
        .filter(callback::Column::Status.eq(CallbackStatus::Planned.as_str()))
        .filter(callback::Column::DueDate.lt(today))
        .filter(callback::Column::OverdueNotifiedAt.is_null())
        .order_by_asc(callback::Column::DueDate)
        .limit(SWEEP_BATCH)
        .all(&txn)
        .await?;
    for late in overdue {
        let marked = callback::Entity::update_many()
            .col_expr(callback::Column::OverdueNotifiedAt, Expr::value(Some(now)))
            .filter(callback::Column::Id.eq(late.id))
            .filter(callback::Column::OverdueNotifiedAt.is_null())
            .exec(&txn)
            .await?;
        if marked.rows_affected != 1 {
            continue;
        }
        affected += 1;
        let notice = NewNotification {
            user_id: late.assignee_id,
            kind: "CALLBACK_OVERDUE",
            title: "Callback overdue".to_owned(),
            body: format!(
                "A customer callback was due on {} and is not made yet.",
                late.due_date
            ),
            subject_type: Some("Callback"),
            subject_id: Some(late.id),
        };
        written.push(notifications::notify(&txn, notice, now).await?);
    }
    let missed_before = today - chrono::Duration::days(grace);
    let missed = callback::Entity::update_many()
        .col_expr(
            callback::Column::Status,
            Expr::value(CallbackStatus::Missed.as_str()),
        )
        .col_expr(
            callback::Column::Version,
            Expr::col(callback::Column::Version).add(1),
        )
        .col_expr(callback::Column::UpdatedAt, Expr::value(now))
        .filter(callback::Column::Status.eq(CallbackStatus::Planned.as_str()))
        .filter(callback::Column::DueDate.lt(missed_before))
        .exec(&txn)
        .await?;
    affected += missed.rows_affected;
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(SweepReport {
        ran: true,
        affected,
    })
}

/// Plans the missing callbacks of signed and completed contracts whose anchor is recent enough
/// for a rule's callback to be still makeable. Returns how many were written.
async fn backfill(
    txn: &sea_orm::DatabaseTransaction,
    today: chrono::NaiveDate,
    grace: i64,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let rules = planning::active_rules(txn).await?;
    let Some(longest) = rules.iter().map(|r| r.offset_days).max() else {
        return Ok(0);
    };
    let horizon =
        today - chrono::Duration::days(i64::from(Ord::min(longest, MAX_OFFSET_DAYS)) + grace);
    let mut lacking = Condition::any();
    for rule in &rules {
        lacking = lacking.add(
            contract::Column::Id.not_in_subquery(
                Query::select()
                    .column(callback::Column::ContractId)
                    .from(callback::Entity)
                    .and_where(callback::Column::RuleId.eq(rule.id))
                    .to_owned(),
            ),
        );
    }
    let recently_delivered = Query::select()
        .column(entity::delivery::Column::ContractId)
        .from(entity::delivery::Entity)
        .and_where(entity::delivery::Column::DeliveredOn.gte(horizon))
        .to_owned();
    let mut assigner = None;
    let mut written = 0;
    let mut after = None;
    // Page by id through the recent contracts lacking a callback: those whose missing
    // callbacks are all past stay lacking until they leave the horizon, and must not keep the
    // rest waiting.
    loop {
        let mut page = contract::Entity::find()
            .filter(contract::Column::Status.is_in(["SIGNED", "COMPLETED"]))
            .filter(
                Condition::any()
                    .add(contract::Column::SignedDate.gte(horizon))
                    .add(contract::Column::Id.in_subquery(recently_delivered.clone())),
            )
            .filter(lacking.clone());
        if let Some(after) = after {
            page = page.filter(contract::Column::Id.gt(after));
        }
        let candidates = page
            .order_by_asc(contract::Column::Id)
            .limit(SWEEP_BATCH)
            .all(txn)
            .await?;
        let full = candidates.len() as u64 == SWEEP_BATCH;
        after = candidates.last().map(|c| c.id);
        for found in candidates {
            let Some((kind, day)) = planning::anchor_of(txn, &found).await? else {
                continue;
            };
            let anchor = Anchor {
                kind,
                day,
                today,
                grace_days: grace,
            };
            let assigner = match &mut assigner {
                Some(loaded) => loaded,
                None => assigner.insert(Assigner::load(txn).await?),
            };
            written += planning::plan(txn, &found, anchor, &rules, assigner, now).await?;
        }
        if !full {
            return Ok(written);
        }
    }
}
