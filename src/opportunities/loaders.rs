//! Batch loaders of the pipeline.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{service, stages};
use crate::error::AppError;
use crate::graphql::batch;
use crate::identity::Viewer;
use entity::{opportunity, pipeline_stage, stage_change};

/// Stages by id.
pub struct StageLoader(pub DatabaseConnection);

impl Loader<Uuid> for StageLoader {
    type Value = pipeline_stage::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(stages::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect())
    }
}

/// Deals by id (for fields of records the viewer already sees).
pub struct OpportunityLoader(pub DatabaseConnection);

impl Loader<Uuid> for OpportunityLoader {
    type Value = opportunity::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect())
    }
}

/// Stage histories of many deals in one query.
pub struct HistoryByOpportunity(pub DatabaseConnection);

impl Loader<Uuid> for HistoryByOpportunity {
    type Value = Vec<stage_change::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            service::history_of(&self.0, keys).await?,
            |c| c.opportunity_id,
        ))
    }
}

/// The deals of many customers that the viewer may see, in one query.
pub struct OpportunitiesByCustomer {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for OpportunitiesByCustomer {
    type Value = Vec<service::Listed>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        let rows = service::of_customers(&self.db, viewer, keys).await?;
        Ok(batch::grouped(rows, |row| row.deal.customer_id))
    }
}

/// Revenue splits of many deals in one query.
pub struct SplitsByOpportunity(pub DatabaseConnection);

impl Loader<Uuid> for SplitsByOpportunity {
    type Value = Vec<entity::opportunity_split::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            service::splits_of(&self.0, keys).await?,
            |s| s.opportunity_id,
        ))
    }
}

/// Deals by id, as far as the viewer may see them (for links from records that do not imply
/// the deal's visibility, such as visits).
pub struct VisibleOpportunityLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for VisibleOpportunityLoader {
    type Value = opportunity::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(service::visible_by_ids(&self.db, viewer, keys)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect())
    }
}
