//! Reading a contract the viewer may see, who may steward it, the next status a step leads to, and
//! the version-guarded write every contract change ends with; shared by the contract services.

use super::rules::{self, Action, ContractStatus};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::policy;
use chrono::{DateTime, Utc};
use entity::contract::{self, Entity as Contracts};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

/// The owner, the owner's managers or an admin may change a contract; those who see it through
/// its customer may not. Errors: `FORBIDDEN`.
pub(crate) async fn require_steward(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    contract: &contract::Model,
) -> AppResult<()> {
    let changeable = Contracts::find_by_id(contract.id)
        .filter(policy::changeable_contracts(viewer))
        .count(db)
        .await?;
    if changeable == 0 {
        return Err(AppError::read_only("contract"));
    }
    Ok(())
}

pub(crate) async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<contract::Model> {
    Contracts::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// A contract the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_contract(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<contract::Model> {
    Contracts::find_by_id(id)
        .filter(policy::contracts(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Contract"))
}

/// The status `action` leads to, or `INVALID_STATE`.
pub(super) fn next_status(model: &contract::Model, action: Action) -> AppResult<ContractStatus> {
    let from = status_of(model)?;
    rules::next_status(from, action).ok_or_else(|| {
        AppError::invalid_state(match from {
            ContractStatus::PendingApproval => "The contract is locked while its approval runs",
            ContractStatus::Approved => "An approved contract is locked",
            ContractStatus::Cancelled => "The contract was cancelled",
            ContractStatus::Completed => "The contract is completed",
            _ => "Not possible in the contract's current state",
        })
    })
}

/// Writes `changes` while the contract is still at `current.version` and in `current.status`;
/// `CONFLICT` when someone changed it first.
pub(super) async fn write(
    db: &impl ConnectionTrait,
    current: &contract::Model,
    mut changes: contract::ActiveModel,
    now: DateTime<Utc>,
) -> AppResult<()> {
    changes.version = Set(current.version + 1);
    changes.updated_at = Set(now);
    let result = Contracts::update_many()
        .set(changes)
        .filter(contract::Column::Id.eq(current.id))
        .filter(contract::Column::Version.eq(current.version))
        .filter(contract::Column::Status.eq(current.status.as_str()))
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::conflict(current.version + 1))
    }
}

/// The stored status of a contract.
pub(crate) fn status_of(model: &contract::Model) -> AppResult<ContractStatus> {
    ContractStatus::parse(&model.status).ok_or_else(AppError::internal)
}
