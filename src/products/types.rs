//! GraphQL types of the product catalogue.

use async_graphql::{ComplexObject, Context, ID, InputObject, MaybeUndefined, SimpleObject};

use super::loaders::ProductLineLoader;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use entity::{product, product_line};

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

/// A percentage from basis points (`1000` → `10`).
fn percent(basis_points: i32) -> Decimal {
    Decimal(rust_decimal::Decimal::new(i64::from(basis_points), 2).normalize())
}

/// Basis points from a percentage of at most two fraction digits (`BAD_USER_INPUT` on `field`
/// otherwise; the range is the service's to check).
pub fn basis_points(value: Decimal, field: &str) -> crate::error::AppResult<i32> {
    use rust_decimal::prelude::ToPrimitive;
    let bad = |message: &str| crate::error::AppError::bad_input(field, message);
    let scaled = value
        .0
        .checked_mul(rust_decimal::Decimal::ONE_HUNDRED)
        .ok_or_else(|| bad("A percentage is between 0 and 100"))?;
    if !scaled.fract().is_zero() {
        return Err(bad("A percentage has at most two fraction digits"));
    }
    scaled
        .to_i32()
        .ok_or_else(|| bad("A percentage is between 0 and 100"))
}

/// Something the company sells.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Product {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Product code, unique ignoring case and spaces.
    pub code: String,
    /// Name.
    pub name: String,
    /// What it is.
    pub description: Option<String>,
    /// Unit of sale (`pcs`, `set`, `hour`, …).
    pub unit: String,
    /// List price per unit (the standard price book).
    pub list_price: Decimal,
    /// False once archived: still shown on what used it, not offered for anything new.
    pub active: bool,
    /// When the product was created.
    pub created_at: Instant,
    /// When the product last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub model: product::Model,
}

#[ComplexObject]
impl Product {
    /// Cost per unit; null unless you are an admin, a manager or finance.
    async fn cost_price(&self, ctx: &Context<'_>) -> Option<Decimal> {
        let sees = ctx.viewer().is_ok_and(crate::policy::can_see_cost);
        self.model.cost_price_minor.filter(|_| sees).map(money)
    }

    /// The price per unit in a price book on a day (the standard book and your today when
    /// omitted); null when the book does not price the product that day.
    async fn price(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The price book; the standard one when omitted.")] price_book_id: Option<
            ID,
        >,
        #[graphql(desc = "The day; your today when omitted.")] on: Option<
            crate::graphql::scalars::Date,
        >,
    ) -> async_graphql::Result<Option<Decimal>> {
        use super::loaders::{BookPriceLoader, PriceKey};
        let viewer = ctx.viewer()?;
        let book = crate::ids::decode_optional(
            price_book_id.as_ref(),
            NodeType::PriceBook,
            "priceBookId",
        )?
        .unwrap_or(super::price_books::STANDARD);
        let day = match on {
            Some(day) => day.0,
            None => crate::calendar::today(viewer.timezone, ctx.app().clock.now()),
        };
        let key = PriceKey {
            book,
            day,
            product: self.model.id,
        };
        let price = ctx.loader::<BookPriceLoader>()?.load_one(key).await?;
        Ok(price.map(money))
    }

    /// The product line it belongs to.
    async fn product_line(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProductLine>> {
        let Some(line) = self.model.product_line_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<ProductLineLoader>()?;
        Ok(loader.load_one(line).await?.map(ProductLine::from))
    }
}

impl From<product::Model> for Product {
    fn from(model: product::Model) -> Self {
        Self {
            id: encode_id(NodeType::Product, model.id),
            code: model.code.clone(),
            name: model.name.clone(),
            description: model.description.clone(),
            unit: model.unit.clone(),
            list_price: money(model.list_price_minor),
            active: model.active,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
        }
    }
}

/// A family of products, for reports and for the discounts its products allow.
#[derive(SimpleObject, Clone, Debug)]
pub struct ProductLine {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Name, unique ignoring case and spacing.
    pub name: String,
    /// The largest discount (percent) a quote line of this product line gets without approval.
    pub max_discount_percent: Decimal,
    /// False once archived: takes no new products.
    pub active: bool,
    /// When the product line was created.
    pub created_at: Instant,
    /// When the product line last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
}

impl From<product_line::Model> for ProductLine {
    fn from(model: product_line::Model) -> Self {
        Self {
            id: encode_id(NodeType::ProductLine, model.id),
            name: model.name,
            max_discount_percent: percent(model.max_discount_basis_points),
            active: model.active,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
        }
    }
}

crate::connection_types!(ProductConnection, ProductEdge, Product);

crate::order_input!(
    /// How to order a product list.
    ProductOrder,
    super::service::ProductOrderField
);

/// Filters for `products`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct ProductFilter {
    /// Text contained in the code or name, ignoring case.
    pub search: Option<String>,
    /// Only products of this product line.
    pub product_line_id: Option<ID>,
    /// Only active (`true`) or archived (`false`) products; both when omitted.
    pub active: Option<bool>,
}

/// A product to add to the catalogue.
#[derive(InputObject, Debug)]
pub struct CreateProductInput {
    /// Product code, unique ignoring case and spaces (at most 64 characters).
    pub code: String,
    /// Name (at most 200 characters).
    pub name: String,
    /// What it is (at most 4,000 characters).
    pub description: Option<String>,
    /// The product line it belongs to (an active one).
    pub product_line_id: Option<ID>,
    /// Unit of sale; `pcs` when omitted (at most 32 characters).
    pub unit: Option<String>,
    /// List price per unit, zero or more, at most two fraction digits.
    pub list_price: Decimal,
    /// Cost per unit, zero or more, at most two fraction digits.
    pub cost_price: Option<Decimal>,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// Changes to a product; omitted fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateProductInput {
    /// The product to change.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New description; `null` clears it.
    pub description: MaybeUndefined<String>,
    /// New product line; `null` leaves the product without one.
    pub product_line_id: MaybeUndefined<ID>,
    /// New unit of sale.
    pub unit: Option<String>,
    /// New list price.
    pub list_price: Option<Decimal>,
    /// New cost price; `null` clears it.
    pub cost_price: MaybeUndefined<Decimal>,
    /// `true` restores an archived product, `false` archives it.
    pub active: Option<bool>,
}

/// A product to archive.
#[derive(InputObject, Debug)]
pub struct ArchiveProductInput {
    /// The product to archive.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
}

/// A product line to archive.
#[derive(InputObject, Debug)]
pub struct ArchiveProductLineInput {
    /// The product line to archive.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
}

/// A product line to add.
#[derive(InputObject, Debug)]
pub struct CreateProductLineInput {
    /// Name, unique ignoring case and spacing (at most 200 characters).
    pub name: String,
    /// The largest discount (percent, 0–100) a quote line gets without approval; 10 when
    /// omitted.
    pub max_discount_percent: Option<Decimal>,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// Changes to a product line; omitted fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateProductLineInput {
    /// The product line to change.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New largest discount without approval (percent, 0–100).
    pub max_discount_percent: Option<Decimal>,
    /// `true` restores an archived product line, `false` archives it.
    pub active: Option<bool>,
}

/// Declares a mutation's payload holding one record, built from its model.
macro_rules! payload {
    ($(#[$meta:meta])* $name:ident { $field:ident: $node:ty = $model:ty, $desc:literal }) => {
        $(#[$meta])*
        #[derive(SimpleObject, Debug)]
        pub struct $name {
            #[doc = $desc]
            pub $field: $node,
        }

        impl From<$model> for $name {
            fn from(model: $model) -> Self {
                Self {
                    $field: model.into(),
                }
            }
        }
    };
}

payload!(
    /// Result of `createProduct`.
    CreateProductPayload { product: Product = product::Model, "The new product." }
);
payload!(
    /// Result of `updateProduct`.
    UpdateProductPayload { product: Product = product::Model, "The product after the change." }
);
payload!(
    /// Result of `archiveProduct`.
    ArchiveProductPayload { product: Product = product::Model, "The archived product." }
);
payload!(
    /// Result of `createProductLine`.
    CreateProductLinePayload {
        product_line: ProductLine = product_line::Model,
        "The new product line."
    }
);
payload!(
    /// Result of `updateProductLine`.
    UpdateProductLinePayload {
        product_line: ProductLine = product_line::Model,
        "The product line after the change."
    }
);
payload!(
    /// Result of `archiveProductLine`.
    ArchiveProductLinePayload {
        product_line: ProductLine = product_line::Model,
        "The archived product line."
    }
);
