//! The sweep reminding owners and finance of installments falling due and overdue.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::ledger::COLLECTING;
use crate::auth::viewer::Role;
use crate::error::AppResult;
use crate::jobs::SweepReport;
use crate::money::Money;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use entity::installment::{self, Column, Entity as Installments};
use entity::installment_reminder::{self, Entity as Reminders};

/// Lock of the overdue sweep.
pub const OVERDUE_LOCK: i64 = 0x5341_4c45_0005;
const SWEEP_BATCH: u64 = 1000;

/// Reminds the contract owner and every active finance user, once per installment and
/// reminder level (`SALESGRAPH_OVERDUE_REMINDER_DAYS`, days past due in the company's time
/// zone), of installments still owing. An installment first seen past several levels gets one
/// reminder, for the highest. Safe on several instances.
pub async fn remind(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let levels = state.config.reminder_levels();
    let Some(first_level) = levels.first().copied() else {
        return Ok(SweepReport {
            ran: true,
            affected: 0,
        });
    };
    let Some(txn) = crate::jobs::begin_exclusive(state, OVERDUE_LOCK).await? else {
        return Ok(SweepReport::default());
    };
    let today = super::today(state, now);
    let collecting = sea_orm::sea_query::Query::select()
        .column(entity::contract::Column::Id)
        .from(entity::contract::Entity)
        .and_where(entity::contract::Column::Status.is_in(COLLECTING.iter().map(|s| s.as_str())))
        .to_owned();
    let candidates = Installments::find()
        .filter(Column::ContractId.in_subquery(collecting))
        .filter(
            Expr::col(Column::AmountMinor)
                .sub(Expr::col(Column::PaidMinor))
                .sub(Expr::col(Column::WaivedMinor))
                .gt(0),
        )
        .filter(Column::DueDate.lte(today - chrono::Duration::days(first_level)))
        .order_by_asc(Column::DueDate)
        .limit(SWEEP_BATCH)
        .all(&txn)
        .await?;
    let ids: Vec<Uuid> = candidates.iter().map(|i| i.id).collect();
    let mut sent: HashMap<Uuid, Vec<i64>> = HashMap::new();
    for reminder in Reminders::find()
        .filter(installment_reminder::Column::InstallmentId.is_in(ids))
        .all(&txn)
        .await?
    {
        sent.entry(reminder.installment_id)
            .or_default()
            .push(i64::from(reminder.level));
    }
    let finance = crate::users::service::active_with_role(&txn, Role::Finance).await?;
    let mut written = Vec::new();
    let mut reminded = 0;
    for item in candidates {
        let late = (today - item.due_date).num_days();
        let already = sent.get(&item.id).cloned().unwrap_or_default();
        let missing: Vec<i64> = levels
            .iter()
            .copied()
            .filter(|level| *level <= late && !already.contains(level))
            .collect();
        let Some(highest) = missing.last().copied() else {
            continue;
        };
        for level in &missing {
            installment_reminder::ActiveModel {
                installment_id: Set(item.id),
                level: Set(i32::try_from(*level).unwrap_or(i32::MAX)),
                sent_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        reminded += 1;
        written.extend(notify(&txn, &item, highest, &finance, now).await?);
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(SweepReport {
        ran: true,
        affected: reminded,
    })
}

async fn notify(
    txn: &sea_orm::DatabaseTransaction,
    item: &installment::Model,
    level: i64,
    finance: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<Vec<entity::notification::Model>> {
    let contract = crate::contracts::service::load(txn, item.contract_id).await?;
    let owed = Money::from_minor(item.amount_minor - item.paid_minor - item.waived_minor);
    let (kind, title) = if level == 0 {
        (
            "INSTALLMENT_DUE",
            format!("Due today: {} #{}", contract.number, item.seq),
        )
    } else {
        (
            "INSTALLMENT_OVERDUE",
            format!("{level} days overdue: {} #{}", contract.number, item.seq),
        )
    };
    let mut recipients = vec![contract.owner_id];
    recipients.extend(finance.iter().copied().filter(|f| *f != contract.owner_id));
    let mut written = Vec::new();
    for user_id in recipients {
        let notice = NewNotification {
            user_id,
            kind,
            title: title.clone(),
            body: format!(
                "{} of installment {} of {} (due {}) is still owed.",
                owed.to_decimal(),
                item.seq,
                contract.number,
                item.due_date
            ),
            subject_type: Some("Contract"),
            subject_id: Some(contract.id),
        };
        written.push(notifications::notify(txn, notice, now).await?);
    }
    Ok(written)
}
