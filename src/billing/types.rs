//! GraphQL types of billing.
//!
//! Over 500 lines: the types of plans, invoices, payments, waivers and receivables together; issue
//! 19 splits them per part.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::loaders::{AllocationsByPayment, InstallmentLoader};
pub use super::payments::PaymentMethod;
pub use super::rules::InstallmentStatus;
use crate::contracts::types::Contract;
use crate::customers::types::Customer;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Amount, Date, Decimal};
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
            model,
            as_of: None,
        }
    }
}

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
    pub voided_at: Option<DateTime<Utc>>,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
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
            voided_at: model.voided_at,
            created_at: model.created_at,
            model,
        }
    }
}

/// Money of a payment applied to (or, for a reversal, taken back from) an installment.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Allocation {
    /// The amount; negative for a reversal entry.
    pub amount: Decimal,
    /// `ALLOCATION` or `REVERSAL`.
    pub kind: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
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
    /// Whether it stands.
    pub status: PaymentStatus,
    /// True once reversed.
    pub reversed: bool,
    /// When it was reversed.
    pub reversed_at: Option<DateTime<Utc>>,
    /// Why it was reversed.
    pub reverse_reason: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    pub model: payment::Model,
}

#[ComplexObject]
impl Payment {
    /// Where the money went, oldest first (reversal entries included).
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
                created_at: model.created_at,
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
            status: PaymentStatus::parse(&model.status).unwrap_or(PaymentStatus::Received),
            reversed: model.status == "REVERSED",
            reversed_at: model.reversed_at,
            reverse_reason: model.reverse_reason.clone(),
            created_at: model.created_at,
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
    pub created_at: DateTime<Utc>,
    /// When it was applied.
    pub applied_at: Option<DateTime<Utc>>,
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
            created_at: model.created_at,
            applied_at: model.applied_at,
            model,
        }
    }
}

/// What a customer (or contract) owes and holds.
#[derive(SimpleObject, Clone, Debug)]
pub struct Receivable {
    /// Still owed on collecting contracts.
    pub outstanding: Decimal,
    /// The part of it past due.
    pub overdue: Decimal,
    /// Money received and not yet allocated (customers only; 0 for a contract).
    pub credit: Decimal,
}

impl Receivable {
    pub fn of(outstanding: i64, overdue: i64, credit: i64) -> Self {
        Self {
            outstanding: money(outstanding),
            overdue: money(overdue),
            credit: money(credit),
        }
    }
}

/// Sums over every installment a receivables query matched.
#[derive(SimpleObject, Clone, Debug)]
pub struct ReceivableTotals {
    /// How many installments.
    pub installments: i64,
    /// Their amounts.
    pub amount: Decimal,
    /// What they still owe.
    pub outstanding: Decimal,
    /// The part past due as of the query's day.
    pub overdue: Decimal,
}

/// Installments still owing money, a page at a time, with totals over all pages.
#[derive(SimpleObject)]
pub struct ReceivableConnection {
    /// The installments of this page, each with its cursor.
    pub edges: Vec<InstallmentEdge>,
    /// The installments of this page, without cursors.
    pub nodes: Vec<Installment>,
    /// Whether more pages exist and the cursors to reach them.
    pub page_info: async_graphql::connection::PageInfo,
    /// How many installments match, across all pages.
    pub total_count: u64,
    /// Sums across all pages.
    pub totals: ReceivableTotals,
    /// The day overdue amounts are counted against.
    pub as_of: Date,
}

/// An installment of a page with the cursor that points at it.
#[derive(SimpleObject)]
pub struct InstallmentEdge {
    /// Opaque cursor of this installment.
    pub cursor: String,
    /// The installment.
    pub node: Installment,
}

impl ReceivableConnection {
    pub fn from_page(
        page: crate::pagination::Page<installment::Model>,
        totals: super::receivables::Totals,
        as_of: NaiveDate,
    ) -> Self {
        let (page_info, edges, total_count) =
            crate::graphql::pagination::edges_of(page, |m| Installment::as_of(m, as_of));
        Self {
            nodes: edges.iter().map(|(_, node)| node.clone()).collect(),
            edges: edges
                .into_iter()
                .map(|(cursor, node)| InstallmentEdge { cursor, node })
                .collect(),
            page_info,
            total_count,
            totals: ReceivableTotals {
                installments: totals.installments,
                amount: money(totals.amount),
                outstanding: money(totals.outstanding),
                overdue: money(totals.overdue),
            },
            as_of: Date(as_of),
        }
    }
}

crate::connection_types!(InvoiceConnection, InvoiceEdge, Invoice);
crate::connection_types!(PaymentConnection, PaymentEdge, Payment);

crate::string_enum! {
    /// How to group the aging report.
    AgingGroupBy {
        /// Per customer.
        Customer => "CUSTOMER",
        /// Per contract owner.
        Owner => "OWNER",
        /// Per team of the contract owner.
        Team => "TEAM",
        /// Per customer region.
        Region => "REGION",
    }
}

/// Outstanding money by days past due.
#[derive(SimpleObject, Clone, Debug)]
pub struct AgingBuckets {
    /// Not yet due, or due on the day.
    pub current: Decimal,
    /// 1 to 30 days past due.
    pub d1_to30: Decimal,
    /// 31 to 60 days past due.
    pub d31_to60: Decimal,
    /// 61 to 90 days past due.
    pub d61_to90: Decimal,
    /// More than 90 days past due.
    pub over90: Decimal,
    /// All of it.
    pub total: Decimal,
}

impl From<super::receivables::Buckets> for AgingBuckets {
    fn from(b: super::receivables::Buckets) -> Self {
        Self {
            current: money(b.current),
            d1_to30: money(b.d1_to30),
            d31_to60: money(b.d31_to60),
            d61_to90: money(b.d61_to90),
            over90: money(b.over90),
            total: money(b.total()),
        }
    }
}

/// One group of the aging report.
#[derive(SimpleObject, Clone, Debug)]
pub struct AgingRow {
    /// The group's id (customer, user or team), or the region's name; null for "none".
    pub key: Option<String>,
    /// A name to show.
    pub label: Option<String>,
    /// Its buckets.
    pub buckets: AgingBuckets,
}

/// Who owes what, and how late.
#[derive(SimpleObject, Clone, Debug)]
pub struct AgingReport {
    /// The day days past due are counted to.
    pub as_of: Date,
    /// Per group, largest total first.
    pub rows: Vec<AgingRow>,
    /// Over all groups.
    pub totals: AgingBuckets,
}

/// Money expected in one month.
#[derive(SimpleObject, Clone, Debug)]
pub struct ForecastMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Installments falling due in it.
    pub installments: i64,
    /// What they still owe.
    pub expected_amount: Decimal,
}

/// Expected collections by month.
#[derive(SimpleObject, Clone, Debug)]
pub struct CollectionForecast {
    /// Months with something due, in order.
    pub months: Vec<ForecastMonth>,
    /// All of it.
    pub total: Decimal,
}

/// What `verifyLedger` found.
#[derive(SimpleObject, Clone, Debug)]
pub struct LedgerCheck {
    /// True when every invariant holds.
    pub ok: bool,
    /// Each broken invariant, in words.
    pub problems: Vec<String>,
    /// Installments checked.
    pub installments_checked: u64,
    /// Payments checked.
    pub payments_checked: u64,
}

/// One installment of a new plan: an amount or a percentage, never both.
#[derive(InputObject, Debug)]
pub struct InstallmentInput {
    /// When it falls due (installments in order).
    pub due_date: Date,
    /// Its amount (at most two decimals).
    pub amount: Option<Amount>,
    /// Its share of the contract amount in percent (above 0, at most four decimals).
    pub percent: Option<Decimal>,
    /// A note.
    pub note: Option<String>,
}

/// A contract's whole collection plan.
#[derive(InputObject, Debug)]
pub struct SetCollectionPlanInput {
    /// The contract (approved or signed).
    pub contract_id: ID,
    /// The installments, by amount (summing to the contract amount) or by percentage (summing
    /// to 100).
    pub installments: Vec<InstallmentInput>,
    /// Retry key: a retried plan applies once.
    pub idempotency_key: Option<String>,
}

/// Result of `setCollectionPlan`.
#[derive(SimpleObject, Debug)]
pub struct SetCollectionPlanPayload {
    /// The plan now in force, in order.
    pub installments: Vec<Installment>,
}

/// An invoice to issue.
#[derive(InputObject, Debug)]
pub struct IssueInvoiceInput {
    /// The contract.
    pub contract_id: ID,
    /// The installment billed.
    pub installment_id: ID,
    /// Amount, tax included, at most the installment's uninvoiced amount.
    pub amount: Amount,
    /// Issue date.
    pub issue_date: Date,
    /// Due date (not before the issue date).
    pub due_date: Date,
    /// Tax rate as a fraction, 0 to 1 (`0.13`).
    pub tax_rate: Decimal,
    /// Retry key: a retried issue creates one invoice.
    pub idempotency_key: Option<String>,
}

/// Result of `issueInvoice` and `voidInvoice`.
#[derive(SimpleObject, Debug)]
pub struct InvoicePayload {
    /// The invoice.
    pub invoice: Invoice,
}

/// An invoice to void.
#[derive(InputObject, Debug)]
pub struct VoidInvoiceInput {
    /// The invoice.
    pub id: ID,
    /// Why (required).
    pub reason: String,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// Money received.
#[derive(InputObject, Debug)]
pub struct RecordPaymentInput {
    /// The customer who paid.
    pub customer_id: ID,
    /// The contract it pays, if known; otherwise all the customer's contracts, oldest due first.
    pub contract_id: Option<ID>,
    /// Amount (above zero, at most two decimals).
    pub amount: Amount,
    /// The day it arrived (not in the future).
    pub received_date: Date,
    /// How it arrived.
    pub method: PaymentMethod,
    /// The bank's reference; the same one twice for a customer is `DUPLICATE`.
    pub reference: String,
    /// Retry key: a retried recording records once.
    pub idempotency_key: Option<String>,
}

/// Result of `recordPayment` and `reversePayment`.
#[derive(SimpleObject, Debug)]
pub struct PaymentPayload {
    /// The payment, with its allocations.
    pub payment: Payment,
}

/// A payment to reverse.
#[derive(InputObject, Debug)]
pub struct ReversePaymentInput {
    /// The payment.
    pub id: ID,
    /// Why (required).
    pub reason: String,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// A waiver to ask for.
#[derive(InputObject, Debug)]
pub struct RequestWaiverInput {
    /// The installment.
    pub installment_id: ID,
    /// The amount to forgive.
    pub amount: Amount,
    /// Why (required).
    pub reason: String,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// Result of `requestWaiver`.
#[derive(SimpleObject, Debug)]
pub struct RequestWaiverPayload {
    /// The waiver, pending.
    pub waiver: Waiver,
    /// Its approval request.
    pub request: crate::approvals::types::ApprovalRequest,
}

/// Filters for `invoices`.
#[derive(InputObject, Debug, Default)]
pub struct InvoiceFilter {
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Only this contract's.
    pub contract_id: Option<ID>,
    /// Only in this state.
    pub status: Option<InvoiceStatus>,
    /// Issued on or after.
    pub issued_from: Option<Date>,
    /// Issued on or before.
    pub issued_to: Option<Date>,
}

/// Filters for `payments`.
#[derive(InputObject, Debug, Default)]
pub struct PaymentFilter {
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Only those recorded for this contract.
    pub contract_id: Option<ID>,
    /// Received on or after.
    pub received_from: Option<Date>,
    /// Received on or before.
    pub received_to: Option<Date>,
    /// Only payments still holding credit.
    pub with_credit_only: Option<bool>,
}

/// Filters for `receivables`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct ReceivableFilter {
    /// Only this customer.
    pub customer_id: Option<ID>,
    /// Only contracts of this owner.
    pub owner_id: Option<ID>,
    /// Only contracts owned by this team's members.
    pub team_id: Option<ID>,
    /// Only customers of this region.
    pub region: Option<String>,
    /// Only installments past due.
    pub overdue_only: Option<bool>,
    /// The day to count overdue against (default today, company time zone).
    pub as_of: Option<Date>,
    /// Due on or after.
    pub due_from: Option<Date>,
    /// Due on or before.
    pub due_to: Option<Date>,
}

/// What the aging report covers.
#[derive(InputObject, Debug)]
pub struct ReceivablesAgingInput {
    /// The day to count days past due to (default today, company time zone).
    pub as_of: Option<Date>,
    /// How to group.
    pub group_by: AgingGroupBy,
}

/// Which months to forecast.
#[derive(InputObject, Debug)]
pub struct CollectionForecastInput {
    /// First due day counted.
    pub from: Date,
    /// Last due day counted.
    pub to: Date,
}
