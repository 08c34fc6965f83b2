//! Payments received, their automatic allocation, and reversals.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::ledger;
use super::model::PaymentStatus;
use crate::contracts::rules::ContractStatus;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;
use entity::allocation::{self, Entity as Allocations};
use entity::payment::{self, Entity as Payments};

crate::string_enum! {
    /// How money arrived.
    PaymentMethod {
        /// A bank transfer.
        BankTransfer => "BANK_TRANSFER",
        /// A cheque.
        Check => "CHECK",
        /// Cash.
        Cash => "CASH",
        /// A card payment.
        Card => "CARD",
        /// Anything else.
        Other => "OTHER",
    }
}

/// A payment to record.
#[derive(Debug, Clone, Serialize)]
pub struct NewPayment {
    pub customer_id: Uuid,
    pub contract_id: Option<Uuid>,
    pub amount_minor: i64,
    pub received_date: NaiveDate,
    pub method: PaymentMethod,
    pub reference: String,
}

/// The reference folded for duplicate detection: case, spacing and punctuation do not make a
/// new payment (`BANK 123-45` and `bank12345` are one transaction).
pub fn reference_key(reference: &str) -> String {
    reference
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

pub(crate) async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<payment::Model> {
    Payments::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Records money received from a customer and allocates it at once to the open installments of
/// the named contract (or of all the customer's contracts), oldest due first; any surplus stays
/// as the customer's credit. Payments of one customer are recorded one at a time. Idempotent by
/// key; the same reference for the same customer is `DUPLICATE`. Errors: `FORBIDDEN` (not
/// finance or admin), `NOT_FOUND`, `BAD_USER_INPUT`, `DUPLICATE`, `INVALID_STATE` (cancelled
/// contract), `IDEMPOTENCY_KEY_REUSED`.
pub async fn record_payment(
    state: &AppState,
    viewer: &Viewer,
    new: NewPayment,
    idempotency_key: Option<String>,
) -> AppResult<payment::Model> {
    ledger::require_finance(viewer)?;
    // Every problem of the input's own fields at once.
    let mut problems = crate::input::Problems::default();
    if new.amount_minor <= 0 {
        problems.check::<()>(Err(AppError::bad_input(
            "input.amount",
            "A payment is above zero",
        )));
    }
    let reference = problems.check(crate::input::required_text(
        &new.reference,
        "input.reference",
        200,
    ));
    let now = state.clock.now();
    if new.received_date > state.config.company_today(now) {
        problems.check::<()>(Err(AppError::bad_input(
            "input.receivedDate",
            "Money cannot be received in the future",
        )));
    }
    problems.finish()?;
    let Some(reference) = reference else {
        return Err(AppError::internal());
    };
    let call = IdempotentCall::new(viewer.user_id, "recordPayment", idempotency_key, &new)?;
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        crate::customers::service::get_customer(txn, viewer, new.customer_id)
            .await
            .map_err(|e| e.with_field("input.customerId"))?;
        if let Some(contract_id) = new.contract_id {
            let contract = crate::contracts::service::get_contract(txn, viewer, contract_id)
                .await
                .map_err(|e| e.with_field("input.contractId"))?;
            if contract.customer_id != new.customer_id {
                return Err(AppError::bad_input(
                    "input.contractId",
                    "The contract belongs to another customer",
                ));
            }
            if contract.status == ContractStatus::Cancelled.as_str() {
                return Err(AppError::invalid_state("The contract was cancelled"));
            }
        }
        ledger::lock_customer(txn, new.customer_id).await?;
        if let Some(contract_id) = new.contract_id {
            // Read again under the lock: a cancellation may have committed while we waited.
            let contract = crate::contracts::service::load(txn, contract_id).await?;
            if contract.status == ContractStatus::Cancelled.as_str() {
                return Err(AppError::invalid_state("The contract was cancelled"));
            }
        }
        let key = reference_key(&reference);
        if let Some(existing) = Payments::find()
            .filter(payment::Column::CustomerId.eq(new.customer_id))
            .filter(payment::Column::ReferenceKey.eq(key.as_str()))
            .one(txn)
            .await?
        {
            return Err(AppError::duplicate(
                "input.reference",
                "This bank reference was already recorded for the customer",
            )
            .with_existing_id(
                crate::ids::encode_id(crate::ids::NodeType::Payment, existing.id).to_string(),
            ));
        }
        let created = payment::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(new.customer_id),
            contract_id: Set(new.contract_id),
            amount_minor: Set(new.amount_minor),
            received_date: Set(new.received_date),
            method: Set(new.method.as_str().to_owned()),
            reference: Set(reference),
            reference_key: Set(key),
            unallocated_minor: Set(new.amount_minor),
            refunded_minor: Set(0),
            status: Set("RECEIVED".to_owned()),
            reversed_at: Set(None),
            reverse_reason: Set(None),
            created_by: Set(viewer.user_id),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(txn)
        .await
        .map_err(|err| {
            if crate::error::is_unique_violation(&err) {
                AppError::duplicate(
                    "input.reference",
                    "This bank reference was already recorded for the customer",
                )
            } else {
                err.into()
            }
        })?;
        let open = ledger::open_installments(txn, new.customer_id, new.contract_id).await?;
        let (applied, _) =
            ledger::apply_payment(txn, created.id, new.amount_minor, &open, now).await?;
        ledger::spend_credit(txn, created.id, applied, None).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "payment.recorded",
            subject_type: "Payment",
            subject_id: created.id,
            details: serde_json::json!({
                "amountMinor": new.amount_minor,
                "allocatedMinor": applied,
                "creditMinor": new.amount_minor - applied,
            }),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    load(&state.db, id).await
}

/// Reverses a received payment (a bounced transfer, a mistake): every allocation it made is
/// undone by a compensating entry and its credit is gone; nothing is edited or deleted.
/// Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `INVALID_STATE`
/// (already reversed), `IDEMPOTENCY_KEY_REUSED`.
pub async fn reverse_payment(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    reason: String,
    idempotency_key: Option<String>,
) -> AppResult<payment::Model> {
    ledger::require_finance(viewer)?;
    let reason = crate::input::required_text(&reason, "input.reason", 1000)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "reversePayment",
        idempotency_key,
        &(id, &reason),
    )?;
    let now = state.clock.now();
    idempotency::run(&state.db, &call, now, async |txn| {
        let current = get_payment(txn, viewer, id).await?;
        ledger::lock_customer(txn, current.customer_id).await?;
        if current.refunded_minor > 0 {
            return Err(AppError::invalid_state(
                "Money of this payment was refunded: a refunded payment is not reversed",
            ));
        }
        let reversed = Payments::update_many()
            .col_expr(
                payment::Column::Status,
                Expr::value(PaymentStatus::Reversed.as_str()),
            )
            .col_expr(payment::Column::UnallocatedMinor, Expr::value(0_i64))
            .col_expr(payment::Column::ReversedAt, Expr::value(Some(now)))
            .col_expr(payment::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                payment::Column::Version,
                Expr::col(payment::Column::Version).add(1),
            )
            .col_expr(
                payment::Column::ReverseReason,
                Expr::value(Some(reason.clone())),
            )
            .filter(payment::Column::Id.eq(id))
            .filter(payment::Column::Status.eq(PaymentStatus::Received.as_str()))
            .exec(txn)
            .await?;
        if reversed.rows_affected != 1 {
            return Err(AppError::invalid_state("The payment was already reversed"));
        }
        let mut net: Vec<(Uuid, i64)> = Vec::new();
        for row in allocations_of(txn, &[id]).await? {
            match net
                .iter_mut()
                .find(|(installment, _)| *installment == row.installment_id)
            {
                Some((_, amount)) => *amount += row.amount_minor,
                None => net.push((row.installment_id, row.amount_minor)),
            }
        }
        let mut undone = 0;
        for (installment_id, amount) in net.into_iter().filter(|(_, amount)| *amount > 0) {
            allocation::ActiveModel {
                id: Set(Uuid::now_v7()),
                payment_id: Set(id),
                installment_id: Set(installment_id),
                amount_minor: Set(-amount),
                kind: Set("REVERSAL".to_owned()),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            let item = entity::installment::Entity::find_by_id(installment_id)
                .one(txn)
                .await?
                .ok_or_else(AppError::internal)?;
            ledger::adjust(txn, &item, -amount, 0, 0, now).await?;
            undone += amount;
        }
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "payment.reversed",
            subject_type: "Payment",
            subject_id: id,
            details: serde_json::json!({"reason": reason, "unallocatedMinor": undone}),
        }
        .record(txn, now)
        .await?;
        Ok(id)
    })
    .await?;
    load(&state.db, id).await
}

/// A payment the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_payment(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<payment::Model> {
    Payments::find_by_id(id)
        .filter(crate::policy::payments(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Payment"))
}

/// Payments by id that the viewer may see (for loaders).
pub async fn visible_by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<payment::Model>> {
    Ok(Payments::find()
        .filter(payment::Column::Id.is_in(ids.to_vec()))
        .filter(crate::policy::payments(viewer))
        .all(db)
        .await?)
}

/// Filters for the payment list.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub customer_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub received_from: Option<NaiveDate>,
    pub received_to: Option<NaiveDate>,
    pub with_credit_only: bool,
}

/// Visible payments in `order`. Errors: `BAD_USER_INPUT` (paging).
pub async fn list_payments(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: PaymentFilter,
    (order, descending): (PaymentOrderField, bool),
    page: &PageRequest,
    needs: crate::columns::Needs,
) -> AppResult<Page<payment::Model>> {
    let mut condition = Condition::all().add(crate::policy::payments(viewer));
    if let Some(id) = filter.customer_id {
        condition = condition.add(payment::Column::CustomerId.eq(id));
    }
    if let Some(id) = filter.contract_id {
        condition = condition.add(payment::Column::ContractId.eq(id));
    }
    if let Some(from) = filter.received_from {
        condition = condition.add(payment::Column::ReceivedDate.gte(from));
    }
    if let Some(to) = filter.received_to {
        condition = condition.add(payment::Column::ReceivedDate.lte(to));
    }
    if filter.with_credit_only {
        condition = condition.add(Expr::col(payment::Column::UnallocatedMinor).gt(0));
    }
    use pagination::{SortKey, date_value};
    use payment::Column;
    let (sort, value_of): pagination::Order<Column, payment::Model> = match order {
        PaymentOrderField::CreatedAt => (SortKey::Id, |_| 0),
        PaymentOrderField::ReceivedDate => (SortKey::Date(Column::ReceivedDate), |p| {
            date_value(p.received_date)
        }),
        PaymentOrderField::Amount => (SortKey::Int(Column::AmountMinor), |p| p.amount_minor),
    };
    let select = Payments::find().filter(condition);
    let order = (sort, descending);
    pagination::needed::fetch_needed(db, select, Column::Id, order, page, needs, value_of, |p| {
        p.id
    })
    .await
}

crate::read_at!(payment::Model {
    id,
    customer_id,
    contract_id,
    amount_minor,
    received_date,
    method,
    reference,
    reference_key,
    unallocated_minor,
    refunded_minor,
    status,
    reversed_at,
    reverse_reason,
    created_by,
    created_at,
    updated_at,
    version,
});

/// Allocations of these payments, oldest first (for loaders under visible payments).
pub async fn allocations_of(
    db: &impl ConnectionTrait,
    payment_ids: &[Uuid],
) -> AppResult<Vec<allocation::Model>> {
    Ok(Allocations::find()
        .filter(allocation::Column::PaymentId.is_in(payment_ids.to_vec()))
        .order_by_asc(allocation::Column::Id)
        .all(db)
        .await?)
}

/// A page of the payments of each of these contracts that the viewer may see — those
/// recorded for the contract and those allocated to its installments — newest first, in one
/// statement however many contracts (for lists under visible contracts).
pub async fn payments_pages(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    contract_ids: &[Uuid],
    request: &PageRequest,
) -> AppResult<std::collections::HashMap<Uuid, Page<payment::Model>>> {
    use entity::installment;
    use sea_orm::sea_query::{Alias, JoinType, Query, UnionType};
    use sea_orm::{FromQueryResult, QueryTrait};
    let links = Alias::new("links");
    let (contract, paid) = (Alias::new("link_contract"), Alias::new("link_payment"));
    // Which contract each payment belongs to: the one it was recorded for, and those whose
    // installments it settles (a payment may so sit under several contracts).
    let mut pairs = Query::select();
    pairs
        .expr_as(
            Expr::col((Payments, payment::Column::ContractId)),
            contract.clone(),
        )
        .expr_as(Expr::col((Payments, payment::Column::Id)), paid.clone())
        .from(Payments)
        .and_where(Expr::col((Payments, payment::Column::ContractId)).is_in(contract_ids.to_vec()));
    let mut allocated = Query::select();
    allocated
        .column((installment::Entity, installment::Column::ContractId))
        .column((Allocations, allocation::Column::PaymentId))
        .from(Allocations)
        .inner_join(
            installment::Entity,
            Expr::col((installment::Entity, installment::Column::Id))
                .equals((Allocations, allocation::Column::InstallmentId)),
        )
        .and_where(
            Expr::col((installment::Entity, installment::Column::ContractId))
                .is_in(contract_ids.to_vec()),
        );
    pairs.union(UnionType::Distinct, allocated);
    let mut inner = Payments::find()
        .filter(crate::policy::payments(viewer))
        .into_query();
    inner.join_subquery(
        JoinType::InnerJoin,
        pairs,
        links.clone(),
        Expr::col((links.clone(), paid)).equals((Payments, payment::Column::Id)),
    );
    let keyset = pagination::Keyset::new(payment::Column::Id, pagination::SortKey::Id, true);
    let rows = pagination::Rows {
        join: |_: &mut sea_orm::sea_query::SelectStatement| {},
        read: |row: &sea_orm::QueryResult| payment::Model::from_query_result(row, ""),
    };
    pagination::children::fetch(
        db,
        inner,
        Expr::col((links, contract)),
        &keyset,
        request,
        rows,
        |_| 0,
        |p| p.id,
    )
    .await
}

crate::string_enum! {
    /// What payment lists can be ordered by.
    PaymentOrderField {
        /// Creation time.
        CreatedAt => "CREATED_AT",
        /// Date received.
        ReceivedDate => "RECEIVED_DATE",
        /// Amount.
        Amount => "AMOUNT",
    }
}
