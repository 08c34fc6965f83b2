//! GraphQL types of billing's records: installments, invoices, payments, allocations and
//! waivers.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::NaiveDate;

use super::loaders::{AllocationsByPayment, InstallmentLoader};
pub use super::payments::PaymentMethod;
pub use super::rules::InstallmentStatus;
use crate::contracts::types::Contract;
use crate::customers::types::Customer;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Date, Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::users::types::User;
use entity::{allocation, installment, invoice, payment, waiver};

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

pub use super::model::{InvoiceStatus, PaymentStatus, WaiverStatus};

/// One due amount of a contract's collection plan.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Installment {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Position in the plan, from 1.
    pub seq: i32,
    /// When it falls due.
    pub due_date: Date,
    /// What it asks for.
    pub amount: Decimal,
    /// How much of it has been invoiced (issued invoices).
    pub invoiced_amount: Decimal,
    /// How much payments settled.
    pub paid_amount: Decimal,
    /// How much approved waivers forgave.
    pub waived_amount: Decimal,
    /// What is still owed: amount − paid − waived.
    pub outstanding: Decimal,
    /// Where it stands.
    pub status: InstallmentStatus,
    /// A note from the plan.
    pub note: Option<String>,
    /// When the plan that holds it was set.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    /// Raised by every change.
    pub version: i32,
    #[graphql(skip)]
    pub model: installment::Model,
    /// The day lateness counts to: a receivables query's `asOf`, else today.
    #[graphql(skip)]
    pub as_of: Option<NaiveDate>,
}

impl Installment {
    /// The installment seen from `as_of`, as a receivables query that counts to it lists it.
    pub fn as_of(model: installment::Model, as_of: NaiveDate) -> Self {
        Self {
            as_of: Some(as_of),
            ..Self::from(model)
        }
    }

    fn days_late(&self, ctx: &Context<'_>) -> i64 {
        if super::ledger::outstanding(&self.model) <= 0 {
            return 0;
        }
        let as_of = self.as_of.unwrap_or_else(|| {
            let app = ctx.app();
            app.config.company_today(app.clock.now())
        });
        super::rules::days_overdue(self.model.due_date, as_of)
    }
}

#[ComplexObject]
impl Installment {
    /// True when something is owed and the due date has passed (company time zone).
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        self.days_late(ctx) > 0
    }

    /// Whole days past due while something is owed; 0 otherwise.
    async fn days_overdue(&self, ctx: &Context<'_>) -> i64 {
        self.days_late(ctx)
    }

    /// The contract.
    async fn contract(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contract>> {
        crate::contracts::loaders::contract(ctx, self.model.contract_id).await
    }

    /// The customer.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }
}

impl From<installment::Model> for Installment {
    fn from(model: installment::Model) -> Self {
        Self {
            id: encode_id(NodeType::Installment, model.id),
            seq: model.seq,
            due_date: Date(model.due_date),
            amount: money(model.amount_minor),
            invoiced_amount: money(model.invoiced_minor),
            paid_amount: money(model.paid_minor),
            waived_amount: money(model.waived_minor),
            outstanding: money(super::ledger::outstanding(&model)),
            status: InstallmentStatus::parse(&model.status).unwrap_or(InstallmentStatus::Open),
            note: model.note.clone(),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
            as_of: None,
        }
    }
}

/// The columns each field of [`Invoice`] reads (see [`crate::columns`]).
pub const INVOICE_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("number", &["number"]),
            ("amount", &["amount_minor"]),
            ("taxRate", &["tax_rate_basis_points"]),
            ("taxAmount", &["tax_minor"]),
            ("netAmount", &["amount_minor", "tax_minor"]),
            ("issueDate", &["issue_date"]),
            ("dueDate", &["due_date"]),
            ("status", &["status"]),
            ("voidReason", &["void_reason"]),
            ("voidedAt", &["voided_at"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
            ("contract", &["contract_id"]),
            ("installment", &["installment_id"]),
            ("customer", &["customer_id"]),
        ],
    };

/// An invoice against an installment.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Invoice {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// `INV-<year>-<seq>`, unique and gapless per year.
    pub number: String,
    /// Invoiced amount, tax included.
    pub amount: Decimal,
    /// Tax rate as a fraction (`0.13`).
    pub tax_rate: Decimal,
    /// The tax contained in the amount, rounded half-up.
    pub tax_amount: Decimal,
    /// The amount without tax.
    pub net_amount: Decimal,
    /// Issue date.
    pub issue_date: Date,
    /// Due date.
    pub due_date: Date,
    /// Whether it stands.
    pub status: InvoiceStatus,
    /// Why it was voided.
    pub void_reason: Option<String>,
    /// When it was voided.
    pub voided_at: Option<Instant>,
    /// When it was issued.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    /// Raised by every change.
    pub version: i32,
    #[graphql(skip)]
    pub model: invoice::Model,
}

#[ComplexObject]
impl Invoice {
    /// The contract.
    async fn contract(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contract>> {
        crate::contracts::loaders::contract(ctx, self.model.contract_id).await
    }

    /// The installment it bills.
    async fn installment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Installment>> {
        let loader = ctx.loader::<InstallmentLoader>()?;
        Ok(loader
            .load_one(self.model.installment_id)
            .await?
            .map(Installment::from))
    }

    /// The customer.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }
}

impl From<invoice::Model> for Invoice {
    fn from(model: invoice::Model) -> Self {
        Self {
            id: encode_id(NodeType::Invoice, model.id),
            number: model.number.clone(),
            amount: money(model.amount_minor),
            tax_rate: Decimal(
                rust_decimal::Decimal::new(i64::from(model.tax_rate_basis_points), 4).normalize(),
            ),
            tax_amount: money(model.tax_minor),
            net_amount: money(model.amount_minor - model.tax_minor),
            issue_date: Date(model.issue_date),
            due_date: Date(model.due_date),
            status: InvoiceStatus::parse(&model.status).unwrap_or(InvoiceStatus::Issued),
            void_reason: model.void_reason.clone(),
            voided_at: model.voided_at.map(Into::into),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
        }
    }
}

/// Money of a payment applied to (or, for a reversal or refund, taken back from) an installment.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Allocation {
    /// The amount; negative for a reversal or refund entry.
    pub amount: Decimal,
    /// `ALLOCATION`, `REVERSAL` or `REFUND` (money a refund took back).
    pub kind: String,
    /// When it was made.
    pub created_at: Instant,
    #[graphql(skip)]
    pub model: allocation::Model,
}

#[ComplexObject]
impl Allocation {
    /// The installment.
    async fn installment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Installment>> {
        let loader = ctx.loader::<InstallmentLoader>()?;
        Ok(loader
            .load_one(self.model.installment_id)
            .await?
            .map(Installment::from))
    }
}

/// The columns each field of [`Payment`] reads (see [`crate::columns`]).
pub const PAYMENT_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("amount", &["amount_minor"]),
            ("receivedDate", &["received_date"]),
            ("method", &["method"]),
            ("reference", &["reference"]),
            ("unallocatedAmount", &["unallocated_minor"]),
            ("refundedAmount", &["refunded_minor"]),
            ("status", &["status"]),
            ("reversed", &["status"]),
            ("reversedAt", &["reversed_at"]),
            ("reverseReason", &["reverse_reason"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
            ("allocations", &[]),
            ("customer", &["customer_id"]),
            ("contract", &["contract_id"]),
        ],
    };

/// Money received from a customer.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Payment {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Amount received.
    pub amount: Decimal,
    /// The day it arrived.
    pub received_date: Date,
    /// How it arrived.
    pub method: PaymentMethod,
    /// The bank's (or cheque's) reference; unique per customer.
    pub reference: String,
    /// The part not allocated to installments: the customer's credit.
    pub unallocated_amount: Decimal,
    /// The part paid back to the customer by refunds.
    pub refunded_amount: Decimal,
    /// Whether it stands.
    pub status: PaymentStatus,
    /// True once reversed.
    pub reversed: bool,
    /// When it was reversed.
    pub reversed_at: Option<Instant>,
    /// Why it was reversed.
    pub reverse_reason: Option<String>,
    /// When it was recorded.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    /// Raised by every change.
    pub version: i32,
    #[graphql(skip)]
    pub model: payment::Model,
}

#[ComplexObject]
impl Payment {
    /// Where the money went, oldest first (reversal and refund entries included).
    async fn allocations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Allocation>> {
        let loader = ctx.loader::<AllocationsByPayment>()?;
        Ok(loader
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|model| Allocation {
                amount: money(model.amount_minor),
                kind: model.kind.clone(),
                created_at: model.created_at.into(),
                model,
            })
            .collect())
    }

    /// The customer who paid.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }

    /// The contract it was recorded for, if any.
    async fn contract(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contract>> {
        let Some(id) = self.model.contract_id else {
            return Ok(None);
        };
        crate::contracts::loaders::contract(ctx, id).await
    }
}

impl From<payment::Model> for Payment {
    fn from(model: payment::Model) -> Self {
        Self {
            id: encode_id(NodeType::Payment, model.id),
            amount: money(model.amount_minor),
            received_date: Date(model.received_date),
            method: PaymentMethod::parse(&model.method).unwrap_or(PaymentMethod::Other),
            reference: model.reference.clone(),
            unallocated_amount: money(model.unallocated_minor),
            refunded_amount: money(model.refunded_minor),
            status: PaymentStatus::parse(&model.status).unwrap_or(PaymentStatus::Received),
            reversed: model.status == PaymentStatus::Reversed.as_str(),
            reversed_at: model.reversed_at.map(Into::into),
            reverse_reason: model.reverse_reason.clone(),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
        }
    }
}

/// A request to forgive part of an installment.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Waiver {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// The amount to forgive.
    pub amount: Decimal,
    /// Why.
    pub reason: String,
    /// Where it stands.
    pub status: WaiverStatus,
    /// When it was requested.
    pub created_at: Instant,
    /// When it was applied.
    pub applied_at: Option<Instant>,
    /// When it last changed.
    pub updated_at: Instant,
    /// Raised by every change.
    pub version: i32,
    #[graphql(skip)]
    pub model: waiver::Model,
}

#[ComplexObject]
impl Waiver {
    /// The installment.
    async fn installment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Installment>> {
        let loader = ctx.loader::<InstallmentLoader>()?;
        Ok(loader
            .load_one(self.model.installment_id)
            .await?
            .map(Installment::from))
    }

    /// Who asked.
    async fn requested_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.requested_by).await
    }
}

impl From<waiver::Model> for Waiver {
    fn from(model: waiver::Model) -> Self {
        Self {
            id: encode_id(NodeType::Waiver, model.id),
            amount: money(model.amount_minor),
            reason: model.reason.clone(),
            status: WaiverStatus::parse(&model.status).unwrap_or(WaiverStatus::Pending),
            created_at: model.created_at.into(),
            applied_at: model.applied_at.map(Into::into),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
        }
    }
}

crate::connection_types!(InvoiceConnection, InvoiceEdge, Invoice);
crate::connection_types!(PaymentConnection, PaymentEdge, Payment);

crate::order_input!(
    /// How to order an invoice list.
    InvoiceOrder,
    super::invoices::InvoiceOrderField
);

crate::order_input!(
    /// How to order a payment list.
    PaymentOrder,
    super::payments::PaymentOrderField
);
