//! Batch loaders for lists nested under leads.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::error::AppError;
use entity::lead_event;

/// Events of many leads in one query, oldest first.
pub struct EventsByLead(pub DatabaseConnection);

impl Loader<Uuid> for EventsByLead {
    type Value = Vec<lead_event::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut grouped: HashMap<Uuid, Vec<lead_event::Model>> = HashMap::new();
        for event in service::events_of(&self.0, keys).await? {
            grouped.entry(event.lead_id).or_default().push(event);
        }
        Ok(grouped)
    }
}
