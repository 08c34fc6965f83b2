//! Batch loaders of tickets and what hangs under them.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::AppError;
use crate::identity::Viewer;
use entity::{ticket, ticket_comment, ticket_event};

/// Tickets by id, as far as the viewer may see them.
pub struct TicketLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for TicketLoader {
    type Value = ticket::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(super::service::by_ids(&self.db, viewer, keys)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect())
    }
}

/// The latest tickets of many customers, as far as the viewer may see them.
pub struct TicketsByCustomer {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for TicketsByCustomer {
    type Value = Vec<ticket::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        super::service::of_customers(&self.db, viewer, keys).await
    }
}

/// Comments of many tickets (under visible tickets), oldest first.
pub struct CommentsByTicket(pub DatabaseConnection);

impl Loader<Uuid> for CommentsByTicket {
    type Value = Vec<ticket_comment::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut grouped: HashMap<Uuid, Vec<ticket_comment::Model>> = HashMap::new();
        for row in super::service::comments_of(&self.0, keys).await? {
            grouped.entry(row.ticket_id).or_default().push(row);
        }
        Ok(grouped)
    }
}

/// History of many tickets (under visible tickets), oldest first.
pub struct EventsByTicket(pub DatabaseConnection);

impl Loader<Uuid> for EventsByTicket {
    type Value = Vec<ticket_event::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut grouped: HashMap<Uuid, Vec<ticket_event::Model>> = HashMap::new();
        for row in super::service::events_of(&self.0, keys).await? {
            grouped.entry(row.ticket_id).or_default().push(row);
        }
        Ok(grouped)
    }
}
