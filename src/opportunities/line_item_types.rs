//! Line items of deals over GraphQL: the lines, the margin managers see, and
//! `setOpportunityLineItems`.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};

use super::line_items::{self, ItemSpec};
use super::loaders::LineItemsByOpportunity;
use super::types::Opportunity;
use crate::error::AppResult;
use crate::graphql::conflict::or_current;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::scalars::Decimal;
use crate::ids::{NodeType, decode_id, decode_optional};
use crate::money::Money;
use crate::products::loaders::ProductLoader;
use crate::products::pricing;
use crate::products::types::{Product, basis_points};
use entity::opportunity_line_item;

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

/// A product on a deal: how many, at which price and discount.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct OpportunityLineItem {
    /// Order of the line on the deal, from 0.
    pub position: i32,
    /// How many units (up to three fraction digits).
    pub quantity: Decimal,
    /// Price per unit agreed for the line.
    pub unit_price: Decimal,
    /// The deal's price book price per unit when the line was set.
    pub book_price: Decimal,
    /// Discount in percent (0–100) off the unit price.
    pub discount_percent: Decimal,
    /// quantity × unit price × (1 − discount), rounded half-up to the cent.
    pub amount: Decimal,
    #[graphql(skip)]
    pub model: opportunity_line_item::Model,
}

#[ComplexObject]
impl OpportunityLineItem {
    /// The product sold (archived products stay on the lines that have them).
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let loader = ctx.loader::<ProductLoader>()?;
        Ok(loader
            .load_one(self.model.product_id)
            .await?
            .map(Product::from))
    }
}

impl From<opportunity_line_item::Model> for OpportunityLineItem {
    fn from(model: opportunity_line_item::Model) -> Self {
        Self {
            position: model.position,
            quantity: Decimal(pricing::quantity(model.quantity_thousandths)),
            unit_price: money(model.unit_price_minor),
            book_price: money(model.book_price_minor),
            discount_percent: Decimal(
                rust_decimal::Decimal::new(i64::from(model.discount_basis_points), 2).normalize(),
            ),
            amount: money(model.amount_minor),
            model,
        }
    }
}

/// What is left of an amount after the cost of what is sold.
#[derive(SimpleObject, Clone, Debug)]
pub struct Margin {
    /// The amount sold.
    pub revenue: Decimal,
    /// Σ quantity × unit cost of the lines, each rounded half-up to the cent.
    pub cost: Decimal,
    /// Revenue less cost.
    pub amount: Decimal,
    /// The margin as a fraction of the revenue (four fraction digits); null for zero revenue.
    pub rate: Option<Decimal>,
}

impl Margin {
    /// The margin of `revenue` after `cost`.
    pub fn of(revenue: Money, cost: Money) -> Self {
        let (left, rate) = pricing::margin(revenue, cost);
        Self {
            revenue: Decimal(revenue.to_decimal()),
            cost: Decimal(cost.to_decimal()),
            amount: Decimal(left.to_decimal()),
            rate: rate.map(Decimal),
        }
    }
}

/// The line items of a deal (for `Opportunity.lineItems`).
pub async fn lines(
    ctx: &Context<'_>,
    deal: &Opportunity,
) -> async_graphql::Result<Vec<OpportunityLineItem>> {
    let lines = ctx
        .loader::<LineItemsByOpportunity>()?
        .load_one(deal.model.id)
        .await?
        .unwrap_or_default();
    Ok(lines.into_iter().map(OpportunityLineItem::from).collect())
}

/// The margin of a deal's line items for viewers who may see cost (`Opportunity.margin`).
pub async fn margin(
    ctx: &Context<'_>,
    deal: &Opportunity,
) -> async_graphql::Result<Option<Margin>> {
    if !crate::policy::can_see_cost(ctx.viewer()?) {
        return Ok(None);
    }
    let lines = ctx
        .loader::<LineItemsByOpportunity>()?
        .load_one(deal.model.id)
        .await?
        .unwrap_or_default();
    let revenue = Money::from_minor(lines.iter().map(|l| l.amount_minor).sum());
    Ok(line_items::cost_of(&lines).map(|cost| Margin::of(revenue, cost)))
}

/// The price book of a deal (the standard one until another is chosen).
pub async fn price_book(
    ctx: &Context<'_>,
    deal: &Opportunity,
) -> async_graphql::Result<Option<crate::products::price_book_types::PriceBook>> {
    let id = deal
        .model
        .price_book_id
        .unwrap_or(crate::products::price_books::STANDARD);
    let loader = ctx.loader::<crate::products::loaders::PriceBookLoader>()?;
    Ok(loader.load_one(id).await?.map(Into::into))
}

/// One line to put on a deal.
#[derive(InputObject, Debug)]
pub struct OpportunityLineItemInput {
    /// The product (an active one, or one already on the deal).
    pub product_id: ID,
    /// How many units: above zero, up to three fraction digits.
    pub quantity: Decimal,
    /// Price per unit; the deal's price book price when omitted.
    pub unit_price: Option<Decimal>,
    /// Discount in percent (0–100, up to two fraction digits); none when omitted.
    pub discount_percent: Option<Decimal>,
}

/// The complete list of a deal's line items, replacing the earlier one.
#[derive(InputObject, Debug)]
pub struct SetOpportunityLineItemsInput {
    /// The deal.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// The price book to price the lines from (an active one); the deal's current one
    /// (standard at first) when omitted.
    pub price_book_id: Option<ID>,
    /// The lines, in order (at most 200); empty removes them all and leaves the amount as is.
    pub items: Vec<OpportunityLineItemInput>,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// Result of `setOpportunityLineItems`.
#[derive(SimpleObject, Debug)]
pub struct SetOpportunityLineItemsPayload {
    /// The deal with its new lines and amount.
    pub opportunity: Opportunity,
}

impl From<entity::opportunity::Model> for SetOpportunityLineItemsPayload {
    fn from(model: entity::opportunity::Model) -> Self {
        Self {
            opportunity: model.into(),
        }
    }
}

/// The lines of an input as the services take them (`BAD_USER_INPUT` on
/// `input.items.N.…`).
pub fn item_specs(items: &[OpportunityLineItemInput]) -> AppResult<Vec<ItemSpec>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = |name: &str| format!("input.items.{i}.{name}");
            Ok(ItemSpec {
                product_id: decode_id(&item.product_id, NodeType::Product, &field("productId"))?,
                quantity_thousandths: pricing::quantity_thousandths(
                    item.quantity.0,
                    &field("quantity"),
                )?,
                unit_price_minor: item
                    .unit_price
                    .map(|p| p.minor(&field("unitPrice")))
                    .transpose()?,
                discount_basis_points: item
                    .discount_percent
                    .map(|d| basis_points(d, &field("discountPercent")))
                    .transpose()?
                    .unwrap_or(0),
            })
        })
        .collect()
}

#[derive(Default)]
pub struct LineItemMutation;

#[Object]
impl LineItemMutation {
    /// Sets the products of an open deal (owner, their managers, admins); the deal's amount
    /// becomes the exact sum of the line amounts.
    #[graphql(guard = "SignedIn")]
    async fn set_opportunity_line_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SetOpportunityLineItemsInput`.")]
        input: SetOpportunityLineItemsInput,
    ) -> async_graphql::Result<SetOpportunityLineItemsPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Opportunity, "input.id")?;
        if input.items.len() > line_items::MAX_LINE_ITEMS {
            return Err(crate::error::AppError::bad_input(
                "input.items",
                "A deal has at most 200 line items",
            )
            .into());
        }
        let book = decode_optional(
            input.price_book_id.as_ref(),
            NodeType::PriceBook,
            "input.priceBookId",
        )?;
        let items = item_specs(&input.items)?;
        let changed = line_items::set_line_items(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            book,
            items,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            super::service::get_opportunity(&ctx.app().db, viewer, id).await
        })
        .await
    }
}
