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

/// Price books by id (everyone may read them).
pub struct PriceBookLoader(pub DatabaseConnection);

impl Loader<Uuid> for PriceBookLoader {
    type Value = entity::price_book::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(super::price_books::price_books_by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|b| (b.id, b))
            .collect())
    }
}

/// A product's price in a price book on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PriceKey {
    pub book: Uuid,
    pub day: chrono::NaiveDate,
    pub product: Uuid,
}

/// Unit prices by (book, day, product), one query per book and day asked.
pub struct BookPriceLoader(pub DatabaseConnection);

impl Loader<PriceKey> for BookPriceLoader {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[PriceKey]) -> Result<HashMap<PriceKey, i64>, Self::Error> {
        let mut asked: HashMap<(Uuid, chrono::NaiveDate), Vec<Uuid>> = HashMap::new();
        for key in keys {
            asked
                .entry((key.book, key.day))
                .or_default()
                .push(key.product);
        }
        let mut found = HashMap::new();
        for ((book, day), products) in asked {
            let prices = super::price_books::prices_on(&self.0, book, &products, day).await;
            let prices = match prices {
                Ok(prices) => prices,
                // A book that is not there prices nothing.
                Err(err) if err.code == crate::error::ErrorCode::NotFound => continue,
                Err(err) => return Err(err),
            };
            for (product, price) in prices {
                found.insert(PriceKey { book, day, product }, price);
            }
        }
        Ok(found)
    }
}
