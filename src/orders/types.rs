//! GraphQL types of orders and deliveries.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use super::loaders::{DeliveriesByOrder, LinesByDelivery, LinesByOrder, OrderLineLoader};
use super::model::OrderStatus;
use crate::contracts::types::Contract;
use crate::customers::types::Customer;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Amount, Date, Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::products::loaders::ProductLoader;
use crate::products::pricing::quantity;
use crate::products::types::Product;
use crate::users::types::User;
use entity::{delivery, delivery_line, order, order_line};

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

/// An order executing part (or all) of a signed contract.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Order {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// `O-<year>-<six digits>`, gapless within the year.
    pub number: String,
    /// Where it stands.
    pub status: OrderStatus,
    /// When delivery is planned.
    pub planned_delivery_date: Option<Date>,
    /// Σ line amounts: its share of the contract.
    pub amount: Decimal,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    /// When it was created.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    #[graphql(skip)]
    pub model: order::Model,
}

#[ComplexObject]
impl Order {
    /// The contract it executes.
    async fn contract(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contract>> {
        crate::contracts::loaders::contract(ctx, self.model.contract_id).await
    }

    /// The customer it is for.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }

    /// Who created it.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.created_by).await
    }

    /// What it orders, in order.
    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrderLine>> {
        let lines = ctx
            .loader::<LinesByOrder>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(lines.into_iter().map(OrderLine::from).collect())
    }

    /// The part of its amount delivered so far.
    async fn delivered_amount(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        let lines = ctx
            .loader::<LinesByOrder>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(money(lines.iter().map(|l| l.delivered_minor).sum()))
    }

    /// Its deliveries, oldest first.
    async fn deliveries(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Delivery>> {
        let found = ctx
            .loader::<DeliveriesByOrder>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(found.into_iter().map(Delivery::from).collect())
    }
}

impl From<order::Model> for Order {
    fn from(model: order::Model) -> Self {
        Self {
            id: encode_id(NodeType::Order, model.id),
            number: model.number.clone(),
            status: OrderStatus::parse(&model.status).unwrap_or(OrderStatus::Open),
            planned_delivery_date: model.planned_delivery_date.map(Date),
            amount: money(model.amount_minor),
            cancel_reason: model.cancel_reason.clone(),
            version: model.version,
            created_at: Instant(model.created_at),
            updated_at: Instant(model.updated_at),
            model,
        }
    }
}

/// One line of an order: a product and quantity, or an amount alone (for a contract without
/// product lines).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct OrderLine {
    /// Identifier of the line (what a delivery names).
    pub id: ID,
    /// Order of the line on the order, from 0.
    pub position: i32,
    /// How many units; null on a line of an amount alone.
    pub quantity: Option<Decimal>,
    /// Its share of the contract's amount.
    pub amount: Decimal,
    /// How many units have been delivered; null on a line of an amount alone.
    pub delivered_quantity: Option<Decimal>,
    /// The part of its amount delivered so far.
    pub delivered_amount: Decimal,
    #[graphql(skip)]
    pub model: order_line::Model,
}

#[ComplexObject]
impl OrderLine {
    /// The product ordered; null on a line of an amount alone.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let Some(id) = self.model.product_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<ProductLoader>()?
            .load_one(id)
            .await?
            .map(Product::from))
    }
}

impl From<order_line::Model> for OrderLine {
    fn from(model: order_line::Model) -> Self {
        Self {
            id: encode_id(NodeType::OrderLine, model.id),
            position: model.position,
            quantity: model.quantity_thousandths.map(|q| Decimal(quantity(q))),
            amount: money(model.amount_minor),
            delivered_quantity: model
                .quantity_thousandths
                .map(|_| Decimal(quantity(model.delivered_thousandths))),
            delivered_amount: money(model.delivered_minor),
            model,
        }
    }
}

/// A batch delivered against an order.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Delivery {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// The day it was delivered.
    pub delivered_on: Date,
    /// What the recorder noted.
    pub note: Option<String>,
    /// When it was recorded.
    pub created_at: Instant,
    /// When it last changed: a delivery is never changed, so when it was recorded.
    pub updated_at: Instant,
    #[graphql(skip)]
    pub model: delivery::Model,
}

#[ComplexObject]
impl Delivery {
    /// The order delivered against.
    async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
        Ok(ctx
            .loader::<super::loaders::OrderLoader>()?
            .load_one(self.model.order_id)
            .await?
            .map(Order::from))
    }

    /// What it brought, line by line.
    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DeliveryLine>> {
        let lines = ctx
            .loader::<LinesByDelivery>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(lines.into_iter().map(DeliveryLine::from).collect())
    }

    /// Who recorded it.
    async fn recorded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.recorded_by).await
    }
}

impl From<delivery::Model> for Delivery {
    fn from(model: delivery::Model) -> Self {
        Self {
            id: encode_id(NodeType::Delivery, model.id),
            delivered_on: Date(model.delivered_on),
            note: model.note.clone(),
            created_at: Instant(model.created_at),
            updated_at: Instant(model.created_at),
            model,
        }
    }
}

/// What one delivery brought of one order line.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct DeliveryLine {
    /// Units delivered; null on a line of an amount alone.
    pub quantity: Option<Decimal>,
    /// The part of the line's amount this delivery accounts for.
    pub amount: Decimal,
    #[graphql(skip)]
    pub model: delivery_line::Model,
}

#[ComplexObject]
impl DeliveryLine {
    /// The order line delivered.
    async fn line(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrderLine>> {
        Ok(ctx
            .loader::<OrderLineLoader>()?
            .load_one(self.model.order_line_id)
            .await?
            .map(OrderLine::from))
    }
}

impl From<delivery_line::Model> for DeliveryLine {
    fn from(model: delivery_line::Model) -> Self {
        Self {
            quantity: model.quantity_thousandths.map(|q| Decimal(quantity(q))),
            amount: money(model.amount_minor),
            model,
        }
    }
}

crate::connection_types!(OrderConnection, OrderEdge, Order);

/// Where a contract's execution stands, in money.
#[derive(SimpleObject, Clone, Debug)]
pub struct ExecutionStatus {
    /// Σ amounts of its active (not cancelled) orders.
    pub ordered_amount: Decimal,
    /// The part of those orders delivered so far.
    pub delivered_amount: Decimal,
    /// Σ invoiced on its collection plan's installments.
    pub invoiced_amount: Decimal,
    /// Σ paid on its installments (payments allocated to them, net of reversals).
    pub paid_amount: Decimal,
    /// Σ waived on its installments.
    pub waived_amount: Decimal,
    /// Σ paid back by refunds: allocations taken back from its installments (already out of
    /// `paidAmount`) and credit of payments recorded for it.
    pub refunded_amount: Decimal,
    /// What the customer still owes on it: its amount less what was paid and waived.
    pub outstanding: Decimal,
}

/// The execution status of a contract (for `Contract.executionStatus`): one batched
/// statement pair for every contract of the response, and its collection plan's loader.
pub async fn execution_status(
    ctx: &Context<'_>,
    contract: &entity::contract::Model,
) -> async_graphql::Result<ExecutionStatus> {
    let (ordered, delivered) = ctx
        .loader::<super::loaders::OrderTotalsByContract>()?
        .load_one(contract.id)
        .await?
        .unwrap_or_default();
    let plan = ctx
        .loader::<crate::billing::loaders::InstallmentsByContract>()?
        .load_one(contract.id)
        .await?
        .unwrap_or_default();
    let refunded = ctx
        .loader::<crate::billing::loaders::RefundedByContract>()?
        .load_one(contract.id)
        .await?
        .unwrap_or_default();
    let sum = |f: fn(&entity::installment::Model) -> i64| plan.iter().map(f).sum::<i64>();
    let (invoiced, paid, waived) = (
        sum(|i| i.invoiced_minor),
        sum(|i| i.paid_minor),
        sum(|i| i.waived_minor),
    );
    Ok(ExecutionStatus {
        ordered_amount: money(ordered),
        delivered_amount: money(delivered),
        invoiced_amount: money(invoiced),
        paid_amount: money(paid),
        waived_amount: money(waived),
        refunded_amount: money(refunded),
        outstanding: money((contract.amount_minor - paid - waived).max(0)),
    })
}

/// The orders of a contract the viewer sees, newest first (for `Contract.orders`).
pub async fn of_contract(
    ctx: &Context<'_>,
    contract: uuid::Uuid,
) -> async_graphql::Result<Vec<Order>> {
    let orders = ctx
        .loader::<super::loaders::OrdersByContract>()?
        .load_one(contract)
        .await?
        .unwrap_or_default();
    Ok(orders.into_iter().map(Order::from).collect())
}

/// Filters for `orders`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct OrderFilter {
    /// Only orders of this contract.
    pub contract_id: Option<ID>,
    /// Only orders for this customer.
    pub customer_id: Option<ID>,
    /// Only orders in one of these statuses.
    pub statuses: Option<Vec<OrderStatus>>,
}

/// One product to order.
#[derive(InputObject, Debug)]
pub struct OrderLineInput {
    /// A product the contract sells.
    pub product_id: ID,
    /// How many units (above zero, up to three fraction digits, at most what remains
    /// unordered).
    pub quantity: Decimal,
}

/// An order to draw from a signed contract.
#[derive(InputObject, Debug)]
pub struct CreateOrderInput {
    /// The signed contract to execute.
    pub contract_id: ID,
    /// When delivery is planned.
    pub planned_delivery_date: Option<Date>,
    /// For a contract with product lines: the products and quantities (at most 200 lines);
    /// omitted, everything that remains unordered.
    pub lines: Option<Vec<OrderLineInput>>,
    /// For a contract without product lines: the amount; omitted, all that remains unordered.
    pub amount: Option<Amount>,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// An order to call off.
#[derive(InputObject, Debug)]
pub struct CancelOrderInput {
    /// The order (nothing delivered of it yet).
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// Why (at most 1,000 characters).
    pub reason: String,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// What a delivery brought of one order line.
#[derive(InputObject, Debug)]
pub struct DeliveryLineInput {
    /// The order line.
    pub line_id: ID,
    /// Units delivered, for a product line (above zero, at most what remains).
    pub quantity: Option<Decimal>,
    /// Amount delivered, for a line of an amount alone (above zero, at most what remains).
    pub amount: Option<Amount>,
}

/// A delivery to record.
#[derive(InputObject, Debug)]
pub struct RecordDeliveryInput {
    /// The order delivered against (open or partly delivered).
    pub order_id: ID,
    /// What was delivered (1–200 lines, each line of the order at most once).
    pub lines: Vec<DeliveryLineInput>,
    /// The day it was delivered (not in the future, not before the contract was signed).
    pub delivered_on: Date,
    /// A note (at most 2,000 characters).
    pub note: Option<String>,
    /// Makes retries safe: the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// Result of an order change.
#[derive(SimpleObject, Debug)]
pub struct OrderPayload {
    /// The order after the change.
    pub order: Order,
}

impl From<order::Model> for OrderPayload {
    fn from(model: order::Model) -> Self {
        Self {
            order: model.into(),
        }
    }
}

/// Result of `recordDelivery`.
#[derive(SimpleObject, Debug)]
pub struct RecordDeliveryPayload {
    /// The delivery recorded.
    pub delivery: Delivery,
    /// The order after it.
    pub order: Order,
}
