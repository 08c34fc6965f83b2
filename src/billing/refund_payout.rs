//! Paying out an approved refund: its money taken under the customer's lock, from the credit
//! first and then from the named installments' allocations (which reopen), recorded source by
//! source so `verifyLedger` can check every payment and refund.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use uuid::Uuid;

use super::ledger;
use super::model::PaymentStatus;
use super::payments::PaymentMethod;
use super::refunds::{RefundStatus, get_refund, load, move_status, sources};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::money::Money;
use crate::state::AppState;
use entity::refund;
use entity::{allocation, installment, payment, refund_source};

/// A payout to record.
#[derive(Debug, Clone, Serialize)]
pub struct Payout {
    pub refund_id: Uuid,
    pub method: PaymentMethod,
    pub reference: String,
    pub paid_on: Option<NaiveDate>,
}

/// Pays out an approved refund (finance, admins): takes its money from the credit, then from
/// the named installments' allocations (which reopen), and records how it was paid.
/// Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (reference, a date
/// in the future), `INVALID_STATE` (not approved, already paid, or the money is no longer
/// there: another refund or allocation took it), `IDEMPOTENCY_KEY_REUSED`.
pub async fn record_refund(
    state: &AppState,
    viewer: &Viewer,
    payout: Payout,
    idempotency_key: Option<String>,
) -> AppResult<refund::Model> {
    ledger::require_finance(viewer)?;
    let reference = crate::input::required_text(&payout.reference, "input.reference", 200)?;
    let now = state.clock.now();
    let today = state.config.company_today(now);
    let paid_on = payout.paid_on.unwrap_or(today);
    if paid_on > today {
        return Err(AppError::bad_input(
            "input.paidOn",
            "A refund is recorded once paid, not ahead",
        ));
    }
    let call = IdempotentCall::new(viewer.user_id, "recordRefund", idempotency_key, &payout)?;
    let mut announced = Vec::new();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let seen = get_refund(txn, viewer, payout.refund_id)
            .await
            .map_err(|e| e.with_field("input.id"))?;
        ledger::lock_customer(txn, seen.customer_id).await?;
        let current = load(txn, seen.id).await?;
        match RefundStatus::parse(&current.status) {
            Some(RefundStatus::Approved) => {}
            Some(RefundStatus::Paid) => {
                return Err(AppError::invalid_state("The refund was paid already"));
            }
            Some(RefundStatus::PendingApproval) => {
                return Err(AppError::invalid_state("The refund awaits its approval"));
            }
            _ => return Err(AppError::invalid_state("The refund was not approved")),
        }
        let named: Vec<Uuid> =
            serde_json::from_str(&current.installment_ids).map_err(|_| AppError::internal())?;
        let taken = take(txn, &current, &named, now).await?;
        move_status(
            txn,
            current.id,
            RefundStatus::Approved,
            refund::ActiveModel {
                status: Set(RefundStatus::Paid.as_str().to_owned()),
                method: Set(Some(payout.method.as_str().to_owned())),
                reference: Set(Some(reference.clone())),
                paid_on: Set(Some(paid_on)),
                paid_by: Set(Some(viewer.user_id)),
                ..Default::default()
            },
            now,
        )
        .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "refund.paid",
            subject_type: "Refund",
            subject_id: current.id,
            details: serde_json::json!({
                "amountMinor": current.amount_minor,
                "fromCreditMinor": taken.0,
                "fromAllocationsMinor": taken.1,
            }),
        }
        .record(txn, now)
        .await?;
        if current.requested_by != viewer.user_id {
            let notice = crate::notifications::service::NewNotification {
                user_id: current.requested_by,
                kind: "REFUND_PAID",
                title: format!("Refund {} paid", current.number),
                body: format!(
                    "Refund {} of {} was paid out.",
                    current.number,
                    Money::from_minor(current.amount_minor).to_decimal()
                ),
                subject_type: Some("Refund"),
                subject_id: Some(current.id),
            };
            announced.push(crate::notifications::service::notify(txn, notice, now).await?);
        }
        Ok(current.id)
    })
    .await?
    .into_inner();
    crate::notifications::service::announce(state.events.as_ref(), &announced);
    load(&state.db, id).await
}

/// Takes a refund's money under the customer's lock; returns (from credit, from
/// allocations). Errors: `INVALID_STATE` when the sources no longer cover it.
async fn take(
    db: &impl ConnectionTrait,
    refund: &refund::Model,
    named: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<(i64, i64)> {
    let sources = sources(db, refund.customer_id, refund.payment_id, named).await?;
    if sources.total() < refund.amount_minor {
        return Err(AppError::invalid_state(format!(
            "The credit and the named allocations no longer cover this refund ({} short): \
             another refund or allocation took the money",
            Money::from_minor(refund.amount_minor - sources.total()).to_decimal()
        )));
    }
    let mut left = refund.amount_minor;
    let mut from_credit = 0;
    for (payment_id, credit) in &sources.credit {
        let part = Ord::min(left, *credit);
        if part == 0 {
            break;
        }
        move_payment(db, *payment_id, part, part, now).await?;
        source(db, refund.id, *payment_id, None, part, now).await?;
        from_credit += part;
        left -= part;
    }
    let mut from_allocations = 0;
    for (installment_id, payment_id, standing) in &sources.allocated {
        let part = Ord::min(left, *standing);
        if part == 0 {
            break;
        }
        allocation::ActiveModel {
            id: Set(Uuid::now_v7()),
            payment_id: Set(*payment_id),
            installment_id: Set(*installment_id),
            amount_minor: Set(-part),
            kind: Set("REFUND".to_owned()),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        let item = installment::Entity::find_by_id(*installment_id)
            .one(db)
            .await?
            .ok_or_else(AppError::internal)?;
        ledger::adjust(db, &item, -part, 0, 0, now).await?;
        move_payment(db, *payment_id, 0, part, now).await?;
        source(db, refund.id, *payment_id, Some(*installment_id), part, now).await?;
        from_allocations += part;
        left -= part;
    }
    if left != 0 {
        return Err(AppError::internal());
    }
    Ok((from_credit, from_allocations))
}

/// Lowers a payment's credit by `credit` and raises what it refunded by `refunded`, guarded so
/// the credit never goes negative.
async fn move_payment(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
    credit: i64,
    refunded: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let moved = payment::Entity::update_many()
        .col_expr(
            payment::Column::UnallocatedMinor,
            Expr::col(payment::Column::UnallocatedMinor).sub(credit),
        )
        .col_expr(
            payment::Column::RefundedMinor,
            Expr::col(payment::Column::RefundedMinor).add(refunded),
        )
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            payment::Column::Version,
            Expr::col(payment::Column::Version).add(1),
        )
        .filter(payment::Column::Id.eq(payment_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Received.as_str()))
        .filter(payment::Column::UnallocatedMinor.gte(credit))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::invalid_state(
            "The payment's credit moved meanwhile; retry",
        ));
    }
    Ok(())
}

async fn source(
    db: &impl ConnectionTrait,
    refund_id: Uuid,
    payment_id: Uuid,
    installment_id: Option<Uuid>,
    amount: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    refund_source::ActiveModel {
        id: Set(Uuid::now_v7()),
        refund_id: Set(refund_id),
        payment_id: Set(payment_id),
        installment_id: Set(installment_id),
        amount_minor: Set(amount),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}
