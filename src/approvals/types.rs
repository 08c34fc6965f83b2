//! GraphQL types of approvals.

use crate::graphql::scalars::Instant;
use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject, Union};

use super::loaders::StepsByRequest;
pub use super::policy::{ApprovalSubjectKind, ApproverRole};
pub use super::service::{ApprovalStatus, StepStatus};
use crate::contracts::types::Contract;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Decimal;
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::users::types::User;
use entity::{approval_request, approval_step};

/// What an approval request decides on.
#[derive(Union, Clone, Debug)]
pub enum ApprovalSubject {
    /// A contract awaiting approval before signing.
    Contract(Contract),
    /// A waiver of part of an installment.
    Waiver(crate::billing::types::Waiver),
    /// A quote discounted beyond what is allowed.
    Quote(crate::quotes::types::Quote),
    /// An amendment of a signed contract.
    ContractAmendment(crate::contracts::amendment_types::ContractAmendment),
    /// A refund of a customer's money.
    Refund(crate::billing::refund_types::Refund),
}

/// A subject passing through the steps its amount requires.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct ApprovalRequest {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Where the request stands.
    pub status: ApprovalStatus,
    /// The amount as submitted (the subject is locked to it while pending).
    pub amount: Decimal,
    /// When it was submitted.
    pub submitted_at: Instant,
    /// When it was approved, rejected or withdrawn.
    pub decided_at: Option<Instant>,
    /// Position of the step awaiting a decision (while pending).
    pub current_position: i32,
    /// Increases with every decision.
    pub version: i32,
    /// When it was submitted (as `submittedAt`).
    pub created_at: Instant,
    /// When it last changed: submitted, or a step decided.
    pub updated_at: Instant,
    #[graphql(skip)]
    pub model: approval_request::Model,
}

#[ComplexObject]
impl ApprovalRequest {
    /// The subject (null if you may no longer see it).
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ApprovalSubject>> {
        if self.model.subject_type == ApprovalSubjectKind::Quote.as_str() {
            let loader = ctx.loader::<crate::quotes::loaders::QuoteLoader>()?;
            return Ok(loader
                .load_one(self.model.subject_id)
                .await?
                .map(|q| ApprovalSubject::Quote(q.into())));
        }
        if self.model.subject_type == ApprovalSubjectKind::ContractAmendment.as_str() {
            let loader = ctx.loader::<crate::contracts::loaders::AmendmentLoader>()?;
            return Ok(loader
                .load_one(self.model.subject_id)
                .await?
                .map(|a| ApprovalSubject::ContractAmendment(a.into())));
        }
        if self.model.subject_type == ApprovalSubjectKind::Refund.as_str() {
            let loader = ctx.loader::<crate::billing::loaders::RefundLoader>()?;
            return Ok(loader
                .load_one(self.model.subject_id)
                .await?
                .map(|r| ApprovalSubject::Refund(r.into())));
        }
        if self.model.subject_type == ApprovalSubjectKind::Waiver.as_str() {
            let loader = ctx.loader::<crate::billing::loaders::WaiverLoader>()?;
            return Ok(loader
                .load_one(self.model.subject_id)
                .await?
                .map(|w| ApprovalSubject::Waiver(w.into())));
        }
        Ok(
            crate::contracts::loaders::contract(ctx, self.model.subject_id)
                .await?
                .map(ApprovalSubject::Contract),
        )
    }

    /// Who submitted it.
    async fn submitted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.submitted_by).await
    }

    /// Every step in order, with who decided it, when and why.
    async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApprovalStep>> {
        let loader = ctx.loader::<StepsByRequest>()?;
        Ok(loader
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(ApprovalStep::from)
            .collect())
    }
}

impl From<approval_request::Model> for ApprovalRequest {
    fn from(model: approval_request::Model) -> Self {
        Self {
            id: encode_id(NodeType::ApprovalRequest, model.id),
            status: ApprovalStatus::parse(&model.status).unwrap_or(ApprovalStatus::Pending),
            amount: Decimal(Money::from_minor(model.snapshot_amount_minor).to_decimal()),
            submitted_at: model.submitted_at.into(),
            decided_at: model.decided_at.map(Into::into),
            current_position: model.current_position,
            version: model.version,
            created_at: model.submitted_at.into(),
            updated_at: model.updated_at.into(),
            model,
        }
    }
}

/// One step of a request.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct ApprovalStep {
    /// Order in the chain, from 1.
    pub position: i32,
    /// Who decides it.
    pub role: ApproverRole,
    /// Where it stands.
    pub status: StepStatus,
    /// When it was decided.
    pub decided_at: Option<Instant>,
    /// The decider's comment (always given on rejection).
    pub comment: Option<String>,
    #[graphql(skip)]
    pub decided_by_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl ApprovalStep {
    /// Who decided it.
    async fn decided_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.decided_by_id else {
            return Ok(None);
        };
        crate::users::loaders::user(ctx, id).await
    }
}

impl From<approval_step::Model> for ApprovalStep {
    fn from(model: approval_step::Model) -> Self {
        Self {
            position: model.position,
            role: ApproverRole::parse(&model.role).unwrap_or(ApproverRole::Admin),
            status: StepStatus::parse(&model.status).unwrap_or(StepStatus::Waiting),
            decided_at: model.decided_at.map(Into::into),
            comment: model.comment,
            decided_by_id: model.decided_by,
        }
    }
}

crate::connection_types!(
    ApprovalRequestConnection,
    ApprovalRequestEdge,
    ApprovalRequest
);

/// One amount tier of a policy.
#[derive(SimpleObject, Clone, Debug)]
pub struct ApprovalTier {
    /// Amounts from this one (inclusive) up to the next tier's minimum.
    pub min_amount: Decimal,
    /// Who decides, in order.
    pub steps: Vec<ApproverRole>,
}

/// Which steps each amount requires, for one kind of subject.
#[derive(SimpleObject, Clone, Debug)]
pub struct ApprovalPolicy {
    /// What the policy approves.
    pub kind: ApprovalSubjectKind,
    /// Tiers, lowest first; the first starts at 0.
    pub tiers: Vec<ApprovalTier>,
}

/// One tier of a new policy.
#[derive(InputObject, Debug)]
pub struct ApprovalTierInput {
    /// Amounts from this one (inclusive) up to the next tier's minimum.
    pub min_amount: Decimal,
    /// Who decides, in order (one to five distinct roles).
    pub steps: Vec<ApproverRole>,
}

/// A whole new policy for one kind of subject.
#[derive(InputObject, Debug)]
pub struct UpdateApprovalPolicyInput {
    /// What the policy approves.
    pub kind: ApprovalSubjectKind,
    /// Tiers, lowest first; the first starts at 0 and minimums strictly increase.
    pub tiers: Vec<ApprovalTierInput>,
}

/// Result of `updateApprovalPolicy`.
#[derive(SimpleObject, Debug)]
pub struct UpdateApprovalPolicyPayload {
    /// The policy now in force (requests already submitted keep their steps).
    pub policy: ApprovalPolicy,
}

/// A contract to submit for approval.
#[derive(InputObject, Debug)]
pub struct SubmitContractInput {
    /// The contract (yours, draft or rejected).
    pub id: ID,
    /// Retry key: a double tap submits once.
    pub idempotency_key: Option<String>,
}

/// An approval of the current step.
#[derive(InputObject, Debug)]
pub struct ApproveRequestInput {
    /// The request.
    pub request_id: ID,
    /// Why (optional).
    pub comment: Option<String>,
    /// The step position you saw as current; when the request has moved on since, the answer is
    /// `INVALID_STATE` instead of a decision on a step you never saw.
    pub step_position: Option<i32>,
    /// Retry key: a double tap approves once.
    pub idempotency_key: Option<String>,
}

/// A rejection of the current step.
#[derive(InputObject, Debug)]
pub struct RejectRequestInput {
    /// The request.
    pub request_id: ID,
    /// Why (required, 1–2000 characters).
    pub comment: String,
    /// The step position you saw as current; when the request has moved on since, the answer is
    /// `INVALID_STATE` instead of a decision on a step you never saw.
    pub step_position: Option<i32>,
    /// Retry key: a double tap rejects once.
    pub idempotency_key: Option<String>,
}

/// A pending request its submitter takes back.
#[derive(InputObject, Debug)]
pub struct WithdrawRequestInput {
    /// The request.
    pub request_id: ID,
    /// Retry key: a double tap withdraws once.
    pub idempotency_key: Option<String>,
}

/// Result of `submitContract`.
#[derive(SimpleObject, Debug)]
pub struct SubmitContractPayload {
    /// The new request, its first step awaiting a decision.
    pub request: ApprovalRequest,
}

/// Result of `approveRequest`.
#[derive(SimpleObject, Debug)]
pub struct ApproveRequestPayload {
    /// The request after the approval.
    pub request: ApprovalRequest,
}

/// Result of `rejectRequest`.
#[derive(SimpleObject, Debug)]
pub struct RejectRequestPayload {
    /// The rejected request.
    pub request: ApprovalRequest,
}

/// Result of `withdrawRequest`.
#[derive(SimpleObject, Debug)]
pub struct WithdrawRequestPayload {
    /// The withdrawn request.
    pub request: ApprovalRequest,
}

crate::string_enum! {
    /// What happened to a request, from the receiver's point of view.
    ApprovalEventKind {
        /// A request reached a step you may decide.
        AwaitingYourDecision => "AWAITING_YOUR_DECISION",
        /// A step of your request was approved; the next one is open.
        StepApproved => "STEP_APPROVED",
        /// Your request was approved at every step.
        Approved => "APPROVED",
        /// Your request was rejected.
        Rejected => "REJECTED",
        /// A request awaiting you was withdrawn by its submitter.
        Withdrawn => "WITHDRAWN",
    }
}

impl ApprovalEventKind {
    /// The event a notification of this kind announces.
    pub fn of_notification(kind: &str) -> Option<Self> {
        Some(match kind {
            "APPROVAL_REQUESTED" => Self::AwaitingYourDecision,
            "APPROVAL_STEP_APPROVED" => Self::StepApproved,
            "APPROVAL_APPROVED" => Self::Approved,
            "APPROVAL_REJECTED" => Self::Rejected,
            "APPROVAL_WITHDRAWN" => Self::Withdrawn,
            _ => return None,
        })
    }
}

/// A live approval event.
#[derive(SimpleObject, Debug)]
pub struct ApprovalEvent {
    /// What happened.
    pub kind: ApprovalEventKind,
    /// The request as it is now.
    pub request: ApprovalRequest,
    /// When it happened.
    pub at: Instant,
}
