//! Resolvers for approvals, and the live approval events.

use async_graphql::{Context, ID, Object, Subscription};
use futures_util::{Stream, StreamExt};

use super::policy::{self, ApprovalSubjectKind, Tier};
use super::service::{self, Decision};
use super::types::{
    ApprovalEvent, ApprovalEventKind, ApprovalPolicy, ApprovalRequest, ApprovalRequestConnection,
    ApprovalTier, ApproveRequestInput, ApproveRequestPayload, RejectRequestInput,
    RejectRequestPayload, SubmitContractInput, SubmitContractPayload, UpdateApprovalPolicyInput,
    UpdateApprovalPolicyPayload, WithdrawRequestInput, WithdrawRequestPayload,
};
use crate::error::AppResult;
use crate::events::EventKind;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SignedIn};
use crate::graphql::pagination::list_request;
use crate::graphql::scalars::Decimal;
use crate::ids::{NodeType, decode_id};
use crate::money::Money;

fn request_id(id: &ID) -> AppResult<uuid::Uuid> {
    decode_id(id, NodeType::ApprovalRequest, "input.requestId")
}

fn policy_of(kind: ApprovalSubjectKind, tiers: Vec<Tier>) -> ApprovalPolicy {
    ApprovalPolicy {
        kind,
        tiers: tiers
            .into_iter()
            .map(|tier| ApprovalTier {
                min_amount: Decimal(Money::from_minor(tier.min_amount_minor).to_decimal()),
                steps: tier.steps,
            })
            .collect(),
    }
}

#[derive(Default)]
pub struct ApprovalQuery;

#[Object]
impl ApprovalQuery {
    /// Which steps each amount requires, for one kind of subject.
    #[graphql(guard = "SignedIn")]
    async fn approval_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "What the policy approves.",
            default_with = "ApprovalSubjectKind::Contract"
        )]
        kind: ApprovalSubjectKind,
    ) -> async_graphql::Result<ApprovalPolicy> {
        let tiers = policy::tiers(&ctx.app().db, kind).await?;
        Ok(policy_of(kind, tiers))
    }

    /// Requests whose current step you may decide now, oldest first (never your own).
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn my_pending_approvals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<ApprovalRequestConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let page = service::pending_for(&ctx.app().db, viewer, &page).await?;
        Ok(ApprovalRequestConnection::from_page(
            page,
            ApprovalRequest::from,
        ))
    }

    /// One request with its full step history; `null` with a `NOT_FOUND` error when missing or
    /// not yours to see.
    #[graphql(guard = "SignedIn")]
    async fn approval_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
    ) -> async_graphql::Result<Option<ApprovalRequest>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::ApprovalRequest, "id")?;
            Ok(service::get_request(&ctx.app().db, viewer, id)
                .await?
                .into())
        })
        .await
    }
}

#[derive(Default)]
pub struct ApprovalMutation;

#[Object]
impl ApprovalMutation {
    /// Replaces the approval policy of one kind of subject (admin).
    #[graphql(guard = "ADMIN")]
    async fn update_approval_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateApprovalPolicyInput`.")]
        input: UpdateApprovalPolicyInput,
    ) -> async_graphql::Result<UpdateApprovalPolicyPayload> {
        let viewer = ctx.viewer()?;
        let tiers = input
            .tiers
            .into_iter()
            .enumerate()
            .map(|(i, tier)| {
                Ok(Tier {
                    min_amount_minor: Money::parse(
                        tier.min_amount.0,
                        &format!("input.tiers.{i}.minAmount"),
                    )?
                    .minor(),
                    steps: tier.steps,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let stored = policy::replace(ctx.app(), viewer, input.kind, tiers).await?;
        Ok(UpdateApprovalPolicyPayload {
            policy: policy_of(input.kind, stored),
        })
    }

    /// Submits your draft or rejected contract for approval; it is locked until decided.
    #[graphql(guard = "SignedIn")]
    async fn submit_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SubmitContractInput`.")]
        input: SubmitContractInput,
    ) -> async_graphql::Result<SubmitContractPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Contract, "input.id")?;
        let request = service::submit_contract(ctx.app(), viewer, id, input.idempotency_key)
            .await
            .map_err(|e| e.naming("input.id"))?;
        Ok(SubmitContractPayload {
            request: request.into(),
        })
    }

    /// Approves the current step of a request you may decide.
    #[graphql(guard = "SignedIn")]
    async fn approve_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ApproveRequestInput`.")]
        input: ApproveRequestInput,
    ) -> async_graphql::Result<ApproveRequestPayload> {
        let viewer = ctx.viewer()?;
        let request = crate::flows::approval_settlement::decide(
            ctx.app(),
            viewer,
            request_id(&input.request_id)?,
            input.step_position,
            Decision::Approve(input.comment),
            input.idempotency_key,
        )
        .await
        .map_err(|e| e.naming("input.requestId"))?;
        Ok(ApproveRequestPayload {
            request: request.into(),
        })
    }

    /// Rejects the current step of a request you may decide (a comment is required).
    #[graphql(guard = "SignedIn")]
    async fn reject_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RejectRequestInput`.")]
        input: RejectRequestInput,
    ) -> async_graphql::Result<RejectRequestPayload> {
        let viewer = ctx.viewer()?;
        let request = crate::flows::approval_settlement::decide(
            ctx.app(),
            viewer,
            request_id(&input.request_id)?,
            input.step_position,
            Decision::Reject(input.comment),
            input.idempotency_key,
        )
        .await
        .map_err(|e| e.naming("input.requestId"))?;
        Ok(RejectRequestPayload {
            request: request.into(),
        })
    }

    /// Takes back a pending request you submitted; the contract returns to draft.
    #[graphql(guard = "SignedIn")]
    async fn withdraw_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `WithdrawRequestInput`.")]
        input: WithdrawRequestInput,
    ) -> async_graphql::Result<WithdrawRequestPayload> {
        let viewer = ctx.viewer()?;
        let request = crate::flows::approval_settlement::withdraw(
            ctx.app(),
            viewer,
            request_id(&input.request_id)?,
            input.idempotency_key,
        )
        .await
        .map_err(|e| e.naming("input.requestId"))?;
        Ok(WithdrawRequestPayload {
            request: request.into(),
        })
    }
}

#[derive(Default)]
pub struct ApprovalSubscription;

#[Subscription]
impl ApprovalSubscription {
    /// Requests reaching a step you may decide, and decisions on requests you submitted.
    #[graphql(guard = "SignedIn")]
    async fn approval_events(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ApprovalEvent>>> {
        let viewer = ctx.viewer()?.clone();
        let app = ctx.app().clone();
        let me = viewer.user_id;
        Ok(app
            .events
            .subscribe()
            .filter(move |event| {
                let mine =
                    event.kind == EventKind::NotificationCreated && event.audience == Some(me);
                async move { mine }
            })
            .filter_map(move |event| {
                let app = app.clone();
                let viewer = viewer.clone();
                async move {
                    // Events carry ids only: re-read the notification and the request.
                    let notice = match crate::notifications::service::get(
                        &app.db,
                        &viewer,
                        event.subject_id,
                    )
                    .await
                    {
                        Ok(notice) => notice,
                        Err(_) => return None,
                    };
                    let kind = ApprovalEventKind::of_notification(&notice.kind)?;
                    let request_id = notice.subject_id?;
                    match service::get_request(&app.db, &viewer, request_id).await {
                        Ok(request) => Some(Ok(ApprovalEvent {
                            kind,
                            request: request.into(),
                            at: notice.created_at.into(),
                        })),
                        Err(err) if err.code == crate::error::ErrorCode::NotFound => None,
                        Err(err) => Some(Err(err.into())),
                    }
                }
            }))
    }
}
