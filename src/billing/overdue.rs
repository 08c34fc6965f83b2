//! The sweep reminding owners and finance of installments falling due and overdue.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use uuid::Uuid;

use super::ledger::COLLECTING;
use crate::error::AppResult;
use crate::identity::Role;
use crate::money::Money;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::installment::{self, Column, Entity as Installments};
use entity::installment_reminder::{self, Entity as Reminders};

/// Lock of the overdue sweep.
pub const OVERDUE_LOCK: i64 = 0x5341_4c45_0005;
const SWEEP_BATCH: u64 = 1000;

/// Reminds the contract owner and every active finance user, once per installment and
/// reminder level (`SALESGRAPH_OVERDUE_REMINDER_DAYS`, days past due in the company's time
/// zone; below 0, days before it), of installments still owing. An installment first seen past several levels gets one
/// reminder, for the highest. Safe on several instances.
pub async fn remind(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    remind_in_batches(state, now, SWEEP_BATCH).await
}

/// [`remind`], reading `batch` installments at a time until none still owes a reminder.
pub async fn remind_in_batches(
    state: &AppState,
    now: DateTime<Utc>,
    batch: u64,
) -> AppResult<SweepReport> {
    let levels = state.config.reminder_levels();
    if levels.is_empty() {
        return Ok(SweepReport {
            ran: true,
            affected: 0,
        });
    }
    let Some(txn) = crate::sweeps::begin_exclusive(state, OVERDUE_LOCK).await? else {
        return Ok(SweepReport::default());
    };
    let today = state.config.company_today(now);
    let finance = crate::users::service::active_with_role(&txn, Role::Finance).await?;
    let mut written = Vec::new();
    let mut reminded = 0;
    let mut after = None;
    loop {
        let candidates = owing_a_reminder(&txn, &levels, today, after, batch).await?;
        let Some(last) = candidates.last() else {
            break;
        };
        after = Some((last.due_date, last.id));
        let full = u64::try_from(candidates.len()).is_ok_and(|n| n >= batch);
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
                    level: Set(level_column(*level)),
                    sent_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
            reminded += 1;
            written.extend(notify(&txn, &item, highest, &finance, now).await?);
        }
        if !full {
            break;
        }
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(SweepReport {
        ran: true,
        affected: reminded,
    })
}

fn level_column(level: i64) -> i32 {
    i32::try_from(level).unwrap_or(i32::MAX)
}

/// Up to `batch` installments of collecting contracts, still owing money, that have not yet
/// had the reminder of the highest level they reached, in (due date, id) order after `after`.
/// Skipping the fully reminded ones keeps old unpaid installments from starving newer ones.
async fn owing_a_reminder(
    txn: &sea_orm::DatabaseTransaction,
    levels: &[i64],
    today: NaiveDate,
    after: Option<(NaiveDate, Uuid)>,
    batch: u64,
) -> AppResult<Vec<installment::Model>> {
    let collecting = Query::select()
        .column(entity::contract::Column::Id)
        .from(entity::contract::Entity)
        .and_where(entity::contract::Column::Status.is_in(COLLECTING.iter().map(|s| s.as_str())))
        .to_owned();
    // Reached level k: due on or before today − levels[k] and after today − levels[k + 1].
    let mut owing = Condition::any();
    for (k, level) in levels.iter().enumerate() {
        let mut reached =
            Condition::all().add(Column::DueDate.lte(today - chrono::Duration::days(*level)));
        if let Some(next) = levels.get(k + 1) {
            reached = reached.add(Column::DueDate.gt(today - chrono::Duration::days(*next)));
        }
        let sent = Query::select()
            .expr(Expr::val(1))
            .from(Reminders)
            .and_where(
                Expr::col((Reminders, installment_reminder::Column::InstallmentId))
                    .equals((Installments, Column::Id)),
            )
            .and_where(
                Expr::col((Reminders, installment_reminder::Column::Level))
                    .eq(level_column(*level)),
            )
            .to_owned();
        owing = owing.add(reached.add(Expr::exists(sent).not()));
    }
    let mut query = Installments::find()
        .filter(Column::ContractId.in_subquery(collecting))
        .filter(
            Expr::col(Column::AmountMinor)
                .sub(Expr::col(Column::PaidMinor))
                .sub(Expr::col(Column::WaivedMinor))
                .gt(0),
        )
        .filter(owing);
    if let Some((due, id)) = after {
        query = query.filter(
            Condition::any().add(Column::DueDate.gt(due)).add(
                Condition::all()
                    .add(Column::DueDate.eq(due))
                    .add(Column::Id.gt(id)),
            ),
        );
    }
    Ok(query
        .order_by_asc(Column::DueDate)
        .order_by_asc(Column::Id)
        .limit(batch)
        .all(txn)
        .await?)
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
    let (kind, title) = if level < 0 {
        (
            "INSTALLMENT_DUE_SOON",
            format!("Due in {} days: {} #{}", -level, contract.number, item.seq),
        )
    } else if level == 0 {
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
