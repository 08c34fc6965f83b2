//! Collection plans: the installments a contract is paid in.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::ledger;
use super::rules::{self, InstallmentStatus, Share};
use crate::contracts::rules::ContractStatus;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::money::Money;
use crate::state::AppState;
use entity::installment::{self, Entity as Installments};

/// One line of a plan as given.
#[derive(Debug, Clone, Serialize)]
pub struct PlanLine {
    pub due_date: NaiveDate,
    #[serde(skip)]
    pub share: Share,
    /// The share as text, for the idempotency fingerprint.
    pub share_text: String,
    pub note: Option<String>,
}

/// Whether any money or document already points at an installment.
pub(super) async fn touched(db: &impl ConnectionTrait, id: Uuid) -> AppResult<bool> {
    let allocations = entity::allocation::Entity::find()
        .filter(entity::allocation::Column::InstallmentId.eq(id))
        .count(db)
        .await?;
    let invoices = entity::invoice::Entity::find()
        .filter(entity::invoice::Column::InstallmentId.eq(id))
        .count(db)
        .await?;
    let waivers = entity::waiver::Entity::find()
        .filter(entity::waiver::Column::InstallmentId.eq(id))
        .count(db)
        .await?;
    Ok(allocations + invoices + waivers > 0)
}

/// Whether any payment ever reached a contract: recorded for it, or allocated to one of its
/// installments, even if reversed since.
async fn payment_reached(db: &impl ConnectionTrait, contract_id: Uuid) -> AppResult<bool> {
    let recorded = entity::payment::Entity::find()
        .filter(entity::payment::Column::ContractId.eq(contract_id))
        .count(db)
        .await?;
    let installments = sea_orm::sea_query::Query::select()
        .column(installment::Column::Id)
        .from(Installments)
        .and_where(installment::Column::ContractId.eq(contract_id))
        .to_owned();
    let allocated = entity::allocation::Entity::find()
        .filter(entity::allocation::Column::InstallmentId.in_subquery(installments))
        .count(db)
        .await?;
    Ok(recorded + allocated > 0)
}

/// Sets (or replaces) the collection plan of an approved or signed contract. Finance and
/// admins may; the contract's owner may propose one while no payment ever reached it. A
/// replacement keeps every installment that money, an invoice or a waiver already points at
/// (same position, due date and amount), and the customer's credit is applied to the new plan
/// at once. Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`,
/// `INVALID_STATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn set_collection_plan(
    state: &AppState,
    viewer: &Viewer,
    contract_id: Uuid,
    lines: Vec<PlanLine>,
    idempotency_key: Option<String>,
) -> AppResult<Vec<installment::Model>> {
    // Every problem of the lines' own fields at once.
    let mut problems = crate::input::Problems::default();
    for (i, line) in lines.iter().enumerate() {
        problems.check(crate::input::optional_text(
            line.note.as_deref(),
            &format!("input.installments.{i}.note"),
            500,
        ));
        if i > 0 && line.due_date < lines[i - 1].due_date {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.installments.{i}.dueDate"),
                "Installments fall due in order",
            )));
        }
    }
    problems.finish()?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "setCollectionPlan",
        idempotency_key,
        &(contract_id, &lines),
    )?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let contract = crate::contracts::service::get_contract(txn, viewer, contract_id)
            .await
            .map_err(|e| e.with_field("input.contractId"))?;
        let finance = matches!(viewer.role, Role::Finance | Role::Admin);
        if !finance && contract.owner_id != viewer.user_id {
            return Err(AppError::forbidden());
        }
        let status = crate::contracts::service::status_of(&contract)?;
        if !matches!(status, ContractStatus::Approved | ContractStatus::Signed) {
            return Err(AppError::invalid_state(
                "Only an approved or signed contract gets a collection plan",
            ));
        }
        crate::contracts::amendments::require_unlocked(txn, contract.id).await?;
        ledger::lock_customer(txn, contract.customer_id).await?;
        if !finance && payment_reached(txn, contract.id).await? {
            return Err(AppError::invalid_state(
                "Money has reached this contract: finance changes its plan",
            ));
        }
        let shares: Vec<Share> = lines.iter().map(|l| l.share).collect();
        let amounts = rules::plan_amounts(Money::from_minor(contract.amount_minor), &shares)?;
        let existing = Installments::find()
            .filter(installment::Column::ContractId.eq(contract.id))
            .order_by_asc(installment::Column::Seq)
            .all(txn)
            .await?;
        let mut kept = Vec::new();
        for item in &existing {
            if !touched(txn, item.id).await? {
                continue;
            }
            if !finance {
                return Err(AppError::invalid_state(
                    "Money has reached this contract: finance changes its plan",
                ));
            }
            let index = usize::try_from(item.seq - 1).map_err(|_| AppError::internal())?;
            let same = lines
                .get(index)
                .is_some_and(|line| line.due_date == item.due_date)
                && amounts
                    .get(index)
                    .is_some_and(|a| a.minor() == item.amount_minor);
            if !same {
                return Err(AppError::invalid_state(format!(
                    "Installment {} already has money or an invoice: keep its due date and amount",
                    item.seq
                )));
            }
            kept.push(item.seq);
        }
        let dropped: Vec<Uuid> = existing
            .iter()
            .filter(|item| !kept.contains(&item.seq))
            .map(|item| item.id)
            .collect();
        if !dropped.is_empty() {
            entity::installment_reminder::Entity::delete_many()
                .filter(entity::installment_reminder::Column::InstallmentId.is_in(dropped.clone()))
                .exec(txn)
                .await?;
            Installments::delete_many()
                .filter(installment::Column::Id.is_in(dropped))
                .exec(txn)
                .await?;
        }
        for (i, (line, amount)) in lines.iter().zip(&amounts).enumerate() {
            let seq = i32::try_from(i + 1).map_err(|_| AppError::internal())?;
            if kept.contains(&seq) {
                continue;
            }
            installment::ActiveModel {
                id: Set(Uuid::now_v7()),
                contract_id: Set(contract.id),
                customer_id: Set(contract.customer_id),
                seq: Set(seq),
                due_date: Set(line.due_date),
                amount_minor: Set(amount.minor()),
                invoiced_minor: Set(0),
                paid_minor: Set(0),
                waived_minor: Set(0),
                note: Set(crate::input::optional_text(
                    line.note.as_deref(),
                    "input.note",
                    500,
                )?),
                status: Set(InstallmentStatus::Open.as_str().to_owned()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
        let credit = ledger::consume_credit(txn, contract.customer_id, contract.id, now).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "collection_plan.set",
            subject_type: "Contract",
            subject_id: contract.id,
            details: serde_json::json!({
                "installments": amounts.iter().map(|a| a.minor()).collect::<Vec<_>>(),
                "kept": kept,
                "creditAppliedMinor": credit,
            }),
        }
        .record(txn, now)
        .await?;
        Ok(contract.id)
    })
    .await?
    .into_inner();
    installments_of(&state.db, &[id]).await
}

/// Installments of these contracts, in plan order (for loaders under visible contracts).
pub async fn installments_of(
    db: &impl ConnectionTrait,
    contract_ids: &[Uuid],
) -> AppResult<Vec<installment::Model>> {
    Ok(Installments::find()
        .filter(installment::Column::ContractId.is_in(contract_ids.to_vec()))
        .order_by_asc(installment::Column::ContractId)
        .order_by_asc(installment::Column::Seq)
        .all(db)
        .await?)
}

/// An installment whose contract the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_installment(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<installment::Model> {
    Installments::find_by_id(id)
        .filter(crate::policy::by_contract(
            viewer,
            installment::Column::ContractId,
        ))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Installment"))
}

/// Whether money currently stands on a contract's installments, answered under the lock every
/// money movement of its customer takes (held to commit): no payment can land on the contract
/// between this answer and the caller's commit, so a cancellation and a payment serialize.
/// Errors: `NOT_FOUND` (customer).
pub async fn hold_contract_money(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    contract_id: Uuid,
) -> AppResult<bool> {
    ledger::lock_customer(db, customer_id).await?;
    Ok(Installments::find()
        .filter(installment::Column::ContractId.eq(contract_id))
        .filter(installment::Column::PaidMinor.gt(0))
        .count(db)
        .await?
        > 0)
}
