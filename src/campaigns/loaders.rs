//! Campaigns by id (everyone signed in sees every campaign's public fields).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;
use entity::campaign;

/// Campaigns by id.
pub struct CampaignLoader(pub DatabaseConnection);

impl Loader<Uuid> for CampaignLoader {
    type Value = campaign::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(campaign::Entity::find()
            .filter(campaign::Column::Id.is_in(keys.to_vec()))
            .all(&self.0)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect())
    }
}

/// The newest cost entries of campaigns (at most 100 each), newest first.
pub struct CostsByCampaign(pub DatabaseConnection);

impl Loader<Uuid> for CostsByCampaign {
    type Value = Vec<entity::campaign_cost::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        use entity::campaign_cost::{Column, Entity};
        use sea_orm::QueryOrder;
        let mut by_campaign: HashMap<Uuid, Self::Value> = HashMap::new();
        for cost in Entity::find()
            .filter(Column::CampaignId.is_in(keys.to_vec()))
            .order_by_desc(Column::Id)
            .all(&self.0)
            .await?
        {
            let list = by_campaign.entry(cost.campaign_id).or_default();
            if list.len() < super::service::MAX_COSTS_LISTED as usize {
                list.push(cost);
            }
        }
        Ok(by_campaign)
    }
}

/// Members per status of campaigns, over the members the viewer may see.
pub struct MemberCounts {
    pub db: DatabaseConnection,
    pub viewer: Option<crate::identity::Viewer>,
}

impl Loader<Uuid> for MemberCounts {
    type Value = HashMap<String, i64>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        super::members::counts(&self.db, viewer, keys).await
    }
}
