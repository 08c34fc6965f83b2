//! Batch loaders of follow-ups, newest first.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service::{self, Parent};
use crate::error::AppError;
use crate::graphql::batch;
use entity::follow_up;

async fn grouped(
    db: &DatabaseConnection,
    parent: Parent,
    keys: &[Uuid],
) -> Result<HashMap<Uuid, Vec<follow_up::Model>>, AppError> {
    let rows = service::follow_ups_of(db, parent, keys).await?;
    Ok(batch::grouped(rows, |item| match parent {
        Parent::Lead => item.lead_id,
        Parent::Customer => item.customer_id,
    }))
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
        Ok(batch::keyed(
            service::latest_of_customers(&self.0, keys).await?,
            |f| f.customer_id,
        ))
    }
}
