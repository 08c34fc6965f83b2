//! Batch loaders for lists nested under customers.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::error::AppError;
use crate::graphql::batch;
use crate::graphql::context::ContextExt;
use crate::identity::Viewer;
use entity::{contact, customer};

/// A customer's contacts, for many customers in one query.
pub struct ContactsByCustomer(pub DatabaseConnection);

impl Loader<Uuid> for ContactsByCustomer {
    type Value = Vec<contact::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            service::contacts_of(&self.0, keys).await?,
            |c| c.customer_id,
        ))
    }
}

/// Customers by id, as far as the viewer may see them: a deal or lead the viewer sees (say,
/// through a revenue split) does not reveal a customer they may not see.
pub struct CustomerLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for CustomerLoader {
    type Value = customer::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(service::visible_customers_by_ids(&self.db, viewer, keys)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect())
    }
}

/// Contacts by id, as far as the viewer may see their customers.
pub struct ContactLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for ContactLoader {
    type Value = contact::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(service::visible_contacts_by_ids(&self.db, viewer, keys)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect())
    }
}

/// A customer by id through the request's loader, as far as the viewer may see it.
pub async fn customer(
    ctx: &async_graphql::Context<'_>,
    id: Uuid,
) -> async_graphql::Result<Option<super::types::Customer>> {
    let loader = ctx.loader::<CustomerLoader>()?;
    Ok(loader.load_one(id).await?.map(super::types::Customer::from))
}
