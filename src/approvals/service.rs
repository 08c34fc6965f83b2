//! Submitting subjects for approval and deciding their steps.
//!
//! Lock order, everywhere: the request row first (a versioned update), then its steps, then the
//! subject. Concurrent decisions and withdrawals therefore queue on the request row, and the
//! loser's guarded update matches nothing (`INVALID_STATE`) instead of deadlocking.

pub(super) use super::access::describe;
pub use super::access::{Outbox, approvers, get_request, steps_of};
pub use super::decisions::{
    Decision, DecisionPoint, decision_point, record_decision, withdraw_in, withdrawable_in,
};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::policy::{self, ApprovalSubjectKind, ApproverRole};
use crate::contracts::service::{self as contracts, Snapshot};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;
use entity::approval_request::{self, Entity as Requests};
use entity::approval_step::{self, Entity as Steps};

pub use super::model::{ApprovalStatus, StepStatus};

/// A subject to open a request for, as frozen at submission.
#[derive(Debug, Clone)]
pub(crate) struct NewRequest {
    pub kind: ApprovalSubjectKind,
    pub subject_id: Uuid,
    pub amount_minor: i64,
    pub snapshot: String,
    pub snapshot_hash: String,
    pub title: String,
}

/// Opens a request with the steps the policy of its kind requires for its amount, inside the
/// caller's transaction, and tells the first step's approvers (after commit, via the outbox).
pub(crate) async fn open_request(
    txn: &DatabaseTransaction,
    submitter: Uuid,
    new: NewRequest,
    now: DateTime<Utc>,
) -> AppResult<(approval_request::Model, Outbox)> {
    let tiers = policy::tiers(txn, new.kind).await?;
    let roles = policy::steps_of_kind(new.kind, &tiers, new.amount_minor);
    let first = *roles.first().ok_or_else(AppError::internal)?;
    let request = approval_request::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_type: Set(new.kind.as_str().to_owned()),
        subject_id: Set(new.subject_id),
        status: Set(ApprovalStatus::Pending.as_str().to_owned()),
        submitted_by: Set(submitter),
        submitted_at: Set(now),
        snapshot_amount_minor: Set(new.amount_minor),
        snapshot_hash: Set(new.snapshot_hash),
        snapshot: Set(new.snapshot),
        current_position: Set(1),
        decided_at: Set(None),
        version: Set(1),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    for (i, role) in roles.iter().enumerate() {
        approval_step::ActiveModel {
            id: Set(Uuid::now_v7()),
            request_id: Set(request.id),
            position: Set(i32::try_from(i + 1).map_err(|_| AppError::internal())?),
            role: Set(role.as_str().to_owned()),
            status: Set(if i == 0 {
                StepStatus::Pending
            } else {
                StepStatus::Waiting
            }
            .as_str()
            .to_owned()),
            decided_by: Set(None),
            decided_at: Set(None),
            comment: Set(None),
        }
        .insert(txn)
        .await?;
    }
    let mut outbox = Outbox::default();
    let waiting = approvers(txn, submitter, first).await?;
    outbox
        .notify(
            txn,
            &waiting,
            "APPROVAL_REQUESTED",
            (
                format!("Approval awaits you: {}", new.title),
                format!("{} was submitted for your decision.", describe(&request)),
            ),
            request.id,
            now,
        )
        .await?;
    crate::audit::Entry {
        actor_id: Some(submitter),
        action: "approval.submitted",
        subject_type: "ApprovalRequest",
        subject_id: request.id,
        details: serde_json::json!({
            "kind": new.kind.as_str(),
            "subjectId": new.subject_id,
            "amountMinor": new.amount_minor,
            "steps": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        }),
    }
    .record(txn, now)
    .await?;
    Ok((request, outbox))
}

/// Submits a contract its owner drafted (or had rejected) for approval: locks it, freezes its
/// content and opens the steps its amount requires. Idempotent by key. Errors: `FORBIDDEN` (not
/// the owner), `NOT_FOUND`, `INVALID_STATE` (not draft or rejected), `IDEMPOTENCY_KEY_REUSED`.
pub async fn submit_contract(
    state: &AppState,
    viewer: &Viewer,
    contract_id: Uuid,
    idempotency_key: Option<String>,
) -> AppResult<approval_request::Model> {
    let call = IdempotentCall::new(
        viewer.user_id,
        "submitContract",
        idempotency_key,
        &contract_id,
    )?;
    let now = state.clock.now();
    let mut announced = Outbox::default();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let contract = contracts::lock_for_approval(txn, viewer, contract_id, now).await?;
        let snapshot = Snapshot::of(&contract);
        let new = NewRequest {
            kind: ApprovalSubjectKind::Contract,
            subject_id: contract.id,
            amount_minor: contract.amount_minor,
            snapshot_hash: snapshot.hash()?,
            snapshot: serde_json::to_string(&snapshot).map_err(|_| AppError::internal())?,
            title: contract.title.clone(),
        };
        let (request, outbox) = open_request(txn, viewer.user_id, new, now).await?;
        announced = outbox;
        Ok(request.id)
    })
    .await?
    .into_inner();
    // Empty on a replay: only the call that did the work announces it.
    announced.send(state);
    load(&state.db, id).await
}

/// What kind of subject a request is about.
pub fn kind_of(request: &approval_request::Model) -> AppResult<ApprovalSubjectKind> {
    ApprovalSubjectKind::parse(&request.subject_type).ok_or_else(AppError::internal)
}

pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<approval_request::Model> {
    Requests::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Pending requests whose current step the viewer may decide (never their own), oldest
/// first. Errors: `BAD_USER_INPUT` (paging).
pub async fn pending_for(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    page: &PageRequest,
) -> AppResult<Page<approval_request::Model>> {
    use entity::{team, user};
    let step_with_role = |role: ApproverRole| {
        Query::select()
            .column(approval_step::Column::RequestId)
            .from(Steps)
            .and_where(approval_step::Column::Status.eq(StepStatus::Pending.as_str()))
            .and_where(approval_step::Column::Role.eq(role.as_str()))
            .to_owned()
    };
    // Submitters whose team has an active manager other than themself (the same rule as
    // `approvers`).
    let managed_submitters = |manager: Option<Uuid>| {
        let boss = sea_orm::sea_query::Alias::new("boss");
        let mut query = Query::select();
        query
            .column((user::Entity, user::Column::Id))
            .from(user::Entity)
            .inner_join(
                team::Entity,
                Expr::col((team::Entity, team::Column::Id))
                    .equals((user::Entity, user::Column::TeamId)),
            )
            .join_as(
                sea_orm::JoinType::InnerJoin,
                user::Entity,
                boss.clone(),
                Expr::col((boss.clone(), user::Column::Id))
                    .equals((team::Entity, team::Column::ManagerId)),
            )
            .and_where(Expr::col((boss.clone(), user::Column::Active)).eq(true))
            .and_where(
                Expr::col((boss.clone(), user::Column::Role)).eq(Role::SalesManager.as_str()),
            )
            .and_where(
                Expr::col((team::Entity, team::Column::ManagerId))
                    .ne(Expr::col((user::Entity, user::Column::Id))),
            );
        if let Some(manager) = manager {
            query.and_where(Expr::col((team::Entity, team::Column::ManagerId)).eq(manager));
        }
        query.to_owned()
    };
    let mut eligible = Condition::any();
    match viewer.role {
        Role::SalesManager => {
            eligible = eligible.add(
                Condition::all()
                    .add(
                        approval_request::Column::Id
                            .in_subquery(step_with_role(ApproverRole::SalesManager)),
                    )
                    .add(
                        approval_request::Column::SubmittedBy
                            .in_subquery(managed_submitters(Some(viewer.user_id))),
                    ),
            );
        }
        Role::Finance => {
            eligible = eligible.add(
                approval_request::Column::Id.in_subquery(step_with_role(ApproverRole::Finance)),
            );
        }
        Role::Admin => {
            eligible = eligible
                .add(approval_request::Column::Id.in_subquery(step_with_role(ApproverRole::Admin)))
                .add(
                    Condition::all()
                        .add(
                            approval_request::Column::Id
                                .in_subquery(step_with_role(ApproverRole::SalesManager)),
                        )
                        .add(
                            approval_request::Column::SubmittedBy
                                .not_in_subquery(managed_submitters(None)),
                        ),
                );
        }
        Role::SalesRep | Role::Support => eligible = eligible.add(Expr::cust("1 = 0")),
    }
    let condition = Condition::all()
        .add(approval_request::Column::Status.eq(ApprovalStatus::Pending.as_str()))
        .add(approval_request::Column::SubmittedBy.ne(viewer.user_id))
        .add(eligible);
    pagination::fetch(
        db,
        Requests::find().filter(condition),
        approval_request::Column::Id,
        page,
        |r| r.id,
    )
    .await
}

/// The newest request of each of these subjects (for `Contract.approval`).
pub async fn latest_of_subjects(
    db: &impl ConnectionTrait,
    subject_ids: &[Uuid],
) -> AppResult<Vec<approval_request::Model>> {
    let mut latest: Vec<approval_request::Model> = Vec::new();
    for request in Requests::find()
        .filter(approval_request::Column::SubjectId.is_in(subject_ids.to_vec()))
        .order_by_asc(approval_request::Column::SubjectId)
        .order_by_desc(approval_request::Column::Id)
        .all(db)
        .await?
    {
        if latest
            .last()
            .is_none_or(|l| l.subject_id != request.subject_id)
        {
            latest.push(request);
        }
    }
    Ok(latest)
}

/// Requests by id, without visibility (for loaders under visible records).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<approval_request::Model>> {
    Ok(Requests::find()
        .filter(approval_request::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}
