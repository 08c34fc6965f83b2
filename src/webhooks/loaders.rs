//! Webhooks, their event types, delivered events and attempts, by id (admins read them all).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;
use crate::outbox::WebhookEventType;
use entity::{webhook, webhook_attempt, webhook_event};

/// Endpoints by id.
pub struct WebhookLoader(pub DatabaseConnection);

impl Loader<Uuid> for WebhookLoader {
    type Value = webhook::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(webhook::Entity::find()
            .filter(webhook::Column::Id.is_in(keys.to_vec()))
            .all(&self.0)
            .await?
            .into_iter()
            .map(|w| (w.id, w))
            .collect())
    }
}

/// The event types of endpoints.
pub struct TypesByWebhook(pub DatabaseConnection);

impl Loader<Uuid> for TypesByWebhook {
    type Value = Vec<WebhookEventType>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        super::service::types_of(&self.0, keys).await
    }
}

/// Outbox events by id.
pub struct EventLoader(pub DatabaseConnection);

impl Loader<Uuid> for EventLoader {
    type Value = webhook_event::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(super::deliveries::events_of(&self.0, keys)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect())
    }
}

/// The attempts of deliveries, oldest first (at most `MAX_ATTEMPTS_LISTED`, the newest).
pub struct AttemptsByDelivery(pub DatabaseConnection);

impl Loader<Uuid> for AttemptsByDelivery {
    type Value = Vec<webhook_attempt::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut by_delivery: HashMap<Uuid, Self::Value> = HashMap::new();
        for attempt in super::deliveries::attempts_of(&self.0, keys).await? {
            by_delivery
                .entry(attempt.delivery_id)
                .or_default()
                .push(attempt);
        }
        for list in by_delivery.values_mut() {
            let extra = list
                .len()
                .saturating_sub(super::deliveries::MAX_ATTEMPTS_LISTED);
            list.drain(..extra);
        }
        Ok(by_delivery)
    }
}
