//! Resolvers for refunds.

use async_graphql::{Context, Object};

use super::refund_types::{
    RecordRefundInput, RecordRefundPayload, Refund, RefundConnection, RefundFilter,
    RequestRefundInput, RequestRefundPayload,
};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_id};

#[derive(Default)]
pub struct RefundQuery;

#[Object]
impl RefundQuery {
    /// Refunds you may see (those of customers whose payments you see), newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn refunds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only refunds matching this filter.")] filter: Option<RefundFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<RefundConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = super::refund_lists::RefundFilter {
            customer_id: crate::ids::decode_optional(
                f.customer_id.as_ref(),
                NodeType::Customer,
                "filter.customerId",
            )?,
            payment_id: crate::ids::decode_optional(
                f.payment_id.as_ref(),
                NodeType::Payment,
                "filter.paymentId",
            )?,
            statuses: f.statuses,
        };
        let found =
            super::refund_lists::list_refunds(&ctx.app().db, viewer, &filter, &page).await?;
        Ok(RefundConnection::from_page(found, Refund::from))
    }
}

#[derive(Default)]
pub struct RefundMutation;

#[Object]
impl RefundMutation {
    /// Asks to pay money back to a customer (finance, admins, or a seller who may change one
    /// of the customer's contracts), through the refund approval chain; nothing moves until
    /// finance records the payout of the approved refund.
    #[graphql(guard = "SignedIn")]
    async fn request_refund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RequestRefundInput`.")]
        input: RequestRefundInput,
    ) -> async_graphql::Result<RequestRefundPayload> {
        let viewer = ctx.viewer()?;
        let installment_ids = input
            .installment_ids
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, id)| {
                decode_id(
                    id,
                    NodeType::Installment,
                    &format!("input.installmentIds.{i}"),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let new = super::refunds::NewRefund {
            payment_id: crate::ids::decode_optional(
                input.payment_id.as_ref(),
                NodeType::Payment,
                "input.paymentId",
            )?,
            customer_id: crate::ids::decode_optional(
                input.customer_id.as_ref(),
                NodeType::Customer,
                "input.customerId",
            )?,
            amount_minor: input.amount.minor("input.amount")?,
            reason: input.reason,
            installment_ids,
        };
        let app = ctx.app();
        let refund =
            super::refunds::request_refund(app, viewer, new, input.idempotency_key).await?;
        let request = crate::approvals::service::get_request(&app.db, viewer, refund.request_id)
            .await
            .ok()
            .map(Into::into);
        Ok(RequestRefundPayload {
            refund: refund.into(),
            request,
        })
    }

    /// Records the payout of an approved refund (finance): its money leaves the customer's
    /// credit, then the named installments' allocations (which reopen).
    #[graphql(guard = "SignedIn")]
    async fn record_refund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RecordRefundInput`.")]
        input: RecordRefundInput,
    ) -> async_graphql::Result<RecordRefundPayload> {
        let viewer = ctx.viewer()?;
        let payout = super::refund_payout::Payout {
            refund_id: decode_id(&input.id, NodeType::Refund, "input.id")?,
            method: input.method,
            reference: input.reference,
            paid_on: input.paid_on.map(|d| d.0),
        };
        let refund =
            super::refund_payout::record_refund(ctx.app(), viewer, payout, input.idempotency_key)
                .await?;
        Ok(RecordRefundPayload {
            refund: refund.into(),
        })
    }
}
