//! GraphQL types of contract amendments.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

pub use super::amendments::AmendmentStatus;
use super::types::Contract;
use crate::approvals::types::ApprovalRequest;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Amount, Date, Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::users::types::User;
use entity::contract_amendment;

/// The amendable values of a contract at one moment.
#[derive(SimpleObject, Clone, Debug)]
pub struct AmendedValues {
    /// Contract amount.
    pub amount: Decimal,
    /// Last day in force.
    pub end_date: Option<Date>,
    /// The terms agreed.
    pub terms: String,
}

impl From<super::amendments::Values> for AmendedValues {
    fn from(values: super::amendments::Values) -> Self {
        Self {
            amount: Decimal(Money::from_minor(values.amount_minor).to_decimal()),
            end_date: values.end_date.map(Date),
            terms: values.terms,
        }
    }
}

/// What an amendment asked to change; null fields stay as they were.
#[derive(SimpleObject, Clone, Debug)]
pub struct AmendmentChanges {
    /// The new contract amount.
    pub amount: Option<Decimal>,
    /// The new last day in force.
    pub end_date: Option<Date>,
    /// The new terms.
    pub terms: Option<String>,
}

/// A change to a signed contract, applied only once its approval request is approved.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct ContractAmendment {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// 1, 2, … within its contract.
    pub number: i32,
    /// Why it was asked for.
    pub reason: String,
    /// Where it stands.
    pub status: AmendmentStatus,
    /// When it was approved (and applied), rejected or withdrawn.
    pub decided_at: Option<Instant>,
    /// When it was asked for.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    /// Increases with every change.
    pub version: i32,
    #[graphql(skip)]
    pub model: contract_amendment::Model,
}

#[ComplexObject]
impl ContractAmendment {
    /// The contract it amends.
    async fn contract(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contract>> {
        super::loaders::contract(ctx, self.model.contract_id).await
    }

    /// What it asked to change.
    async fn changes(&self) -> async_graphql::Result<AmendmentChanges> {
        let changes = super::amendments::changes(&self.model)?;
        Ok(AmendmentChanges {
            amount: changes
                .amount_minor
                .map(|a| Decimal(Money::from_minor(a).to_decimal())),
            end_date: changes.end_date.map(Date),
            terms: changes.terms,
        })
    }

    /// The contract's values when it was asked for.
    async fn before(&self) -> async_graphql::Result<AmendedValues> {
        Ok(super::amendments::values(&self.model.before)?.into())
    }

    /// The contract's values with it applied (what they became, once approved).
    async fn after(&self) -> async_graphql::Result<AmendedValues> {
        Ok(super::amendments::values(&self.model.after)?.into())
    }

    /// Who asked for it.
    async fn requested_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.requested_by).await
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

impl From<contract_amendment::Model> for ContractAmendment {
    fn from(model: contract_amendment::Model) -> Self {
        Self {
            id: encode_id(NodeType::ContractAmendment, model.id),
            number: model.seq,
            reason: model.reason.clone(),
            status: AmendmentStatus::parse(&model.status).unwrap_or(AmendmentStatus::Pending),
            decided_at: model.decided_at.map(Into::into),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
        }
    }
}

/// The values to change; give at least one.
#[derive(InputObject, Debug)]
pub struct AmendmentChangesInput {
    /// The new contract amount (not below what is ordered, invoiced, paid or waived).
    pub amount: Option<Amount>,
    /// The new last day in force (on or after the start).
    pub end_date: Option<Date>,
    /// The new terms.
    pub terms: Option<String>,
}

/// An amendment of a signed contract to ask for.
#[derive(InputObject, Debug)]
pub struct AmendContractInput {
    /// The contract (signed).
    pub id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// What to change.
    pub changes: AmendmentChangesInput,
    /// Why (required).
    pub reason: String,
    /// Retry key: a retried request asks once.
    pub idempotency_key: Option<String>,
}

/// Result of `amendContract`.
#[derive(SimpleObject, Debug)]
pub struct AmendContractPayload {
    /// The amendment, pending.
    pub amendment: ContractAmendment,
    /// Its approval request.
    pub request: Option<ApprovalRequest>,
    /// The contract, unchanged until the amendment is approved.
    pub contract: Option<Contract>,
}
