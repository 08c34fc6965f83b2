//! Resolvers of orders and deliveries: whoever sees a contract reads its orders; its owner,
//! their managers, finance and admins order, deliver and cancel.

use async_graphql::{Context, ID, Object};

use super::deliveries::{DeliveredItem, NewDelivery};
use super::service::{self, NewOrder};
use super::types::{
    CancelOrderInput, CreateOrderInput, Delivery, Order, OrderConnection, OrderFilter,
    OrderPayload, RecordDeliveryInput, RecordDeliveryPayload,
};
use crate::error::AppError;
use crate::graphql::conflict::or_current;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_id, decode_optional};
use crate::products::pricing::quantity_thousandths;

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// The orders of the contracts you may see, newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus the filter
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only orders matching this filter.")] filter: Option<OrderFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<OrderConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = service::OrderFilter {
            contract_id: decode_optional(
                f.contract_id.as_ref(),
                NodeType::Contract,
                "filter.contractId",
            )?,
            customer_id: decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            statuses: f.statuses,
        };
        let page = service::list_orders(&ctx.app().db, viewer, filter, &page).await?;
        Ok(OrderConnection::from_page(page, Order::from))
    }

    /// One order by id; `null` with a `NOT_FOUND` error when missing or not yours to see.
    #[graphql(guard = "SignedIn")]
    async fn order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order's id.")] id: ID,
    ) -> async_graphql::Result<Option<Order>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::Order, "id")?;
            Ok(service::get_order(&ctx.app().db, viewer, id).await?.into())
        })
        .await
    }
}

#[derive(Default)]
pub struct OrderMutation;

#[Object]
impl OrderMutation {
    /// Draws an order from a signed contract (its owner, their managers, finance, admins):
    /// products and quantities from its lines, or an amount when it has none.
    #[graphql(guard = "SignedIn")]
    async fn create_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateOrderInput`.")] input: CreateOrderInput,
    ) -> async_graphql::Result<OrderPayload> {
        let viewer = ctx.viewer()?;
        if input
            .lines
            .as_ref()
            .is_some_and(|l| l.len() > service::MAX_LINES)
        {
            return Err(
                AppError::bad_input("input.lines", "An order has at most 200 lines").into(),
            );
        }
        let items = input
            .lines
            .as_ref()
            .map(|lines| {
                lines
                    .iter()
                    .enumerate()
                    .map(|(i, line)| {
                        let field = |name: &str| format!("input.lines.{i}.{name}");
                        Ok((
                            decode_id(&line.product_id, NodeType::Product, &field("productId"))?,
                            quantity_thousandths(line.quantity.0, &field("quantity"))?,
                        ))
                    })
                    .collect::<Result<Vec<_>, AppError>>()
            })
            .transpose()?;
        let new = NewOrder {
            contract_id: decode_id(&input.contract_id, NodeType::Contract, "input.contractId")?,
            planned_delivery_date: input.planned_delivery_date.map(|d| d.0),
            items,
            amount_minor: input.amount.map(|a| a.minor("input.amount")).transpose()?,
        };
        let order = service::create_order(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(OrderPayload {
            order: order.into(),
        })
    }

    /// Cancels an order nothing has been delivered of.
    #[graphql(guard = "SignedIn")]
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CancelOrderInput`.")] input: CancelOrderInput,
    ) -> async_graphql::Result<OrderPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Order, "input.id")?;
        let changed = service::cancel_order(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            input.reason,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            service::get_order(&ctx.app().db, viewer, id).await
        })
        .await
    }

    /// Records a delivery (a batch) against an order: quantities of its product lines, or an
    /// amount of a line without a product.
    #[graphql(guard = "SignedIn")]
    async fn record_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RecordDeliveryInput`.")]
        input: RecordDeliveryInput,
    ) -> async_graphql::Result<RecordDeliveryPayload> {
        let viewer = ctx.viewer()?;
        if input.lines.len() > service::MAX_LINES {
            return Err(AppError::bad_input("input.lines", "A delivery has 1 to 200 lines").into());
        }
        let items = input
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let field = |name: &str| format!("input.lines.{i}.{name}");
                Ok(DeliveredItem {
                    line_id: decode_id(&line.line_id, NodeType::OrderLine, &field("lineId"))?,
                    quantity_thousandths: line
                        .quantity
                        .map(|q| quantity_thousandths(q.0, &field("quantity")))
                        .transpose()?,
                    amount_minor: line.amount.map(|a| a.minor(&field("amount"))).transpose()?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let new = NewDelivery {
            order_id: decode_id(&input.order_id, NodeType::Order, "input.orderId")?,
            items,
            delivered_on: input.delivered_on.0,
            note: input.note,
        };
        let order_id = new.order_id;
        let delivery =
            crate::flows::delivery_recording::record(ctx.app(), viewer, new, input.idempotency_key)
                .await?;
        let order = service::get_order(&ctx.app().db, viewer, order_id).await?;
        Ok(RecordDeliveryPayload {
            delivery: Delivery::from(delivery),
            order: order.into(),
        })
    }
}
