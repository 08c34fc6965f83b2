//! Batch loaders for lists nested under customers.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::ChildPages;
use crate::identity::Viewer;
use crate::pagination::{Page, PageRequest, children};
use entity::{contact, customer};

/// Pages of customers' contacts, oldest first, for many customers in one query.
pub struct ContactsByCustomer(pub DatabaseConnection);

impl ChildPages for ContactsByCustomer {
    type Item = contact::Model;

    fn needs(selections: &[async_graphql::SelectionField<'_>]) -> crate::columns::Needs {
        super::contact_types::CONTACT_COLUMNS.needs::<contact::Model>(selections)
    }

    async fn pages(
        &self,
        parents: &[Uuid],
        request: &PageRequest,
    ) -> AppResult<HashMap<Uuid, Page<contact::Model>>> {
        let keyset = service::contacts_keyset();
        children::fetch_needed_models(
            &self.0,
            service::contacts_select(parents),
            contact::Column::CustomerId,
            &keyset,
            request,
            |_| 0,
            |c| c.id,
        )
        .await
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
