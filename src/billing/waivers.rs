//! Waivers: forgiving part of an installment, only once an approval chain agrees.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::ledger;
use super::model::WaiverStatus;
use crate::approvals::policy::ApprovalSubjectKind;
use crate::approvals::service::{NewRequest, Outbox, open_request};
use crate::contracts::service::Settlement;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::money::Money;
use crate::state::AppState;
use entity::waiver::{self, Entity as Waivers};

/// A waiver to ask for.
#[derive(Debug, Clone, Serialize)]
pub struct NewWaiver {
    pub installment_id: Uuid,
    pub amount_minor: i64,
    pub reason: String,
}

/// What a waiver request freezes.
#[derive(Debug, Clone, Serialize)]
struct Frozen<'a> {
    installment_id: Uuid,
    amount_minor: i64,
    reason: &'a str,
}

pub(crate) async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<waiver::Model> {
    Waivers::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// What is still owed on an installment beyond the waivers already awaiting approval.
async fn waivable(db: &impl ConnectionTrait, item: &entity::installment::Model) -> AppResult<i64> {
    let pending: i64 = Waivers::find()
        .filter(waiver::Column::InstallmentId.eq(item.id))
        .filter(waiver::Column::Status.eq(WaiverStatus::Pending.as_str()))
        .all(db)
        .await?
        .iter()
        .map(|w| w.amount_minor)
        .sum();
    Ok(ledger::outstanding(item) - pending)
}

/// Asks (finance, admins) to waive part of an installment's outstanding amount, through the
/// approval chain of the waiver policy; nothing is waived until its last step approves.
/// Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (amount above what is
/// owed beyond pending waivers), `INVALID_STATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn request_waiver(
    state: &AppState,
    viewer: &Viewer,
    new: NewWaiver,
    idempotency_key: Option<String>,
) -> AppResult<(waiver::Model, Uuid)> {
    ledger::require_finance(viewer)?;
    // Every problem of the input's own fields at once.
    let mut problems = crate::input::Problems::default();
    if new.amount_minor <= 0 {
        problems.check::<()>(Err(AppError::bad_input(
            "input.amount",
            "A waiver is above zero",
        )));
    }
    let reason = problems.check(crate::input::required_text(
        &new.reason,
        "input.reason",
        1000,
    ));
    problems.finish()?;
    let Some(reason) = reason else {
        return Err(AppError::internal());
    };
    let call = IdempotentCall::new(viewer.user_id, "requestWaiver", idempotency_key, &new)?;
    let now = state.clock.now();
    let mut announced = Outbox::default();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let item = super::plans::get_installment(txn, viewer, new.installment_id)
            .await
            .map_err(|e| e.with_field("input.installmentId"))?;
        let contract = crate::contracts::service::load(txn, item.contract_id).await?;
        if !ledger::COLLECTING.contains(&crate::contracts::service::status_of(&contract)?) {
            return Err(AppError::invalid_state("The contract is not collecting"));
        }
        ledger::lock_customer(txn, item.customer_id).await?;
        let room = waivable(txn, &item).await?;
        if new.amount_minor > room {
            return Err(AppError::bad_input(
                "input.amount",
                format!(
                    "At most {} of this installment may still be waived",
                    Money::from_minor(Ord::max(room, 0)).to_decimal()
                ),
            ));
        }
        let id = Uuid::now_v7();
        let frozen = Frozen {
            installment_id: item.id,
            amount_minor: new.amount_minor,
            reason: &reason,
        };
        let snapshot = serde_json::to_string(&frozen).map_err(|_| AppError::internal())?;
        let hash =
            crate::auth::tokens::hex(&<sha2::Sha256 as sha2::Digest>::digest(snapshot.as_bytes()));
        let (request, outbox) = open_request(
            txn,
            viewer.user_id,
            NewRequest {
                kind: ApprovalSubjectKind::Waiver,
                subject_id: id,
                amount_minor: new.amount_minor,
                snapshot,
                snapshot_hash: hash,
                title: format!("waiver on {} #{}", contract.number, item.seq),
            },
            now,
        )
        .await?;
        announced = outbox;
        let created = waiver::ActiveModel {
            id: Set(id),
            installment_id: Set(item.id),
            amount_minor: Set(new.amount_minor),
            reason: Set(reason),
            status: Set(WaiverStatus::Pending.as_str().to_owned()),
            request_id: Set(request.id),
            requested_by: Set(viewer.user_id),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            applied_at: Set(None),
        }
        .insert(txn)
        .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "waiver.requested",
            subject_type: "Waiver",
            subject_id: created.id,
            details: serde_json::json!({"installmentId": item.id, "amountMinor": new.amount_minor}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    // Empty on a replay: only the call that did the work announces it.
    announced.send(state);
    let found = load(&state.db, id).await?;
    let request = found.request_id;
    Ok((found, request))
}

/// The title of a pending waiver whose installment still owes its amount; `INVALID_STATE`
/// otherwise (for the approval engine).
pub(crate) async fn check(txn: &DatabaseTransaction, id: Uuid) -> AppResult<String> {
    let found = load(txn, id).await?;
    if found.status != WaiverStatus::Pending.as_str() {
        return Err(AppError::invalid_state("The waiver is no longer pending"));
    }
    let item = entity::installment::Entity::find_by_id(found.installment_id)
        .one(txn)
        .await?
        .ok_or_else(AppError::internal)?;
    if ledger::outstanding(&item) < found.amount_minor {
        return Err(AppError::invalid_state(
            "The installment no longer owes the waived amount",
        ));
    }
    Ok(format!(
        "waiver of {} on installment {}",
        Money::from_minor(found.amount_minor).to_decimal(),
        item.seq
    ))
}

/// Applies an approved waiver to its installment, or closes a rejected or withdrawn one.
pub(crate) async fn settle(
    txn: &DatabaseTransaction,
    id: Uuid,
    outcome: Settlement,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let found = load(txn, id).await?;
    let status = match outcome {
        Settlement::Approved => "APPLIED",
        Settlement::Rejected => "REJECTED",
        Settlement::Withdrawn => "WITHDRAWN",
    };
    let mut update = Waivers::update_many()
        .col_expr(waiver::Column::Status, Expr::value(status))
        .col_expr(waiver::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            waiver::Column::Version,
            Expr::col(waiver::Column::Version).add(1),
        )
        .filter(waiver::Column::Id.eq(id))
        .filter(waiver::Column::Status.eq(WaiverStatus::Pending.as_str()));
    if outcome == Settlement::Approved {
        update = update.col_expr(waiver::Column::AppliedAt, Expr::value(Some(now)));
    }
    if update.exec(txn).await?.rows_affected != 1 {
        return Err(AppError::invalid_state("The waiver is no longer pending"));
    }
    if outcome == Settlement::Approved {
        let item = entity::installment::Entity::find_by_id(found.installment_id)
            .one(txn)
            .await?
            .ok_or_else(AppError::internal)?;
        ledger::lock_customer(txn, item.customer_id).await?;
        ledger::adjust(txn, &item, 0, found.amount_minor, 0, now).await?;
        crate::audit::Entry { actor_id: None, action: "waiver.applied", subject_type: "Waiver", subject_id: id, details: serde_json::json!({"installmentId": item.id, "amountMinor": found.amount_minor}) }.record(txn, now)
        .await?;
    }
    Ok(())
}

/// A waiver whose installment the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_waiver(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<waiver::Model> {
    let found = Waivers::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Waiver"))?;
    super::plans::get_installment(db, viewer, found.installment_id)
        .await
        .map_err(|_| AppError::not_found("Waiver"))?;
    Ok(found)
}

/// Waivers by id, without visibility (for loaders under visible requests).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<Vec<waiver::Model>> {
    Ok(Waivers::find()
        .filter(waiver::Column::Id.is_in(ids.to_vec()))
        .order_by_asc(waiver::Column::Id)
        .all(db)
        .await?)
}
