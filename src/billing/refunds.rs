//! Refunds: money paid back to a customer, asked for (finance, admins, or a seller who may
//! change one of the customer's contracts), approved through the approval engine (policy
//! `REFUND`, default finance then admin), then paid out by finance.
//!
//! - A refund takes from the customer's credit first (of its payment, or of any of the
//!   customer's payments, newest first), then from the allocations of the installments it
//!   names, in the order named (newest payment first), which reopens them. Nothing goes
//!   negative: a payment's credit, an installment's paid amount.
//! - Asking reserves: a request is refused when the customer's pending and approved refunds
//!   plus this one exceed what the credit and the named allocations hold. Paying out takes the
//!   money under the customer's lock; of two refunds racing for the same credit, exactly one
//!   takes it and the other is refused, nothing written.
//! - Per payment, `amount = standing allocations + credit + refunded`; `verifyLedger` checks
//!   it, and each paid refund against the sources it took.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::ledger;
use super::model::PaymentStatus;
use crate::approvals::policy::ApprovalSubjectKind;
use crate::approvals::service::{NewRequest, Outbox, open_request};
use crate::contracts::service::Settlement;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::money::Money;
use crate::state::AppState;
use entity::refund::{self, Entity as Refunds};
use entity::{allocation, payment};

/// Most installments one refund may name.
pub const MAX_INSTALLMENTS: usize = 50;

crate::string_enum! {
    /// Where a refund stands.
    RefundStatus {
        /// Awaiting its approval chain.
        PendingApproval => "PENDING_APPROVAL",
        /// Approved; finance pays it out.
        Approved => "APPROVED",
        /// A step rejected it.
        Rejected => "REJECTED",
        /// Its requester took it back.
        Withdrawn => "WITHDRAWN",
        /// Paid out: the money left.
        Paid => "PAID",
    }
}

/// Statuses whose amount is spoken for until paid out or closed.
const RESERVING: [RefundStatus; 2] = [RefundStatus::PendingApproval, RefundStatus::Approved];

/// A refund to ask for.
#[derive(Debug, Clone, Serialize)]
pub struct NewRefund {
    pub payment_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub amount_minor: i64,
    pub reason: String,
    pub installment_ids: Vec<Uuid>,
}

/// allocation to each named installment.
#[derive(Debug, Default)]
pub(super) struct Sources {
    /// (payment, credit), newest payment first.
    pub(super) credit: Vec<(Uuid, i64)>,
    /// (installment, payment, standing), installments in the order named, newest payment
    /// first within each.
    pub(super) allocated: Vec<(Uuid, Uuid, i64)>,
}

impl Sources {
    pub(super) fn total(&self) -> i64 {
        self.credit.iter().map(|(_, c)| c).sum::<i64>()
            + self.allocated.iter().map(|(_, _, a)| a).sum::<i64>()
    }
}

/// The payments a refund may draw on: the one it names, or every received payment of the
/// customer, newest first.
async fn payments_for(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    payment_id: Option<Uuid>,
) -> AppResult<Vec<payment::Model>> {
    let mut query = payment::Entity::find()
        .filter(payment::Column::CustomerId.eq(customer_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Received.as_str()));
    if let Some(id) = payment_id {
        query = query.filter(payment::Column::Id.eq(id));
    }
    Ok(query
        .order_by_desc(payment::Column::ReceivedDate)
        .order_by_desc(payment::Column::Id)
        .all(db)
        .await?)
}

pub(super) async fn sources(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    payment_id: Option<Uuid>,
    installment_ids: &[Uuid],
) -> AppResult<Sources> {
    let payments = payments_for(db, customer_id, payment_id).await?;
    let credit = payments
        .iter()
        .filter(|p| p.unallocated_minor > 0)
        .map(|p| (p.id, p.unallocated_minor))
        .collect();
    let mut allocated = Vec::new();
    if !installment_ids.is_empty() {
        let rows = allocation::Entity::find()
            .filter(allocation::Column::InstallmentId.is_in(installment_ids.to_vec()))
            .filter(allocation::Column::PaymentId.is_in(payments.iter().map(|p| p.id)))
            .all(db)
            .await?;
        for installment in installment_ids {
            for p in &payments {
                let standing: i64 = rows
                    .iter()
                    .filter(|a| a.installment_id == *installment && a.payment_id == p.id)
                    .map(|a| a.amount_minor)
                    .sum();
                if standing > 0 {
                    allocated.push((*installment, p.id, standing));
                }
            }
        }
    }
    Ok(Sources { credit, allocated })
}

/// What the customer's pending and approved refunds already speak for.
async fn reserved(db: &impl ConnectionTrait, customer_id: Uuid) -> AppResult<i64> {
    Ok(Refunds::find()
        .filter(refund::Column::CustomerId.eq(customer_id))
        .filter(refund::Column::Status.is_in(RESERVING.iter().map(|s| s.as_str())))
        .all(db)
        .await?
        .iter()
        .map(|r| r.amount_minor)
        .sum())
}

/// Whether a seller may ask for refunds of this customer: they may change one of its contracts.
async fn sells_to(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    customer_id: Uuid,
) -> AppResult<bool> {
    Ok(entity::contract::Entity::find()
        .filter(entity::contract::Column::CustomerId.eq(customer_id))
        .filter(crate::policy::changeable_contracts(viewer))
        .count(db)
        .await?
        > 0)
}

/// The input's own fields, every problem at once; the reason trimmed.
fn checked(new: &NewRefund) -> AppResult<String> {
    let mut problems = crate::input::Problems::default();
    if new.payment_id.is_none() && new.customer_id.is_none() {
        problems.check::<()>(Err(AppError::bad_input(
            "input.customerId",
            "Name the payment or the customer",
        )));
    }
    if new.amount_minor <= 0 {
        problems.check::<()>(Err(AppError::bad_input(
            "input.amount",
            "A refund is above zero",
        )));
    }
    if new.installment_ids.len() > MAX_INSTALLMENTS {
        problems.check::<()>(Err(AppError::bad_input(
            "input.installmentIds",
            format!("A refund names at most {MAX_INSTALLMENTS} installments"),
        )));
    }
    for (i, id) in new.installment_ids.iter().enumerate() {
        if new.installment_ids[..i].contains(id) {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.installmentIds.{i}"),
                "Each installment once",
            )));
        }
    }
    let reason = problems.check(crate::input::required_text(
        &new.reason,
        "input.reason",
        1000,
    ));
    problems.finish()?;
    reason.ok_or_else(AppError::internal)
}

/// The customer a refund is for, seen by the viewer: the payment's (which must be the named
/// customer's) or the named one. Errors: `NOT_FOUND`, `BAD_USER_INPUT` (another customer's
/// payment), `INVALID_STATE` (a reversed payment).
async fn customer_of(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    new: &NewRefund,
) -> AppResult<Uuid> {
    if let Some(payment_id) = new.payment_id {
        let found = super::payments::get_payment(db, viewer, payment_id)
            .await
            .map_err(|e| e.with_field("input.paymentId"))?;
        if new.customer_id.is_some_and(|c| c != found.customer_id) {
            return Err(AppError::bad_input(
                "input.paymentId",
                "This payment is another customer's",
            ));
        }
        if found.status != PaymentStatus::Received.as_str() {
            return Err(
                AppError::invalid_state("A reversed payment has nothing to refund")
                    .with_field("input.paymentId"),
            );
        }
        return Ok(found.customer_id);
    }
    let id = new.customer_id.ok_or_else(AppError::internal)?;
    let visible = entity::customer::Entity::find_by_id(id)
        .filter(crate::policy::customers(viewer))
        .count(db)
        .await?;
    if visible == 0 {
        return Err(AppError::not_found("Customer").with_field("input.customerId"));
    }
    Ok(id)
}

/// Asks to refund a customer: opens its approval request and reserves its amount. Idempotent
/// by key. Errors: `NOT_FOUND` (payment, customer or installment not visible), `FORBIDDEN`
/// (a seller who may change none of the customer's contracts), `BAD_USER_INPUT` (amount above
/// what was received, or than the credit plus named allocations beyond other refunds; another
/// customer's payment or installment), `INVALID_STATE` (reversed payment),
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn request_refund(
    state: &AppState,
    viewer: &Viewer,
    new: NewRefund,
    idempotency_key: Option<String>,
) -> AppResult<refund::Model> {
    let reason = checked(&new)?;
    let call = IdempotentCall::new(viewer.user_id, "requestRefund", idempotency_key, &new)?;
    let now = state.clock.now();
    let mut announced = Outbox::default();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let customer_id = customer_of(txn, viewer, &new).await?;
        let finance = matches!(viewer.role, Role::Finance | Role::Admin);
        if !finance && !sells_to(txn, viewer, customer_id).await? {
            return Err(AppError::read_only("customer's money"));
        }
        for (i, id) in new.installment_ids.iter().enumerate() {
            let field = format!("input.installmentIds.{i}");
            let item = super::plans::get_installment(txn, viewer, *id)
                .await
                .map_err(|e| e.with_field(field.clone()))?;
            if item.customer_id != customer_id {
                return Err(AppError::bad_input(
                    field,
                    "This installment is another customer's",
                ));
            }
        }
        ledger::lock_customer(txn, customer_id).await?;
        let received: i64 = payments_for(txn, customer_id, new.payment_id)
            .await?
            .iter()
            .map(|p| p.amount_minor - p.refunded_minor)
            .sum();
        if new.amount_minor > received {
            return Err(AppError::bad_input(
                "input.amount",
                format!(
                    "More than was received and not yet refunded ({})",
                    Money::from_minor(received).to_decimal()
                ),
            ));
        }
        let held = sources(txn, customer_id, new.payment_id, &new.installment_ids)
            .await?
            .total();
        let room = held - reserved(txn, customer_id).await?;
        if new.amount_minor > room {
            return Err(AppError::bad_input(
                "input.amount",
                format!(
                    "At most {} may be refunded: the credit plus the named installments' \
                     allocations, beyond refunds already asked for",
                    Money::from_minor(Ord::max(room, 0)).to_decimal()
                ),
            ));
        }
        let year = state.config.company_year(now);
        let seq = crate::numbering::next(txn, "REFUND", year).await?;
        let number = crate::numbering::format("RF", year, seq);
        let id = Uuid::now_v7();
        let snapshot = serde_json::to_string(&(&number, customer_id, &new))
            .map_err(|_| AppError::internal())?;
        let hash =
            crate::auth::tokens::hex(&<sha2::Sha256 as sha2::Digest>::digest(snapshot.as_bytes()));
        let (request, outbox) = open_request(
            txn,
            viewer.user_id,
            NewRequest {
                kind: ApprovalSubjectKind::Refund,
                subject_id: id,
                amount_minor: new.amount_minor,
                snapshot,
                snapshot_hash: hash,
                title: format!("refund {number}"),
            },
            now,
        )
        .await?;
        announced = outbox;
        let created = refund::ActiveModel {
            id: Set(id),
            number: Set(number),
            year: Set(year),
            seq: Set(seq),
            customer_id: Set(customer_id),
            payment_id: Set(new.payment_id),
            amount_minor: Set(new.amount_minor),
            reason: Set(reason.clone()),
            installment_ids: Set(
                serde_json::to_string(&new.installment_ids).map_err(|_| AppError::internal())?
            ),
            status: Set(RefundStatus::PendingApproval.as_str().to_owned()),
            request_id: Set(request.id),
            requested_by: Set(viewer.user_id),
            method: Set(None),
            reference: Set(None),
            paid_on: Set(None),
            paid_by: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "refund.requested",
            subject_type: "Refund",
            subject_id: created.id,
            details: serde_json::json!({
                "customerId": customer_id,
                "paymentId": new.payment_id,
                "amountMinor": new.amount_minor,
            }),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    // Empty on a replay: only the call that did the work announces it.
    announced.send(state);
    load(&state.db, id).await
}

pub(crate) async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<refund::Model> {
    Refunds::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// The title of a refund awaiting approval (for the approval engine). Errors: `INVALID_STATE`.
pub(crate) async fn check(db: &impl ConnectionTrait, id: Uuid) -> AppResult<String> {
    let found = load(db, id).await?;
    if found.status != RefundStatus::PendingApproval.as_str() {
        return Err(AppError::invalid_state("The refund is no longer pending"));
    }
    Ok(format!(
        "refund {} of {}",
        found.number,
        Money::from_minor(found.amount_minor).to_decimal()
    ))
}

/// Carries the approval's outcome over: approved refunds await their payout; rejected and
/// withdrawn ones release what they reserved.
pub(crate) async fn settle(
    db: &impl ConnectionTrait,
    id: Uuid,
    outcome: Settlement,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let status = match outcome {
        Settlement::Approved => RefundStatus::Approved,
        Settlement::Rejected => RefundStatus::Rejected,
        Settlement::Withdrawn => RefundStatus::Withdrawn,
    };
    move_status(
        db,
        id,
        RefundStatus::PendingApproval,
        refund::ActiveModel {
            status: Set(status.as_str().to_owned()),
            ..Default::default()
        },
        now,
    )
    .await
}

/// Writes `changes` while the refund is still `from`; `INVALID_STATE` otherwise.
pub(super) async fn move_status(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: RefundStatus,
    mut changes: refund::ActiveModel,
    now: DateTime<Utc>,
) -> AppResult<()> {
    changes.updated_at = Set(now);
    let moved = Refunds::update_many()
        .set(changes)
        .col_expr(
            refund::Column::Version,
            Expr::col(refund::Column::Version).add(1),
        )
        .filter(refund::Column::Id.eq(id))
        .filter(refund::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::invalid_state("The refund moved on meanwhile"));
    }
    Ok(())
}

/// A refund the viewer may see (its customer's payments). Errors: `NOT_FOUND`.
pub async fn get_refund(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<refund::Model> {
    Refunds::find_by_id(id)
        .filter(crate::policy::refunds(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Refund"))
}
