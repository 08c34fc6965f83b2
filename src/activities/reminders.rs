//! The sweep reminding owners of their activities: once at `remindAt`, once more when the due
//! time passes with the activity still open. Each notice is marked sent in the transaction that
//! writes it, under the sweep's lock, so two instances never send one twice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::error::AppResult;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::activity::{self, Column, Entity as Activities};

/// Lock of the activity sweep.
pub const ACTIVITY_LOCK: i64 = 0x5341_4c45_0009;
/// Notices one sweep transaction writes at most; the rest wait for the next batch.
const BATCH: u64 = 500;

/// Which notice an activity is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    Reminder,
    Overdue,
}

/// Sends every reminder and overdue notice due at `now`, in batches. Safe on several
/// instances.
pub async fn remind(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let mut sent = 0;
    for notice in [Notice::Reminder, Notice::Overdue] {
        loop {
            let Some(count) = batch(state, notice, now).await? else {
                // Another instance is sending them.
                return Ok(SweepReport {
                    ran: false,
                    affected: sent,
                });
            };
            sent += count;
            if count < BATCH {
                break;
            }
        }
    }
    Ok(SweepReport {
        ran: true,
        affected: sent,
    })
}

/// One batch of `notice`: `None` when another instance holds the lock.
async fn batch(state: &AppState, notice: Notice, now: DateTime<Utc>) -> AppResult<Option<u64>> {
    let Some(txn) = crate::sweeps::begin_exclusive(state, ACTIVITY_LOCK).await? else {
        return Ok(None);
    };
    let (time, sent) = match notice {
        Notice::Reminder => (Column::RemindAt, Column::RemindedAt),
        Notice::Overdue => (Column::DueAt, Column::OverdueNotifiedAt),
    };
    let due = Activities::find()
        .filter(Column::Done.eq(false))
        .filter(time.lte(now))
        .filter(sent.is_null())
        .order_by_asc(time)
        .order_by_asc(Column::Id)
        .limit(BATCH)
        .all(&txn)
        .await?;
    if due.is_empty() {
        txn.commit().await?;
        return Ok(Some(0));
    }
    let ids: Vec<Uuid> = due.iter().map(|a| a.id).collect();
    Activities::update_many()
        .col_expr(sent, Expr::value(Some(now)))
        .filter(Column::Id.is_in(ids))
        .exec(&txn)
        .await?;
    // Times are told in each owner's own time zone.
    let owners: Vec<Uuid> = due.iter().map(|a| a.owner_id).collect();
    let zones: HashMap<Uuid, Tz> = entity::user::Entity::find()
        .filter(entity::user::Column::Id.is_in(owners))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| {
            let zone =
                crate::calendar::parse_zone(&u.timezone).unwrap_or(state.config.default_timezone);
            (u.id, zone)
        })
        .collect();
    let mut written = Vec::with_capacity(due.len());
    for item in &due {
        let zone = zones
            .get(&item.owner_id)
            .copied()
            .unwrap_or(state.config.default_timezone);
        written.push(notifications::notify(&txn, notice_of(item, notice, zone), now).await?);
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(Some(u64::try_from(due.len()).unwrap_or(u64::MAX)))
}

fn notice_of(item: &activity::Model, notice: Notice, zone: Tz) -> NewNotification {
    let due = item.due_at.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z");
    let (kind, title, body) = match notice {
        Notice::Reminder => (
            "ACTIVITY_REMINDER",
            format!("Coming up: {}", item.title),
            format!("Due {due}."),
        ),
        Notice::Overdue => (
            "ACTIVITY_OVERDUE",
            format!("Overdue: {}", item.title),
            format!("It was due {due} and is not done yet."),
        ),
    };
    NewNotification {
        user_id: item.owner_id,
        kind,
        title,
        body,
        subject_type: Some("Activity"),
        subject_id: Some(item.id),
    }
}
