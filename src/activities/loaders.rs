//! Batch loader of activities by id, within what the caller may see.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::AppError;
use crate::identity::Viewer;
use entity::activity;

/// Visible activities by id.
pub struct ActivityLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for ActivityLoader {
    type Value = activity::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(super::service::visible_by_ids(&self.db, viewer, keys)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect())
    }
}
