//! Who sees orders (whoever sees their contract) and who executes a contract (its owner, the
//! owner's managers, finance and admins); shared by the order services.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use entity::contract::{self, Entity as Contracts};
use entity::order::{self, Entity as Orders};

/// Orders the viewer may see: those of the contracts they may see.
pub fn visible(viewer: &Viewer) -> Condition {
    match viewer.role {
        Role::Admin | Role::Finance | Role::Support => Condition::all(),
        Role::SalesManager | Role::SalesRep => Condition::all().add(
            order::Column::ContractId.in_subquery(crate::policy::visible_contract_ids(viewer)),
        ),
    }
}

/// An order the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_order(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<order::Model> {
    Orders::find_by_id(id)
        .filter(visible(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Order"))
}

/// An order by id, whoever may see it (after a check, inside a transaction).
pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<order::Model> {
    Orders::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// A contract the viewer may execute (order, deliver, cancel orders): visible, and the
/// viewer finance, an admin, or one who may change it (never customer service). On PostgreSQL the contract's row is
/// locked to the end of the transaction, so the orders of one contract are written one at a
/// time (SQLite's write transaction runs alone). Errors: `NOT_FOUND`, `FORBIDDEN`.
pub async fn contract_for_execution(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<contract::Model> {
    let contract = Contracts::find_by_id(id)
        .filter(crate::policy::contracts(viewer))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Contract"))?;
    match viewer.role {
        Role::Finance | Role::Admin => return Ok(contract),
        Role::Support => return Err(AppError::read_only("contract")),
        Role::SalesManager | Role::SalesRep => {}
    }
    let changeable = Contracts::find_by_id(id)
        .filter(crate::policy::changeable_contracts(viewer))
        .count(db)
        .await?;
    if changeable == 0 {
        return Err(AppError::read_only("contract"));
    }
    Ok(contract)
}

/// An order the viewer may execute, with its contract (locked as in
/// [`contract_for_execution`]). Errors: `NOT_FOUND`, `FORBIDDEN`.
pub async fn order_for_execution(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(order::Model, contract::Model)> {
    let order = get_order(db, viewer, id).await?;
    let contract = contract_for_execution(db, viewer, order.contract_id).await?;
    // Read again under the contract's lock: a delivery that committed meanwhile shows.
    let order = load(db, id).await?;
    Ok((order, contract))
}

/// The contract must be signed to be executed. Errors: `INVALID_STATE`.
pub fn require_signed(contract: &contract::Model) -> AppResult<()> {
    if contract.status == "SIGNED" {
        Ok(())
    } else {
        Err(AppError::invalid_state(
            "Orders and deliveries belong to signed contracts",
        ))
    }
}
