//! GraphQL types of refunds: the record, where its money came from, and the inputs and
//! payloads of its mutations.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

pub use super::refunds::RefundStatus;
use super::types::{Installment, Payment, PaymentMethod};
use crate::approvals::types::ApprovalRequest;
use crate::customers::types::Customer;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Amount, Date, Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::users::types::User;
use entity::{refund, refund_source};

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

/// Money paid back to a customer, once approved: from their credit first, then from the
/// allocations of the installments it names.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Refund {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Human-readable number, unique and gapless per year (`RF-2026-000001`).
    pub number: String,
    /// The amount to pay back.
    pub amount: Decimal,
    /// Why.
    pub reason: String,
    /// Where it stands.
    pub status: RefundStatus,
    /// How it was paid out.
    pub method: Option<PaymentMethod>,
    /// The bank's reference of the payout.
    pub reference: Option<String>,
    /// The day it was paid out.
    pub paid_on: Option<Date>,
    /// When it was asked for.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    /// Raised by every change.
    pub version: i32,
    #[graphql(skip)]
    pub model: refund::Model,
}

#[ComplexObject]
impl Refund {
    /// The customer paid back.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }

    /// The payment it returns money of; null when it draws on any of the customer's.
    async fn payment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Payment>> {
        let Some(id) = self.model.payment_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<super::loaders::PaymentLoader>()?;
        Ok(loader.load_one(id).await?.map(Into::into))
    }

    /// The installments whose allocations it may take back (after the credit), in order.
    async fn installments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Installment>> {
        let ids: Vec<uuid::Uuid> = serde_json::from_str(&self.model.installment_ids)
            .map_err(|_| crate::error::AppError::internal())?;
        let loader = ctx.loader::<super::loaders::InstallmentLoader>()?;
        let found = loader.load_many(ids.iter().copied()).await?;
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id).cloned())
            .map(Installment::from)
            .collect())
    }

    /// Where the payout took its money (empty until paid).
    async fn sources(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RefundSource>> {
        let loader = ctx.loader::<super::loaders::SourcesByRefund>()?;
        Ok(loader
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(RefundSource::from)
            .collect())
    }

    /// Who asked for it.
    async fn requested_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.requested_by).await
    }

    /// Who recorded the payout.
    async fn paid_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.model.paid_by else {
            return Ok(None);
        };
        crate::users::loaders::user(ctx, id).await
    }

    /// Its approval request.
    async fn approval(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ApprovalRequest>> {
        let loader = ctx.loader::<crate::approvals::loaders::RequestLoader>()?;
        Ok(loader
            .load_one(self.model.request_id)
            .await?
            .map(ApprovalRequest::from))
    }
}

impl From<refund::Model> for Refund {
    fn from(model: refund::Model) -> Self {
        Self {
            id: encode_id(NodeType::Refund, model.id),
            number: model.number.clone(),
            amount: money(model.amount_minor),
            reason: model.reason.clone(),
            status: RefundStatus::parse(&model.status).unwrap_or(RefundStatus::PendingApproval),
            method: model.method.as_deref().and_then(PaymentMethod::parse),
            reference: model.reference.clone(),
            paid_on: model.paid_on.map(Date),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
        }
    }
}

/// Money a paid refund took: a payment's credit, or its allocation to an installment.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct RefundSource {
    /// The amount taken.
    pub amount: Decimal,
    #[graphql(skip)]
    pub model: refund_source::Model,
}

#[ComplexObject]
impl RefundSource {
    /// The installment it was taken back from; null for credit.
    async fn installment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Installment>> {
        let Some(id) = self.model.installment_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<super::loaders::InstallmentLoader>()?;
        Ok(loader.load_one(id).await?.map(Installment::from))
    }

    /// The payment whose money it was (its global id).
    async fn payment_id(&self) -> ID {
        encode_id(NodeType::Payment, self.model.payment_id)
    }
}

impl From<refund_source::Model> for RefundSource {
    fn from(model: refund_source::Model) -> Self {
        Self {
            amount: money(model.amount_minor),
            model,
        }
    }
}

crate::connection_types!(RefundConnection, RefundEdge, Refund);

/// A refund to ask for: of one payment, or of the customer's money.
#[derive(InputObject, Debug)]
pub struct RequestRefundInput {
    /// The payment to return money of (its customer's credit first).
    pub payment_id: Option<ID>,
    /// The customer to refund (any of their payments); must match the payment's when both
    /// are given.
    pub customer_id: Option<ID>,
    /// The amount (above zero, at most two decimals).
    pub amount: Amount,
    /// Why (required).
    pub reason: String,
    /// Installments whose allocations may be taken back once the credit is used up, in order
    /// (at most 50); they reopen.
    pub installment_ids: Option<Vec<ID>>,
    /// Retry key: a retried request asks once.
    pub idempotency_key: Option<String>,
}

/// Result of `requestRefund`.
#[derive(SimpleObject, Debug)]
pub struct RequestRefundPayload {
    /// The refund, awaiting approval.
    pub refund: Refund,
    /// Its approval request.
    pub request: Option<ApprovalRequest>,
}

/// The payout of an approved refund.
#[derive(InputObject, Debug)]
pub struct RecordRefundInput {
    /// The refund (approved).
    pub id: ID,
    /// How it was paid out.
    pub method: PaymentMethod,
    /// The bank's reference of the payout.
    pub reference: String,
    /// The day it was paid (default today; not in the future).
    pub paid_on: Option<Date>,
    /// Retry key: a retried payout pays once.
    pub idempotency_key: Option<String>,
}

/// Result of `recordRefund`.
#[derive(SimpleObject, Debug)]
pub struct RecordRefundPayload {
    /// The refund, paid.
    pub refund: Refund,
}

/// Filters for `refunds`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct RefundFilter {
    /// Only refunds of this customer.
    pub customer_id: Option<ID>,
    /// Only refunds of this payment.
    pub payment_id: Option<ID>,
    /// Only refunds in these states.
    pub statuses: Option<Vec<RefundStatus>>,
}
