//! The sweep marking visits still planned after their local day as missed.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::rules::VisitStatus;
use crate::error::AppResult;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::visit_task::{self, Entity as Visits};

/// Lock of the missed-visit sweep.
pub const MISSED_LOCK: i64 = 0x5341_4c45_0004;
/// How many tasks one sweep marks at most; the next sweep continues.
const SWEEP_BATCH: u64 = 500;

/// Marks every task still `PLANNED` when its local day has ended as `MISSED`, and tells the
/// assignee's manager. Each task is marked (and reported) once, even when instances sweep
/// together.
pub async fn mark_missed(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let Some(txn) = crate::sweeps::begin_exclusive(state, MISSED_LOCK).await? else {
        return Ok(SweepReport::default());
    };
    let overdue = Visits::find()
        .filter(visit_task::Column::Status.eq(VisitStatus::Planned.as_str()))
        .filter(visit_task::Column::DayEndsAt.lte(now))
        .order_by_asc(visit_task::Column::DayEndsAt)
        .limit(SWEEP_BATCH)
        .all(&txn)
        .await?;
    let mut written = Vec::new();
    let mut marked = 0;
    let mut managers: std::collections::HashMap<uuid::Uuid, Vec<uuid::Uuid>> =
        std::collections::HashMap::new();
    for task in overdue {
        let changed = Visits::update_many()
            .col_expr(
                visit_task::Column::Status,
                Expr::value(VisitStatus::Missed.as_str()),
            )
            .col_expr(visit_task::Column::MissedAt, Expr::value(Some(now)))
            .col_expr(visit_task::Column::Version, Expr::value(task.version + 1))
            .col_expr(visit_task::Column::UpdatedAt, Expr::value(now))
            .filter(visit_task::Column::Id.eq(task.id))
            .filter(visit_task::Column::Version.eq(task.version))
            .exec(&txn)
            .await?;
        if changed.rows_affected != 1 {
            continue; // changed since read: checked in, cancelled or rescheduled
        }
        marked += 1;
        crate::audit::Entry {
            actor_id: None,
            action: "visit.missed",
            subject_type: "VisitTask",
            subject_id: task.id,
            details: serde_json::json!({ "localDate": task.local_date }),
        }
        .record(&txn, now)
        .await?;
        let recipients = match managers.get(&task.assignee_id) {
            Some(found) => found.clone(),
            None => {
                let found = crate::users::service::managers_of(&txn, task.assignee_id).await?;
                managers.insert(task.assignee_id, found.clone());
                found
            }
        };
        for manager in recipients {
            let notice = NewNotification {
                user_id: manager,
                kind: "VISIT_MISSED",
                title: format!("Visit missed: {}", task.purpose),
                body: format!(
                    "A visit planned for {} was neither checked in nor cancelled.",
                    task.local_date
                ),
                subject_type: Some("VisitTask"),
                subject_id: Some(task.id),
            };
            written.push(notifications::notify(&txn, notice, now).await?);
        }
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(SweepReport {
        ran: true,
        affected: marked,
    })
}
