//! The grade sweep: stores each unpinned customer's computed grade (what lists filter and sort
//! on) and tells the owner when it changed. Safe on several instances: a grade is written only
//! while the row still holds the grade the sweep read, so each change is stored and told once.
//! A customer's first grade (none stored yet) is stored without a notice.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::error::AppResult;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::customer;

/// Customers graded per batch (one set of grouped statements each).
const BATCH: u64 = 500;

type Row = (Uuid, Uuid, String, Option<String>, Option<String>);

/// Recomputes every unpinned customer's grade at `now`.
pub async fn regrade(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let rules = super::store::rules(&state.db).await?;
    let mut after = Uuid::nil();
    let mut changed = 0;
    loop {
        let rows: Vec<Row> = customer::Entity::find()
            .select_only()
            .columns([
                customer::Column::Id,
                customer::Column::OwnerId,
                customer::Column::Name,
                customer::Column::Grade,
                customer::Column::Influence,
            ])
            .filter(customer::Column::PinnedGrade.is_null())
            .filter(customer::Column::Id.gt(after))
            .order_by_asc(customer::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(&state.db)
            .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.0;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
        let facts = super::facts::gather(&state.db, &rules, &ids, now).await?;
        let mut changes = Vec::new();
        for (id, owner, name, stored, influence) in rows {
            let Some(facts) = facts.get(&id) else {
                continue;
            };
            let grade = rules.health(facts, influence.as_deref()).grade;
            if stored.as_deref() != Some(grade) {
                changes.push((id, owner, name, stored, grade));
            }
        }
        if changes.is_empty() {
            continue;
        }
        let txn = crate::db::begin_write(&state.db).await?;
        let mut written = Vec::new();
        for (id, owner, name, stored, grade) in changes {
            let still = match &stored {
                Some(old) => customer::Column::Grade.eq(old.as_str()),
                None => customer::Column::Grade.is_null(),
            };
            let updated = customer::Entity::update_many()
                .col_expr(customer::Column::Grade, Expr::value(Some(grade)))
                .filter(customer::Column::Id.eq(id))
                .filter(customer::Column::PinnedGrade.is_null())
                .filter(still)
                .exec(&txn)
                .await?;
            if updated.rows_affected != 1 {
                continue;
            }
            changed += 1;
            let Some(old) = stored else {
                continue;
            };
            let notice = NewNotification {
                user_id: owner,
                kind: "CUSTOMER_GRADE_CHANGED",
                title: format!("{name} is now graded {grade}"),
                body: format!("{name} went from grade {old} to {grade} with its health."),
                subject_type: Some("Customer"),
                subject_id: Some(id),
            };
            written.push(notifications::notify(&txn, notice, now).await?);
        }
        txn.commit().await?;
        notifications::announce(state.events.as_ref(), &written);
    }
    Ok(SweepReport {
        ran: true,
        affected: changed,
    })
}
