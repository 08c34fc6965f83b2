//! Batch loaders of visits, each bound to the viewer of its request.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::service::{self, Parent};
use crate::error::AppError;
use crate::graphql::batch;
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

async fn grouped(
    db: &DatabaseConnection,
    viewer: Option<&Viewer>,
    parent: Parent,
    keys: &[Uuid],
) -> Result<HashMap<Uuid, Vec<visit_task::Model>>, AppError> {
    let Some(viewer) = viewer else {
        return Ok(HashMap::new());
    };
    let rows = service::visits_of(db, viewer, parent, keys).await?;
    Ok(batch::grouped(rows, |visit| match parent {
        Parent::Customer => Some(visit.customer_id),
        Parent::Opportunity => visit.opportunity_id,
    }))
}

/// The visible visits of many customers in one query, latest planned first.
pub struct VisitsByCustomer {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for VisitsByCustomer {
    type Value = Vec<visit_task::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        grouped(&self.db, self.viewer.as_ref(), Parent::Customer, keys).await
    }
}

/// The visible visits of many deals in one query, latest planned first.
pub struct VisitsByOpportunity {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for VisitsByOpportunity {
    type Value = Vec<visit_task::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        grouped(&self.db, self.viewer.as_ref(), Parent::Opportunity, keys).await
    }
}
