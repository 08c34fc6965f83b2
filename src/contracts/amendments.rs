//! Contract amendments as the contract sees them: what may change (amount, end date, terms),
//! the record of each request with the values before and after, the lock a pending amendment
//! puts on its contract, and applying an approved one under the version it was asked against.
//! The checks against orders and money, and the approval, are `flows::contract_amendment`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::{load, write};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use entity::contract;
use entity::contract_amendment::{self, Entity as Amendments};

crate::string_enum! {
    /// Where an amendment stands.
    AmendmentStatus {
        /// Waiting for its approval; the contract is locked meanwhile.
        Pending => "PENDING",
        /// Approved and applied to the contract.
        Approved => "APPROVED",
        /// A step rejected it; the contract is unchanged.
        Rejected => "REJECTED",
        /// Its requester took it back; the contract is unchanged.
        Withdrawn => "WITHDRAWN",
    }
}

/// The amendable values of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Values {
    pub amount_minor: i64,
    pub end_date: Option<NaiveDate>,
    pub terms: String,
}

impl Values {
    pub fn of(contract: &contract::Model) -> Self {
        Self {
            amount_minor: contract.amount_minor,
            end_date: contract.end_date,
            terms: contract.terms.clone(),
        }
    }
}

/// The values an amendment asks to change; `None` keeps the current one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    pub amount_minor: Option<i64>,
    pub end_date: Option<NaiveDate>,
    pub terms: Option<String>,
}

impl Changes {
    /// `before` with these changes made.
    pub fn applied_to(&self, before: &Values) -> Values {
        Values {
            amount_minor: self.amount_minor.unwrap_or(before.amount_minor),
            end_date: self.end_date.or(before.end_date),
            terms: self.terms.clone().unwrap_or_else(|| before.terms.clone()),
        }
    }
}

/// An amendment's stored JSON read back. Errors: internal.
pub fn values(json: &str) -> AppResult<Values> {
    serde_json::from_str(json).map_err(|_| AppError::internal())
}

/// An amendment's stored changes read back. Errors: internal.
pub fn changes(model: &contract_amendment::Model) -> AppResult<Changes> {
    serde_json::from_str(&model.changes).map_err(|_| AppError::internal())
}

/// The pending amendment of a contract, if any.
pub async fn pending_of(
    db: &impl ConnectionTrait,
    contract_id: Uuid,
) -> AppResult<Option<contract_amendment::Model>> {
    Ok(Amendments::find()
        .filter(contract_amendment::Column::ContractId.eq(contract_id))
        .filter(contract_amendment::Column::Status.eq(AmendmentStatus::Pending.as_str()))
        .one(db)
        .await?)
}

/// `INVALID_STATE` while an amendment of the contract awaits approval: the contract is locked
/// for other changes (its plan, its completion, another amendment).
pub async fn require_unlocked(db: &impl ConnectionTrait, contract_id: Uuid) -> AppResult<()> {
    if pending_of(db, contract_id).await?.is_some() {
        return Err(AppError::invalid_state(
            "An amendment of this contract awaits approval",
        ));
    }
    Ok(())
}

/// The contract row, locked to commit (PostgreSQL; SQLite's write transaction runs alone).
pub async fn lock_contract(db: &impl ConnectionTrait, id: Uuid) -> AppResult<contract::Model> {
    contract::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// An amendment to record: what it changes and why, from which values, against which version.
pub struct NewAmendment<'a> {
    pub id: Uuid,
    /// From [`next_seq`], in the same transaction.
    pub seq: i32,
    pub contract: &'a contract::Model,
    pub changes: &'a Changes,
    pub reason: String,
    pub request_id: Uuid,
    pub requested_by: Uuid,
}

/// The number the contract's next amendment gets.
pub async fn next_seq(db: &impl ConnectionTrait, contract_id: Uuid) -> AppResult<i32> {
    let count = Amendments::find()
        .filter(contract_amendment::Column::ContractId.eq(contract_id))
        .count(db)
        .await?;
    i32::try_from(count + 1).map_err(|_| AppError::internal())
}

/// Records a pending amendment, numbered after the contract's previous ones. Errors:
/// `INVALID_STATE` when another is pending (the unique index decides a race).
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewAmendment<'_>,
    now: DateTime<Utc>,
) -> AppResult<contract_amendment::Model> {
    let before = Values::of(new.contract);
    let after = new.changes.applied_to(&before);
    contract_amendment::ActiveModel {
        id: Set(new.id),
        contract_id: Set(new.contract.id),
        seq: Set(new.seq),
        changes: Set(to_json(new.changes)?),
        before: Set(to_json(&before)?),
        after: Set(to_json(&after)?),
        delta_minor: Set(after.amount_minor - before.amount_minor),
        reason: Set(new.reason),
        status: Set(AmendmentStatus::Pending.as_str().to_owned()),
        request_id: Set(new.request_id),
        requested_by: Set(new.requested_by),
        base_version: Set(new.contract.version),
        decided_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|err| {
        if crate::error::is_unique_violation(&err) {
            AppError::invalid_state("An amendment of this contract awaits approval")
        } else {
            err.into()
        }
    })
}

fn to_json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|_| AppError::internal())
}

pub async fn load_amendment(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<contract_amendment::Model> {
    Amendments::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// A pending amendment and its contract, provided the contract is still signed and at the
/// version the amendment was asked against. Errors: `INVALID_STATE`.
pub async fn check(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<(contract_amendment::Model, contract::Model)> {
    let amendment = load_amendment(db, id).await?;
    if amendment.status != AmendmentStatus::Pending.as_str() {
        return Err(AppError::invalid_state(
            "The amendment is no longer pending",
        ));
    }
    let contract = load(db, amendment.contract_id).await?;
    if contract.status != super::rules::ContractStatus::Signed.as_str()
        || contract.version != amendment.base_version
    {
        return Err(AppError::invalid_state(
            "The contract changed since the amendment was asked",
        ));
    }
    Ok((amendment, contract))
}

/// Closes a pending amendment as `status` (the contract unchanged unless the caller applies
/// it). Errors: `INVALID_STATE` when it was closed meanwhile.
pub async fn close(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: AmendmentStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let closed = Amendments::update_many()
        .col_expr(
            contract_amendment::Column::Status,
            Expr::value(status.as_str()),
        )
        .col_expr(
            contract_amendment::Column::DecidedAt,
            Expr::value(Some(now)),
        )
        .col_expr(contract_amendment::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            contract_amendment::Column::Version,
            Expr::col(contract_amendment::Column::Version).add(1),
        )
        .filter(contract_amendment::Column::Id.eq(id))
        .filter(contract_amendment::Column::Status.eq(AmendmentStatus::Pending.as_str()))
        .exec(db)
        .await?;
    if closed.rows_affected != 1 {
        return Err(AppError::invalid_state(
            "The amendment is no longer pending",
        ));
    }
    Ok(())
}

/// Makes an approved amendment's changes on its contract (raising its version) and closes it
/// as approved. Errors: `INVALID_STATE` (the contract moved on).
pub async fn apply(
    db: &impl ConnectionTrait,
    amendment: &contract_amendment::Model,
    current: &contract::Model,
    now: DateTime<Utc>,
) -> AppResult<contract::Model> {
    let after = values(&amendment.after)?;
    let model = contract::ActiveModel {
        amount_minor: Set(after.amount_minor),
        end_date: Set(after.end_date),
        terms: Set(after.terms),
        ..Default::default()
    };
    write(db, current, model, now)
        .await
        .map_err(|_| AppError::invalid_state("The contract changed meanwhile"))?;
    close(db, amendment.id, AmendmentStatus::Approved, now).await?;
    load(db, current.id).await
}

/// Amendments of these contracts, oldest first (for loaders under visible contracts).
pub async fn of_contracts(
    db: &impl ConnectionTrait,
    contract_ids: &[Uuid],
) -> AppResult<Vec<contract_amendment::Model>> {
    Ok(Amendments::find()
        .filter(contract_amendment::Column::ContractId.is_in(contract_ids.to_vec()))
        .order_by_asc(contract_amendment::Column::ContractId)
        .order_by_asc(contract_amendment::Column::Seq)
        .all(db)
        .await?)
}

/// Amendments by id whose contract the viewer may see.
pub async fn visible_by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<contract_amendment::Model>> {
    let contracts = crate::policy::visible_contract_ids(viewer);
    Ok(Amendments::find()
        .filter(contract_amendment::Column::Id.is_in(ids.to_vec()))
        .filter(contract_amendment::Column::ContractId.in_subquery(contracts))
        .all(db)
        .await?)
}

/// Ids of the amendments whose contract the viewer may see (for approval visibility).
pub fn visible_ids(viewer: &Viewer) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(contract_amendment::Column::Id)
        .from(Amendments)
        .and_where(
            contract_amendment::Column::ContractId
                .in_subquery(crate::policy::visible_contract_ids(viewer)),
        )
        .to_owned()
}
