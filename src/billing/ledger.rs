//! The ledger's moving parts, shared by plans, payments, invoices and waivers: the
//! per-customer lock, installment updates and the allocation of money.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::model::PaymentStatus;
use super::rules;
use crate::contracts::rules::ContractStatus;
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use entity::installment::{self, Entity as Installments};
use entity::{allocation, payment};

/// Contract states whose installments take money.
pub const COLLECTING: [ContractStatus; 3] = [
    ContractStatus::Approved,
    ContractStatus::Signed,
    ContractStatus::Completed,
];

/// Only finance and admins write money.
pub fn require_finance(viewer: &Viewer) -> AppResult<()> {
    match viewer.role {
        Role::Finance | Role::Admin => Ok(()),
        Role::SalesManager | Role::SalesRep | Role::Support => Err(AppError::forbidden()),
    }
}

/// Serializes every money movement of one customer: on PostgreSQL a row lock on the customer
/// (held to commit); SQLite's write transaction already runs alone.
pub async fn lock_customer(db: &impl ConnectionTrait, customer_id: Uuid) -> AppResult<()> {
    entity::customer::Entity::find_by_id(customer_id)
        .lock_exclusive()
        .one(db)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::not_found("Customer"))
}

/// What an installment still owes.
pub fn outstanding(model: &installment::Model) -> i64 {
    model.amount_minor - model.paid_minor - model.waived_minor
}

/// Moves an installment's paid, waived or invoiced amounts by the deltas, keeping its status,
/// and refusing to make anything negative or exceed the amount. Errors: `INVALID_STATE`.
pub async fn adjust(
    db: &impl ConnectionTrait,
    current: &installment::Model,
    paid: i64,
    waived: i64,
    invoiced: i64,
    now: DateTime<Utc>,
) -> AppResult<installment::Model> {
    let next_paid = current.paid_minor + paid;
    let next_waived = current.waived_minor + waived;
    let next_invoiced = current.invoiced_minor + invoiced;
    if next_paid < 0
        || next_waived < 0
        || next_invoiced < 0
        || next_paid + next_waived > current.amount_minor
        || next_invoiced > current.amount_minor
    {
        return Err(AppError::invalid_state(
            "That would take the installment beyond its amount",
        ));
    }
    let status = rules::status(current.amount_minor, next_paid, next_waived);
    let changed = Installments::update_many()
        .col_expr(installment::Column::PaidMinor, Expr::value(next_paid))
        .col_expr(installment::Column::WaivedMinor, Expr::value(next_waived))
        .col_expr(
            installment::Column::InvoicedMinor,
            Expr::value(next_invoiced),
        )
        .col_expr(installment::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            installment::Column::Version,
            Expr::value(current.version + 1),
        )
        .col_expr(installment::Column::UpdatedAt, Expr::value(now))
        .filter(installment::Column::Id.eq(current.id))
        .filter(installment::Column::Version.eq(current.version))
        .exec(db)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::conflict(current.version + 1));
    }
    Installments::find_by_id(current.id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Open installments of collecting contracts, oldest due first: of one contract, or of all a
/// customer's contracts.
pub async fn open_installments(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    contract_id: Option<Uuid>,
) -> AppResult<Vec<installment::Model>> {
    let collecting = sea_orm::sea_query::Query::select()
        .column(entity::contract::Column::Id)
        .from(entity::contract::Entity)
        .and_where(entity::contract::Column::Status.is_in(COLLECTING.iter().map(|s| s.as_str())))
        .to_owned();
    let mut query = Installments::find()
        .filter(installment::Column::CustomerId.eq(customer_id))
        .filter(installment::Column::ContractId.in_subquery(collecting))
        .filter(
            Expr::col(installment::Column::AmountMinor)
                .sub(Expr::col(installment::Column::PaidMinor))
                .sub(Expr::col(installment::Column::WaivedMinor))
                .gt(0),
        );
    if let Some(contract) = contract_id {
        query = query.filter(installment::Column::ContractId.eq(contract));
    }
    Ok(query
        .order_by_asc(installment::Column::DueDate)
        .order_by_asc(installment::Column::ContractId)
        .order_by_asc(installment::Column::Seq)
        .all(db)
        .await?)
}

/// Applies up to `available` of a payment to `open` installments, oldest first, writing the
/// allocations; returns the amount applied.
pub async fn apply_payment(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
    available: i64,
    open: &[installment::Model],
    now: DateTime<Utc>,
) -> AppResult<(i64, Vec<installment::Model>)> {
    let owed: Vec<(usize, i64)> = open
        .iter()
        .enumerate()
        .map(|(i, item)| (i, outstanding(item)))
        .collect();
    let (parts, _) = rules::allocate(available, &owed);
    let mut applied = 0;
    let mut updated = open.to_vec();
    for (i, part) in parts {
        allocation::ActiveModel {
            id: Set(Uuid::now_v7()),
            payment_id: Set(payment_id),
            installment_id: Set(open[i].id),
            amount_minor: Set(part),
            kind: Set("ALLOCATION".to_owned()),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        updated[i] = adjust(db, &updated[i], part, 0, 0, now).await?;
        applied += part;
    }
    Ok((applied, updated))
}

/// Lowers a payment's credit by what was just applied from it.
/// `changed_at` is the time of the change, for a payment recorded earlier (it gets a new
/// version); `None` for one recorded in this same transaction.
pub async fn spend_credit(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
    applied: i64,
    changed_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    if applied == 0 {
        return Ok(());
    }
    let mut spend = payment::Entity::update_many().col_expr(
        payment::Column::UnallocatedMinor,
        Expr::col(payment::Column::UnallocatedMinor).sub(applied),
    );
    if let Some(now) = changed_at {
        spend = spend
            .col_expr(payment::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                payment::Column::Version,
                Expr::col(payment::Column::Version).add(1),
            );
    }
    let spent = spend
        .filter(payment::Column::Id.eq(payment_id))
        .filter(payment::Column::UnallocatedMinor.gte(applied))
        .exec(db)
        .await?;
    if spent.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::internal())
    }
}

/// Applies the customer's credit (unallocated money of received payments, oldest first) to the
/// open installments of one contract; returns how much was applied.
pub async fn consume_credit(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    contract_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let credits = payment::Entity::find()
        .filter(payment::Column::CustomerId.eq(customer_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Received.as_str()))
        .filter(payment::Column::UnallocatedMinor.gt(0))
        .order_by_asc(payment::Column::ReceivedDate)
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?;
    let mut open = open_installments(db, customer_id, Some(contract_id)).await?;
    let mut total = 0;
    for credit in credits {
        if open.iter().all(|i| outstanding(i) == 0) {
            break;
        }
        let (applied, updated) =
            apply_payment(db, credit.id, credit.unallocated_minor, &open, now).await?;
        spend_credit(db, credit.id, applied, Some(now)).await?;
        open = updated;
        total += applied;
    }
    Ok(total)
}
