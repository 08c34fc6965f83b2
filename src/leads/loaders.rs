//! Batch loaders for lists nested under leads.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::error::AppError;
use crate::graphql::batch;
use entity::lead_event;

/// Events of many leads in one query, oldest first.
pub struct EventsByLead(pub DatabaseConnection);

impl Loader<Uuid> for EventsByLead {
    type Value = Vec<lead_event::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            service::events_of(&self.0, keys).await?,
            |e| e.lead_id,
        ))
    }
}
