//! The names a quote's document prints, captured whenever its draft is written: the customer,
//! the seller who drew it, and each product's code, name and unit. A quote sent last month
//! prints what the customer received even if the catalogue has been renamed since.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A product as the document prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductName {
    pub code: String,
    pub name: String,
    pub unit: String,
}

/// Everything named on a quote's document besides the quote's own fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentNames {
    pub customer: String,
    pub seller: String,
    pub seller_email: String,
    pub products: BTreeMap<Uuid, ProductName>,
}

impl DocumentNames {
    /// The names stored on a quote; `None` when none were stored or they cannot be read.
    pub fn parse(stored: Option<&str>) -> Option<Self> {
        serde_json::from_str(stored?).ok()
    }
}

/// The names as they stand now for a quote of `customer_id` drawn by `seller_id` with
/// `product_ids`.
pub async fn current(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    seller_id: Uuid,
    product_ids: &[Uuid],
) -> AppResult<DocumentNames> {
    let customer = entity::customer::Entity::find_by_id(customer_id)
        .one(db)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let seller = entity::user::Entity::find_by_id(seller_id).one(db).await?;
    let products = entity::product::Entity::find()
        .filter(entity::product::Column::Id.is_in(product_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                ProductName {
                    code: p.code,
                    name: p.name,
                    unit: p.unit,
                },
            )
        })
        .collect();
    Ok(DocumentNames {
        customer,
        seller: seller
            .as_ref()
            .map(|s| s.display_name.clone())
            .unwrap_or_default(),
        seller_email: seller.map(|s| s.email).unwrap_or_default(),
        products,
    })
}

/// [`current`] as the JSON stored on the quote.
pub async fn capture(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    seller_id: Uuid,
    product_ids: &[Uuid],
) -> AppResult<String> {
    let names = current(db, customer_id, seller_id, product_ids).await?;
    serde_json::to_string(&names).map_err(|err| {
        tracing::error!(error = %err, "quote document names could not be written");
        AppError::internal()
    })
}
