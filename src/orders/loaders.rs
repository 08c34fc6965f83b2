//! Batch loaders of orders, their lines and their deliveries.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{deliveries, service};
use crate::error::AppError;
use crate::graphql::batch;
use crate::identity::Viewer;
use entity::{delivery, delivery_line, order, order_line};

/// Orders by id, as far as the viewer may see them.
pub struct OrderLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Viewer>,
}

impl Loader<Uuid> for OrderLoader {
    type Value = order::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(batch::keyed(
            service::by_ids(&self.db, viewer, keys).await?,
            |o| o.id,
        ))
    }
}

/// The lines of many (visible) orders in one query.
pub struct LinesByOrder(pub DatabaseConnection);

impl Loader<Uuid> for LinesByOrder {
    type Value = Vec<order_line::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            service::lines_of(&self.0, keys).await?,
            |l| l.order_id,
        ))
    }
}

/// Order lines by id (under visible deliveries).
pub struct OrderLineLoader(pub DatabaseConnection);

impl Loader<Uuid> for OrderLineLoader {
    type Value = order_line::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::keyed(
            deliveries::order_lines_by_ids(&self.0, keys).await?,
            |l| l.id,
        ))
    }
}

/// The orders of many (visible) contracts in one query, newest first.
pub struct OrdersByContract(pub DatabaseConnection);

impl Loader<Uuid> for OrdersByContract {
    type Value = Vec<order::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            service::orders_of_contracts(&self.0, keys).await?,
            |o| o.contract_id,
        ))
    }
}

/// The deliveries of many (visible) orders in one query, oldest first.
pub struct DeliveriesByOrder(pub DatabaseConnection);

impl Loader<Uuid> for DeliveriesByOrder {
    type Value = Vec<delivery::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            deliveries::deliveries_of(&self.0, keys).await?,
            |d| d.order_id,
        ))
    }
}

/// The lines of many (visible) deliveries in one query.
pub struct LinesByDelivery(pub DatabaseConnection);

impl Loader<Uuid> for LinesByDelivery {
    type Value = Vec<delivery_line::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            deliveries::delivery_lines_of(&self.0, keys).await?,
            |l| l.delivery_id,
        ))
    }
}

/// Ordered and delivered amounts (minor units) of many (visible) contracts' active orders.
pub struct OrderTotalsByContract(pub DatabaseConnection);

impl Loader<Uuid> for OrderTotalsByContract {
    type Value = (i64, i64);
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::totals_by_contract(&self.0, keys)
            .await?
            .into_iter()
            .map(|(contract, ordered, delivered)| (contract, (ordered, delivered)))
            .collect())
    }
}
