//! GraphQL types of contracts.

use async_graphql::{ComplexObject, Context, ID, InputObject, MaybeUndefined, SimpleObject};

pub use super::rules::ContractStatus;
use crate::approvals::loaders::LatestRequestBySubject;
use crate::approvals::types::ApprovalRequest;
use crate::customers::types::Customer;
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{PageArgs, child_page};
use crate::graphql::scalars::{Date, Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::opportunities::loaders::VisibleOpportunityLoader;
use crate::opportunities::types::Opportunity;
use crate::users::types::User;
use entity::contract;

/// An agreement with a customer, from draft to completion.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Contract {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Human-readable number, unique and gapless per year (`C-2026-000123`).
    pub number: String,
    /// Title.
    pub title: String,
    /// Contract amount.
    pub amount: Decimal,
    /// First day in force.
    pub start_date: Option<Date>,
    /// Last day in force.
    pub end_date: Option<Date>,
    /// The day it was signed.
    pub signed_date: Option<Date>,
    /// The terms agreed.
    pub terms: String,
    /// Where the contract stands.
    pub status: ContractStatus,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// When it was drafted.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub model: contract::Model,
    /// The customer, when the list that read the contract joined it (`Some(None)`: one the
    /// viewer may not see).
    #[graphql(skip)]
    pub prefetched_customer: Option<Box<Option<entity::customer::Model>>>,
}

/// The columns each field of [`Contract`] reads (see [`crate::columns`]).
pub const CONTRACT_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("number", &["number"]),
            ("title", &["title"]),
            ("amount", &["amount_minor"]),
            ("startDate", &["start_date"]),
            ("endDate", &["end_date"]),
            ("signedDate", &["signed_date"]),
            ("terms", &["terms"]),
            ("status", &["status"]),
            ("cancelReason", &["cancel_reason"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
            ("customer", &["customer_id"]),
            ("opportunity", &["opportunity_id"]),
            ("owner", &["owner_id"]),
            ("collectionPlan", &[]),
            ("invoices", &[]),
            ("payments", &[]),
            ("receivable", &["status"]),
            ("approval", &[]),
            ("quote", &["quote_id"]),
            ("lineItems", &["quote_id"]),
            ("orders", &[]),
            ("executionStatus", &["amount_minor"]),
        ],
    };

#[ComplexObject]
impl Contract {
    /// Who changed which field when, newest first, from the audit log (values your role may
    /// not see are masked).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<crate::history::types::FieldChangeConnection> {
        let paging = crate::history::graphql::Paging {
            first,
            after,
            last,
            before,
        };
        crate::history::graphql::history_of(
            ctx,
            crate::ids::NodeType::Contract,
            self.model.id,
            paging,
        )
        .await
    }

    /// The customer.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        if let Some(joined) = &self.prefetched_customer {
            return Ok(joined.as_ref().clone().map(Customer::from));
        }
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }

    /// The deal it came from.
    async fn opportunity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Opportunity>> {
        let Some(id) = self.model.opportunity_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<VisibleOpportunityLoader>()?;
        Ok(loader.load_one(id).await?.map(Opportunity::from))
    }

    /// Who drafted it and answers for it.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.owner_id).await
    }

    /// The collection plan, in order (empty until one is set).
    async fn collection_plan(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::billing::types::Installment>> {
        if !crate::policy::reads_money(ctx.viewer()?) {
            return Ok(Vec::new());
        }
        let loader = ctx.loader::<crate::billing::loaders::InstallmentsByContract>()?;
        Ok(loader
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(crate::billing::types::Installment::from)
            .collect())
    }

    /// Invoices issued against the contract, newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<crate::billing::types::InvoiceConnection> {
        let args = PageArgs::new(first, after, last, before);
        use crate::billing::{loaders::InvoicesByContract, types::Invoice};
        let page = child_page::<InvoicesByContract>(ctx, self.model.id, args, None).await?;
        Ok(crate::billing::types::InvoiceConnection::from_page(
            page,
            Invoice::from,
        ))
    }

    /// Payments recorded for the contract or allocated to its installments, newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<crate::billing::types::PaymentConnection> {
        let args = PageArgs::new(first, after, last, before);
        use crate::billing::{loaders::PaymentsByContract, types::Payment};
        let page = child_page::<PaymentsByContract>(ctx, self.model.id, args, None).await?;
        Ok(crate::billing::types::PaymentConnection::from_page(
            page,
            Payment::from,
        ))
    }

    /// What the contract's plan still owes and how much of it is past due (zero for customer
    /// service, who does not read the money).
    async fn receivable(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::billing::receivable_types::Receivable> {
        if !crate::policy::reads_money(ctx.viewer()?) {
            return Ok(crate::billing::receivable_types::Receivable::of(0, 0, 0));
        }
        let loader = ctx.loader::<crate::billing::loaders::InstallmentsByContract>()?;
        let installments = loader.load_one(self.model.id).await?.unwrap_or_default();
        let collecting = crate::billing::ledger::COLLECTING
            .iter()
            .any(|s| s.as_str() == self.model.status);
        let app = ctx.app();
        let today = app.config.company_today(app.clock.now());
        let (mut outstanding, mut overdue) = (0, 0);
        for item in installments.iter().filter(|_| collecting) {
            let owed = crate::billing::ledger::outstanding(item);
            outstanding += owed;
            if item.due_date < today {
                overdue += owed;
            }
        }
        Ok(crate::billing::receivable_types::Receivable::of(
            outstanding,
            overdue,
            0,
        ))
    }

    /// The accepted quote it was made from.
    async fn quote(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::quotes::types::Quote>> {
        let Some(id) = self.model.quote_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<crate::quotes::loaders::QuoteLoader>()?;
        Ok(loader.load_one(id).await?.map(Into::into))
    }

    /// The products agreed: the lines of the quote it was made from (empty without one).
    async fn line_items(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::quotes::types::QuoteLineItem>> {
        let Some(id) = self.model.quote_id else {
            return Ok(Vec::new());
        };
        let lines = ctx
            .loader::<crate::quotes::loaders::LinesByQuote>()?
            .load_one(id)
            .await?
            .unwrap_or_default();
        Ok(lines.into_iter().map(Into::into).collect())
    }

    /// Where its execution stands: ordered, delivered, invoiced, paid, waived, outstanding.
    async fn execution_status(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::orders::types::ExecutionStatus> {
        crate::orders::types::execution_status(ctx, &self.model).await
    }

    /// Its amendments, oldest first, each with the values before and after.
    async fn amendments(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::amendment_types::ContractAmendment>> {
        let loader = ctx.loader::<super::loaders::AmendmentsByContract>()?;
        Ok(loader
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The orders executing it, newest first (cancelled ones included).
    async fn orders(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::orders::types::Order>> {
        crate::orders::types::of_contract(ctx, self.model.id).await
    }

    /// The latest approval request (pending, or how the last one ended); null before the first
    /// submission.
    async fn approval(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ApprovalRequest>> {
        let loader = ctx.loader::<LatestRequestBySubject>()?;
        Ok(loader
            .load_one(self.model.id)
            .await?
            .map(ApprovalRequest::from))
    }
}

impl From<contract::Model> for Contract {
    fn from(model: contract::Model) -> Self {
        Self {
            id: encode_id(NodeType::Contract, model.id),
            number: model.number.clone(),
            title: model.title.clone(),
            amount: Decimal(Money::from_minor(model.amount_minor).to_decimal()),
            start_date: model.start_date.map(Date),
            end_date: model.end_date.map(Date),
            signed_date: model.signed_date.map(Date),
            terms: model.terms.clone(),
            status: ContractStatus::parse(&model.status).unwrap_or(ContractStatus::Draft),
            cancel_reason: model.cancel_reason.clone(),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
            prefetched_customer: None,
        }
    }
}

impl From<super::service::ListedContract> for Contract {
    fn from(listed: super::service::ListedContract) -> Self {
        Self {
            prefetched_customer: listed.customer.map(Box::new),
            ..Self::from(listed.contract)
        }
    }
}

crate::connection_types!(ContractConnection, ContractEdge, Contract, synced);

/// Filters for `contracts`; all given filters must match.
#[derive(InputObject, Debug, Default)]
pub struct ContractFilter {
    /// Only contracts with this customer.
    pub customer_id: Option<ID>,
    /// Only contracts from this deal.
    pub opportunity_id: Option<ID>,
    /// Only contracts of this owner (within what you may see).
    pub owner_id: Option<ID>,
    /// Only contracts in these states.
    pub statuses: Option<Vec<ContractStatus>>,
    /// Text contained in the title or number, ignoring case.
    pub search: Option<String>,
    /// Only contracts changed at or after this time, and those whose visibility to you changed
    /// (incremental sync: pass the `serverTime` of the previous sync; see `removedIds`).
    pub updated_since: Option<Instant>,
}

/// A contract to draft.
#[derive(InputObject, Debug)]
pub struct CreateContractInput {
    /// The customer; may be omitted with `opportunityId`.
    pub customer_id: Option<ID>,
    /// The deal it comes from: won, or in the last open stage.
    pub opportunity_id: Option<ID>,
    /// The accepted quote it is made from: customer, deal and amount come from it (and must
    /// agree when also given).
    pub quote_id: Option<ID>,
    /// Title (1–200 characters).
    pub title: String,
    /// Contract amount (above zero, at most two decimals); the deal's (or quote's) amount when
    /// omitted.
    pub amount: Option<Decimal>,
    /// First day in force.
    pub start_date: Option<Date>,
    /// Last day in force (not before the first).
    pub end_date: Option<Date>,
    /// The terms (at most 20000 characters).
    pub terms: Option<String>,
    /// Retry key: the same key and input return the first result without a second contract.
    pub idempotency_key: Option<String>,
}

/// Changes to a draft or rejected contract; omitted fields stay, `null` clears a date.
#[derive(InputObject, Debug)]
pub struct UpdateContractInput {
    /// The contract.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New title.
    pub title: Option<String>,
    /// New amount.
    pub amount: Option<Decimal>,
    /// New first day in force.
    pub start_date: MaybeUndefined<Date>,
    /// New last day in force.
    pub end_date: MaybeUndefined<Date>,
    /// New terms.
    pub terms: Option<String>,
    /// Hands the contract to another active sales rep or manager (managers within their teams,
    /// admins); alone, at any status.
    pub owner_id: Option<ID>,
    /// Retry key: a retried update applies once.
    pub idempotency_key: Option<String>,
}

/// A contract to call off.
#[derive(InputObject, Debug)]
pub struct CancelContractInput {
    /// The contract.
    pub id: ID,
    /// Why (1–1000 characters).
    pub reason: String,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Retry key: a retried cancellation applies once.
    pub idempotency_key: Option<String>,
}

/// An approved contract that was signed.
#[derive(InputObject, Debug)]
pub struct MarkContractSignedInput {
    /// The contract.
    pub id: ID,
    /// The day it was signed (not in the future).
    pub signed_date: Date,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Retry key: a retried change applies once.
    pub idempotency_key: Option<String>,
}

/// A signed contract that was delivered.
#[derive(InputObject, Debug)]
pub struct CompleteContractInput {
    /// The contract.
    pub id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Retry key: a retried change applies once.
    pub idempotency_key: Option<String>,
}

/// Result of `createContract`.
#[derive(SimpleObject, Debug)]
pub struct CreateContractPayload {
    /// The drafted contract.
    pub contract: Contract,
}

/// Result of `updateContract`.
#[derive(SimpleObject, Debug)]
pub struct UpdateContractPayload {
    /// The contract after the change.
    pub contract: Contract,
}

/// Result of `cancelContract`.
#[derive(SimpleObject, Debug)]
pub struct CancelContractPayload {
    /// The cancelled contract.
    pub contract: Contract,
}

/// Result of `markContractSigned`.
#[derive(SimpleObject, Debug)]
pub struct MarkContractSignedPayload {
    /// The signed contract.
    pub contract: Contract,
}

/// Result of `completeContract`.
#[derive(SimpleObject, Debug)]
pub struct CompleteContractPayload {
    /// The completed contract.
    pub contract: Contract,
}

crate::payload_from_model! {
    UpdateContractPayload { contract } <- entity::contract::Model;
    CancelContractPayload { contract } <- entity::contract::Model;
    MarkContractSignedPayload { contract } <- entity::contract::Model;
    CompleteContractPayload { contract } <- entity::contract::Model;
}

crate::order_input!(
    /// How to order a contract list.
    ContractOrder,
    super::service::ContractOrderField
);
