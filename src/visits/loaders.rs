//! Batch loaders of visits, each bound to the viewer of its request.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::service::{self, Parent};
use crate::error::AppError;
use crate::identity::Viewer;
use entity::visit_task;

/// Tasks by id, as far as the viewer may see them.
pub struct VisitLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for VisitLoader {
    type Value = visit_task::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(visit_task::Entity::find()
            .filter(visit_task::Column::Id.is_in(keys.to_vec()))
            .filter(crate::policy::visits(viewer))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect())
    }
}

crate::viewer_pages!(
    /// Pages of the visible visits of many customers in one query, latest planned first.
    VisitsByCustomer,
    visit_task::Model,
    columns: super::types::VISIT_TASK_COLUMNS,
    |db, viewer, parents, request| service::visits_pages(db, viewer, Parent::Customer, parents, request)
);

crate::viewer_pages!(
    /// Pages of the visible visits of many deals in one query, latest planned first.
    VisitsByOpportunity,
    visit_task::Model,
    columns: super::types::VISIT_TASK_COLUMNS,
    |db, viewer, parents, request| service::visits_pages(db, viewer, Parent::Opportunity, parents, request)
);
