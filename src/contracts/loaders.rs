//! Batch loaders of contracts, each bound to the viewer of its request.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service::{self, Parent};
use crate::error::AppError;
use crate::graphql::batch;
use crate::graphql::context::ContextExt;
use crate::identity::Viewer;
use entity::contract;

/// Contracts by id, as far as the viewer may see them.
pub struct ContractLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for ContractLoader {
    type Value = contract::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(batch::keyed(
            service::visible_by_ids(&self.db, viewer, keys).await?,
            |c| c.id,
        ))
    }
}

crate::viewer_pages!(
    /// Pages of the visible contracts of many customers in one query, newest first.
    ContractsByCustomer,
    contract::Model,
    columns: super::types::CONTRACT_COLUMNS,
    |db, viewer, parents, request| service::contracts_pages(db, viewer, Parent::Customer, parents, request)
);

crate::viewer_pages!(
    /// Pages of the visible contracts of many deals in one query, newest first.
    ContractsByOpportunity,
    contract::Model,
    columns: super::types::CONTRACT_COLUMNS,
    |db, viewer, parents, request| service::contracts_pages(db, viewer, Parent::Opportunity, parents, request)
);

/// A contract by id through the request's loader, as far as the viewer may see it.
pub async fn contract(
    ctx: &async_graphql::Context<'_>,
    id: Uuid,
) -> async_graphql::Result<Option<super::types::Contract>> {
    let loader = ctx.loader::<ContractLoader>()?;
    Ok(loader.load_one(id).await?.map(super::types::Contract::from))
}

/// The amendments of many (visible) contracts in one query, oldest first.
pub struct AmendmentsByContract(pub DatabaseConnection);

impl Loader<Uuid> for AmendmentsByContract {
    type Value = Vec<entity::contract_amendment::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            super::amendments::of_contracts(&self.0, keys).await?,
            |a| a.contract_id,
        ))
    }
}

/// Amendments by id, as far as the viewer may see their contract.
pub struct AmendmentLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for AmendmentLoader {
    type Value = entity::contract_amendment::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(batch::keyed(
            super::amendments::visible_by_ids(&self.db, viewer, keys).await?,
            |a| a.id,
        ))
    }
}
