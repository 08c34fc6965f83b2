//! Batch loaders of the pipeline.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{service, stages};
use crate::error::{AppError, AppResult};
use crate::graphql::batch;
use crate::graphql::pagination::ChildPages;
use crate::identity::Viewer;
use crate::pagination::{Page, PageRequest};
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

/// Pages of the stage histories of many deals in one query, oldest first.
pub struct HistoryByOpportunity(pub DatabaseConnection);

impl ChildPages for HistoryByOpportunity {
    type Item = stage_change::Model;

    async fn pages(
        &self,
        parents: &[Uuid],
        request: &PageRequest,
    ) -> AppResult<HashMap<Uuid, Page<stage_change::Model>>> {
        service::history_pages(&self.0, parents, request).await
    }
}

/// Pages of the deals of many customers that the viewer may see, in one query, oldest first,
/// each deal with the columns its selection needs (its stage whole).
pub struct OpportunitiesByCustomer {
    pub db: DatabaseConnection,
    pub viewer: Option<crate::identity::Viewer>,
}

impl ChildPages for OpportunitiesByCustomer {
    type Item = service::Listed;

    fn needs(selections: &[async_graphql::SelectionField<'_>]) -> crate::columns::Needs {
        use entity::opportunity;
        super::types::OPPORTUNITY_COLUMNS.needs::<opportunity::Model>(selections)
    }

    async fn pages(
        &self,
        parents: &[Uuid],
        request: &PageRequest,
    ) -> AppResult<HashMap<Uuid, Page<service::Listed>>> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        service::of_customers_pages(&self.db, viewer, parents, request).await
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

/// Line items of many deals in one query.
pub struct LineItemsByOpportunity(pub DatabaseConnection);

impl Loader<Uuid> for LineItemsByOpportunity {
    type Value = Vec<entity::opportunity_line_item::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            super::line_items::lines_of(&self.0, keys).await?,
            |l| l.opportunity_id,
        ))
    }
}

/// What was observed of stages' stays and the limits their rules give, at the instant each key
/// names (one statement for every stage of the request).
pub struct StageDwellLoader(pub DatabaseConnection);

impl Loader<(Uuid, chrono::DateTime<chrono::Utc>)> for StageDwellLoader {
    type Value = super::dwell::Dwell;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[(Uuid, chrono::DateTime<chrono::Utc>)],
    ) -> Result<HashMap<(Uuid, chrono::DateTime<chrono::Utc>), Self::Value>, Self::Error> {
        let Some(now) = keys.iter().map(|(_, at)| *at).max() else {
            return Ok(HashMap::new());
        };
        let stages = super::stages::list(&self.0, true).await?;
        let limits = super::dwell::limits(&self.0, &stages, now).await?;
        Ok(keys
            .iter()
            .filter_map(|key| limits.get(&key.0).map(|dwell| (*key, *dwell)))
            .collect())
    }
}

/// Win and loss reasons by id.
pub struct CloseReasonLoader(pub DatabaseConnection);

impl Loader<Uuid> for CloseReasonLoader {
    type Value = entity::close_reason::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(super::close_reasons::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect())
    }
}

/// Competitors by id.
pub struct CompetitorLoader(pub DatabaseConnection);

impl Loader<Uuid> for CompetitorLoader {
    type Value = entity::competitor::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(super::competitors::by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect())
    }
}

/// The competitors named on many deals in one statement.
pub struct CompetitorsByOpportunity(pub DatabaseConnection);

impl Loader<Uuid> for CompetitorsByOpportunity {
    type Value = Vec<entity::opportunity_competitor::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found: HashMap<Uuid, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for named in super::competitors::of_deals(&self.0, keys).await? {
            if let Some(list) = found.get_mut(&named.opportunity_id) {
                list.push(named);
            }
        }
        Ok(found)
    }
}
