//! Batch loaders of the catalogue.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::error::AppError;
use entity::{product, product_line};

/// Product lines by id (the catalogue is everyone's to read).
pub struct ProductLineLoader(pub DatabaseConnection);

impl Loader<Uuid> for ProductLineLoader {
    type Value = product_line::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::product_lines_by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect())
    }
}

/// Products by id (the catalogue is everyone's to read).
pub struct ProductLoader(pub DatabaseConnection);

impl Loader<Uuid> for ProductLoader {
    type Value = product::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::products_by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect())
    }
}
