//! Batch loaders of quotes.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::service;
use crate::error::AppError;
use crate::graphql::batch;
use crate::identity::Viewer;
use entity::{quote, quote_line_item};

/// Quotes by id, as far as the viewer may see them.
pub struct QuoteLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for QuoteLoader {
    type Value = quote::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        let found = quote::Entity::find()
            .filter(quote::Column::Id.is_in(keys.to_vec()))
            .filter(service::visible(viewer))
            .all(&self.db)
            .await?;
        Ok(batch::keyed(found, |q| q.id))
    }
}

/// The lines of many quotes in one query.
pub struct LinesByQuote(pub DatabaseConnection);

impl Loader<Uuid> for LinesByQuote {
    type Value = Vec<quote_line_item::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            service::lines_of(&self.0, keys).await?,
            |l| l.quote_id,
        ))
    }
}

/// The quotes of many (visible) deals in one query, newest first.
pub struct QuotesByOpportunity(pub DatabaseConnection);

impl Loader<Uuid> for QuotesByOpportunity {
    type Value = Vec<quote::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            service::quotes_of_deals(&self.0, keys).await?,
            |q| q.opportunity_id,
        ))
    }
}
