//! Batch loaders for lists nested under leads.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::error::{AppError, AppResult};
use crate::graphql::pagination::ChildPages;
use crate::pagination::{Page, PageRequest};
use entity::lead_event;

/// Pages of the events of many leads in one query, oldest first.
pub struct EventsByLead(pub DatabaseConnection);

impl ChildPages for EventsByLead {
    type Item = lead_event::Model;

    async fn pages(
        &self,
        parents: &[Uuid],
        request: &PageRequest,
    ) -> AppResult<HashMap<Uuid, Page<lead_event::Model>>> {
        service::events_pages(&self.0, parents, request).await
    }
}

/// Leads by id, as far as the viewer may see them (their own in scope, and the pool).
pub struct LeadLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<crate::identity::Viewer>,
}

impl Loader<Uuid> for LeadLoader {
    type Value = entity::lead::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(entity::lead::Entity::find()
            .filter(entity::lead::Column::Id.is_in(keys.to_vec()))
            .filter(crate::policy::leads(viewer))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|lead| (lead.id, lead))
            .collect())
    }
}

/// A lead through the request's loader: `None` when missing or not visible.
pub async fn lead(
    ctx: &async_graphql::Context<'_>,
    id: Uuid,
) -> async_graphql::Result<Option<super::types::Lead>> {
    use crate::graphql::context::ContextExt;
    let loader = ctx.loader::<LeadLoader>()?;
    Ok(loader.load_one(id).await?.map(super::types::Lead::from))
}
