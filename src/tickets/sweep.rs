//! The ticket escalation sweep: a ticket still unresolved when its promised time runs out is
//! escalated once, to the support lead and the account's owner. The support lead is the
//! manager of the assignee's team, or every active admin when there is none (or no assignee).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::model::{TicketEventKind, TicketStatus};
use crate::error::AppResult;
use crate::identity::Role;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::ticket;

/// Lock of the escalation sweep.
pub const ESCALATION_LOCK: i64 = 0x5341_4c45_0036;
/// How many tickets one sweep escalates at most; the next continues.
const SWEEP_BATCH: u64 = 500;

/// Escalates every breached ticket once, even when instances sweep together.
pub async fn escalate(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let Some(txn) = crate::sweeps::begin_exclusive(state, ESCALATION_LOCK).await? else {
        return Ok(SweepReport::default());
    };
    let breached = ticket::Entity::find()
        .filter(ticket::Column::Status.is_in([
            TicketStatus::Open.as_str(),
            TicketStatus::InProgress.as_str(),
            TicketStatus::WaitingCustomer.as_str(),
        ]))
        .filter(ticket::Column::DueAt.lt(now))
        .filter(ticket::Column::EscalatedAt.is_null())
        .order_by_asc(ticket::Column::DueAt)
        .limit(SWEEP_BATCH)
        .all(&txn)
        .await?;
    let admins = if breached.is_empty() {
        Vec::new()
    } else {
        crate::users::service::active_with_role(&txn, Role::Admin).await?
    };
    let mut written = Vec::new();
    let mut escalated = 0;
    for found in breached {
        let marked = ticket::Entity::update_many()
            .col_expr(ticket::Column::EscalatedAt, Expr::value(Some(now)))
            .filter(ticket::Column::Id.eq(found.id))
            .filter(ticket::Column::EscalatedAt.is_null())
            .exec(&txn)
            .await?;
        if marked.rows_affected != 1 {
            continue;
        }
        escalated += 1;
        super::service::record(
            &txn,
            found.id,
            TicketEventKind::Escalated,
            (None, None),
            found.assignee_id,
            None,
            None,
            now,
        )
        .await?;
        let mut recipients = match found.assignee_id {
            Some(assignee) => crate::users::service::managers_of(&txn, assignee).await?,
            None => Vec::new(),
        };
        if recipients.is_empty() {
            recipients = admins.clone();
        }
        let owner: Option<uuid::Uuid> = entity::customer::Entity::find_by_id(found.customer_id)
            .select_only()
            .column(entity::customer::Column::OwnerId)
            .into_tuple()
            .one(&txn)
            .await?;
        recipients.extend(owner);
        recipients.sort_unstable();
        recipients.dedup();
        for user_id in recipients {
            let notice = NewNotification {
                user_id,
                kind: "TICKET_ESCALATED",
                title: format!("Ticket {} is past its promised time", found.number),
                body: format!(
                    "Ticket {} ({}, {}) was due {} and is not resolved.",
                    found.number,
                    found.priority,
                    found.subject,
                    found.due_at.format("%Y-%m-%d %H:%M UTC")
                ),
                subject_type: Some("Ticket"),
                subject_id: Some(found.id),
            };
            written.push(notifications::notify(&txn, notice, now).await?);
        }
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(SweepReport {
        ran: true,
        affected: escalated,
    })
}
