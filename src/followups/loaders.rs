//! Batch loaders of follow-ups, newest first.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service::{self, Parent};
use crate::error::AppError;
use entity::follow_up;

async fn grouped(
    db: &DatabaseConnection,
    parent: Parent,
    keys: &[Uuid],
) -> Result<HashMap<Uuid, Vec<follow_up::Model>>, AppError> {
    let mut map: HashMap<Uuid, Vec<follow_up::Model>> = HashMap::new();
    for item in service::follow_ups_of(db, parent, keys).await? {
        let key = match parent {
            Parent::Lead => item.lead_id,
            Parent::Customer => item.customer_id,
        };
        if let Some(key) = key {
            map.entry(key).or_default().push(item);
        }
    }
    Ok(map)
}

/// Follow-ups of many customers in one query.
pub struct FollowUpsByCustomer(pub DatabaseConnection);

impl Loader<Uuid> for FollowUpsByCustomer {
    type Value = Vec<follow_up::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        grouped(&self.0, Parent::Customer, keys).await
    }
}

/// Follow-ups of many leads in one query.
pub struct FollowUpsByLead(pub DatabaseConnection);

impl Loader<Uuid> for FollowUpsByLead {
    type Value = Vec<follow_up::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        grouped(&self.0, Parent::Lead, keys).await
    }
}

/// The newest follow-up of many customers in one query.
pub struct LastFollowUpByCustomer(pub DatabaseConnection);

impl Loader<Uuid> for LastFollowUpByCustomer {
    type Value = follow_up::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::latest_of_customers(&self.0, keys)
            .await?
            .into_iter()
            .filter_map(|f| f.customer_id.map(|customer| (customer, f)))
            .collect())
    }
}
