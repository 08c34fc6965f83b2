//! Deciding and withdrawing approval requests: who may decide the current step, recording a
//! decision (the request row first, then its steps, notifications and audit), and what the
//! subject must become. The subject itself is settled by `flows::approval_settlement`.

use super::access::{Outbox, approvers, describe, get_request, role_of, steps_of};
use super::model::{ApprovalStatus, StepStatus};
use crate::contracts::service::Settlement;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use chrono::{DateTime, Utc};
use entity::approval_request::{self, Entity as Requests};
use entity::approval_step::{self, Entity as Steps};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A decision on the current step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Approve(Option<String>),
    Reject(String),
}

impl Decision {
    /// The comment checked: optional on an approval, required on a rejection.
    pub fn parse(self) -> AppResult<Self> {
        Ok(match self {
            Self::Approve(comment) => Self::Approve(crate::input::optional_text(
                comment.as_deref(),
                "input.comment",
                2000,
            )?),
            Self::Reject(comment) => Self::Reject(crate::input::required_text(
                &comment,
                "input.comment",
                2000,
            )?),
        })
    }

    /// The mutation it comes from, which scopes its idempotency key.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Approve(_) => "approveRequest",
            Self::Reject(_) => "rejectRequest",
        }
    }
}

/// A pending request's current step, checked for one decider; [`record_decision`] decides it.
#[derive(Debug)]
pub struct DecisionPoint {
    pub request: approval_request::Model,
    steps: Vec<approval_step::Model>,
    step: approval_step::Model,
}

/// Checks that `viewer` may decide the current step of a pending request right now (the first
/// half of a decision; the subject is checked by the caller before [`record_decision`]).
/// Errors: `NOT_FOUND`, `FORBIDDEN` (own request, or not an approver of the current step),
/// `INVALID_STATE` (no longer pending, the step seen is no longer current, or the caller
/// already decided a step of this request).
pub async fn decision_point(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    request_id: Uuid,
    seen_step: Option<i32>,
) -> AppResult<DecisionPoint> {
    let request = get_request(txn, viewer, request_id).await?;
    if request.status != ApprovalStatus::Pending.as_str() {
        return Err(AppError::invalid_state("The request is no longer pending"));
    }
    if request.submitted_by == viewer.user_id {
        return Err(AppError::forbidden());
    }
    if seen_step.is_some_and(|seen| seen != request.current_position) {
        return Err(AppError::invalid_state(
            "The step you saw was already decided",
        ));
    }
    let steps = steps_of(txn, &[request.id]).await?;
    // One person, one decision per request: a late second tap finds its step decided instead
    // of deciding the next one, and no level of a chain is approved by the same eyes twice.
    if steps.iter().any(|s| s.decided_by == Some(viewer.user_id)) {
        return Err(AppError::invalid_state(
            "You already decided a step of this request",
        ));
    }
    let step = steps
        .iter()
        .find(|s| {
            s.position == request.current_position && s.status == StepStatus::Pending.as_str()
        })
        .ok_or_else(|| AppError::invalid_state("No step awaits a decision"))?;
    let role = role_of(step)?;
    if !approvers(txn, request.submitted_by, role)
        .await?
        .contains(&viewer.user_id)
    {
        return Err(AppError::forbidden());
    }
    let step = step.clone();
    Ok(DecisionPoint {
        request,
        steps,
        step,
    })
}

/// Records `decision` on the step of `point` (checked by [`decision_point`], its subject by the
/// caller, titled `subject_title`): the request row first, then the step, the next step or the
/// end of the request, notifications and audit. Returns what the subject must become when the
/// request ended (approved or rejected), for the caller to carry over in the same transaction.
pub async fn record_decision(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    point: DecisionPoint,
    decision: &Decision,
    subject_title: &str,
    now: DateTime<Utc>,
    outbox: &mut Outbox,
) -> AppResult<Option<Settlement>> {
    let DecisionPoint {
        request,
        steps,
        step,
    } = point;
    let step = &step;
    let last = steps.iter().map(|s| s.position).max().unwrap_or(1);
    let (request_status, next_position) = match decision {
        Decision::Reject(_) => (ApprovalStatus::Rejected, request.current_position),
        Decision::Approve(_) if step.position >= last => {
            (ApprovalStatus::Approved, request.current_position)
        }
        Decision::Approve(_) => (ApprovalStatus::Pending, request.current_position + 1),
    };
    // The request row first: concurrent deciders queue here and the loser matches nothing.
    let mut request_update = Requests::update_many()
        .col_expr(
            approval_request::Column::Status,
            Expr::value(request_status.as_str()),
        )
        .col_expr(
            approval_request::Column::CurrentPosition,
            Expr::value(next_position),
        )
        .col_expr(
            approval_request::Column::Version,
            Expr::value(request.version + 1),
        )
        .col_expr(approval_request::Column::UpdatedAt, Expr::value(now))
        .filter(approval_request::Column::Id.eq(request.id))
        .filter(approval_request::Column::Version.eq(request.version))
        .filter(approval_request::Column::Status.eq(ApprovalStatus::Pending.as_str()))
        // Nobody decides what they submitted, whatever the code path.
        .filter(approval_request::Column::SubmittedBy.ne(viewer.user_id))
        // Nor decides two steps of one request.
        .filter(
            approval_request::Column::Id.not_in_subquery(
                Query::select()
                    .column(approval_step::Column::RequestId)
                    .from(Steps)
                    .and_where(approval_step::Column::DecidedBy.eq(viewer.user_id))
                    .to_owned(),
            ),
        );
    if request_status != ApprovalStatus::Pending {
        request_update =
            request_update.col_expr(approval_request::Column::DecidedAt, Expr::value(Some(now)));
    }
    if request_update.exec(txn).await?.rows_affected != 1 {
        return Err(AppError::invalid_state("The step was already decided"));
    }
    let (step_status, comment) = match decision {
        Decision::Approve(comment) => (StepStatus::Approved, comment.clone()),
        Decision::Reject(comment) => (StepStatus::Rejected, Some(comment.clone())),
    };
    let decided = Steps::update_many()
        .col_expr(
            approval_step::Column::Status,
            Expr::value(step_status.as_str()),
        )
        .col_expr(
            approval_step::Column::DecidedBy,
            Expr::value(Some(viewer.user_id)),
        )
        .col_expr(approval_step::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(approval_step::Column::Comment, Expr::value(comment))
        .filter(approval_step::Column::Id.eq(step.id))
        .filter(approval_step::Column::Status.eq(StepStatus::Pending.as_str()))
        .exec(txn)
        .await?;
    if decided.rows_affected != 1 {
        return Err(AppError::invalid_state("The step was already decided"));
    }
    let title = describe(&request);
    let settlement = match request_status {
        ApprovalStatus::Pending => {
            let next = steps
                .iter()
                .find(|s| s.position == next_position)
                .ok_or_else(AppError::internal)?;
            open_step(txn, next.id).await?;
            let waiting = approvers(txn, request.submitted_by, role_of(next)?).await?;
            outbox
                .notify(
                    txn,
                    &waiting,
                    "APPROVAL_REQUESTED",
                    (
                        format!("Approval awaits you: {}", subject_title),
                        format!("{title} awaits your decision."),
                    ),
                    request.id,
                    now,
                )
                .await?;
            outbox
                .notify(
                    txn,
                    &[request.submitted_by],
                    "APPROVAL_STEP_APPROVED",
                    (
                        format!("Step {} approved: {}", step.position, subject_title),
                        format!("{title} passed step {} ({}).", step.position, step.role),
                    ),
                    request.id,
                    now,
                )
                .await?;
            None
        }
        ApprovalStatus::Approved => {
            outbox
                .notify(
                    txn,
                    &[request.submitted_by],
                    "APPROVAL_APPROVED",
                    (
                        format!("Approved: {}", subject_title),
                        format!("{title} was approved at every step."),
                    ),
                    request.id,
                    now,
                )
                .await?;
            Some(Settlement::Approved)
        }
        ApprovalStatus::Rejected | ApprovalStatus::Withdrawn => {
            cancel_open_steps(txn, request.id).await?;
            outbox
                .notify(
                    txn,
                    &[request.submitted_by],
                    "APPROVAL_REJECTED",
                    (
                        format!("Rejected: {}", subject_title),
                        format!("{title} was rejected at step {}.", step.position),
                    ),
                    request.id,
                    now,
                )
                .await?;
            Some(Settlement::Rejected)
        }
    };
    crate::audit::Entry { actor_id: Some(viewer.user_id), action: match decision {
            Decision::Approve(_) => "approval.step_approved",
            Decision::Reject(_) => "approval.step_rejected",
        }, subject_type: "ApprovalRequest", subject_id: request.id, details: serde_json::json!({"position": step.position, "role": step.role, "result": request_status.as_str()}) }.record(txn, now)
    .await?;
    Ok(settlement)
}

async fn open_step(db: &impl ConnectionTrait, step_id: Uuid) -> AppResult<()> {
    let opened = Steps::update_many()
        .col_expr(
            approval_step::Column::Status,
            Expr::value(StepStatus::Pending.as_str()),
        )
        .filter(approval_step::Column::Id.eq(step_id))
        .filter(approval_step::Column::Status.eq(StepStatus::Waiting.as_str()))
        .exec(db)
        .await?;
    if opened.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::internal())
    }
}

async fn cancel_open_steps(db: &impl ConnectionTrait, request_id: Uuid) -> AppResult<()> {
    Steps::update_many()
        .col_expr(
            approval_step::Column::Status,
            Expr::value(StepStatus::Cancelled.as_str()),
        )
        .filter(approval_step::Column::RequestId.eq(request_id))
        .filter(
            approval_step::Column::Status
                .is_in([StepStatus::Waiting.as_str(), StepStatus::Pending.as_str()]),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// A request `viewer` may take back: one they submitted, still pending. Errors: `NOT_FOUND`,
/// `FORBIDDEN` (not the submitter), `INVALID_STATE` (no longer pending).
pub async fn withdrawable_in(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    request_id: Uuid,
) -> AppResult<approval_request::Model> {
    let request = get_request(txn, viewer, request_id).await?;
    if request.submitted_by != viewer.user_id {
        return Err(AppError::forbidden());
    }
    if request.status != ApprovalStatus::Pending.as_str() {
        return Err(AppError::invalid_state("The request is no longer pending"));
    }
    Ok(request)
}

/// Takes back `request` (from [`withdrawable_in`]) in `txn`: closes it and its open steps, tells
/// the current step's approvers and audits. The caller returns the subject to where it was
/// (`Settlement::Withdrawn`). Errors: `INVALID_STATE` (decided meanwhile).
pub async fn withdraw_in(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    request: &approval_request::Model,
    now: DateTime<Utc>,
    outbox: &mut Outbox,
) -> AppResult<()> {
    let withdrawn = Requests::update_many()
        .col_expr(
            approval_request::Column::Status,
            Expr::value(ApprovalStatus::Withdrawn.as_str()),
        )
        .col_expr(
            approval_request::Column::Version,
            Expr::value(request.version + 1),
        )
        .col_expr(approval_request::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(approval_request::Column::UpdatedAt, Expr::value(now))
        .filter(approval_request::Column::Id.eq(request.id))
        .filter(approval_request::Column::Version.eq(request.version))
        .filter(approval_request::Column::Status.eq(ApprovalStatus::Pending.as_str()))
        .exec(txn)
        .await?;
    if withdrawn.rows_affected != 1 {
        return Err(AppError::invalid_state("The request was decided meanwhile"));
    }
    let steps = steps_of(txn, &[request.id]).await?;
    cancel_open_steps(txn, request.id).await?;
    if let Some(current) = steps
        .iter()
        .find(|s| s.position == request.current_position)
    {
        let waiting = approvers(txn, request.submitted_by, role_of(current)?).await?;
        outbox
            .notify(
                txn,
                &waiting,
                "APPROVAL_WITHDRAWN",
                (
                    "Approval request withdrawn".to_owned(),
                    format!("{} no longer awaits your decision.", describe(request)),
                ),
                request.id,
                now,
            )
            .await?;
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "approval.withdrawn",
        subject_type: "ApprovalRequest",
        subject_id: request.id,
        details: serde_json::json!({"position": request.current_position}),
    }
    .record(txn, now)
    .await?;
    Ok(())
}
