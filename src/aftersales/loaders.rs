//! Batch loaders of the after-sales records.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;
use crate::identity::Viewer;
use entity::{callback, callback_rule};

/// Callback rules by id (every signed-in user reads the rules).
pub struct CallbackRuleLoader(pub DatabaseConnection);

impl Loader<Uuid> for CallbackRuleLoader {
    type Value = callback_rule::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(callback_rule::Entity::find()
            .filter(callback_rule::Column::Id.is_in(keys.to_vec()))
            .all(&self.0)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect())
    }
}

/// Callbacks by id, as far as the viewer may see them.
pub struct CallbackLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for CallbackLoader {
    type Value = callback::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(super::service::by_ids(&self.db, viewer, keys)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect())
    }
}
