//! Approval settlement: the approval engine decides a step (or takes a request back) and says
//! what its subject must become; this flow checks the subject before and settles it after, in
//! the same transaction, so a contract or waiver is never approved without its request, nor the
//! other way round. Lock order: the request row, its steps, then the subject.

use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use crate::approvals::policy::ApprovalSubjectKind;
use crate::approvals::service::{self as approvals, Decision, Outbox};
use crate::contracts::service::{self as contracts, Settlement};
use crate::error::AppResult;
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::approval_request;

/// `INVALID_STATE` unless the subject is still exactly what was submitted; its title otherwise.
async fn check_subject(
    txn: &DatabaseTransaction,
    request: &approval_request::Model,
) -> AppResult<String> {
    match approvals::kind_of(request)? {
        ApprovalSubjectKind::Contract => {
            let contract = contracts::load(txn, request.subject_id).await?;
            contracts::check_snapshot(&contract, &request.snapshot_hash)?;
            Ok(contract.title)
        }
        ApprovalSubjectKind::Waiver => {
            crate::billing::waivers::check(txn, request.subject_id).await
        }
        ApprovalSubjectKind::Quote => {
            crate::quotes::approval::check(
                txn,
                request.subject_id,
                &request.snapshot,
                &request.snapshot_hash,
            )
            .await
        }
        ApprovalSubjectKind::ContractAmendment => {
            super::contract_amendment::check(txn, request.subject_id).await
        }
        ApprovalSubjectKind::Refund => {
            crate::billing::refunds::check(txn, request.subject_id).await
        }
    }
}

/// Carries the request's outcome over to its subject.
async fn settle_subject(
    state: &AppState,
    txn: &DatabaseTransaction,
    request: &approval_request::Model,
    outcome: Settlement,
    now: chrono::DateTime<chrono::Utc>,
    outbox: &mut Outbox,
) -> AppResult<()> {
    match approvals::kind_of(request)? {
        ApprovalSubjectKind::Contract => {
            contracts::settle(
                txn,
                request.subject_id,
                &request.snapshot_hash,
                outcome,
                now,
            )
            .await?;
        }
        ApprovalSubjectKind::Waiver => {
            crate::billing::waivers::settle(txn, request.subject_id, outcome, now).await?;
        }
        ApprovalSubjectKind::Quote => {
            let approved = outcome == Settlement::Approved;
            crate::quotes::approval::settle(txn, request.subject_id, approved, now).await?;
        }
        ApprovalSubjectKind::ContractAmendment => {
            let today = state.config.company_today(now);
            super::contract_amendment::settle(txn, request.subject_id, outcome, now, today, outbox)
                .await?;
        }
        ApprovalSubjectKind::Refund => {
            crate::billing::refunds::settle(txn, request.subject_id, outcome, now).await?;
        }
    }
    Ok(())
}

/// Decides the current step of a pending request, as an approver eligible for it right now.
/// The last approval approves the subject; a rejection rejects it. Idempotent by key.
/// Errors: `NOT_FOUND` (cannot see it), `FORBIDDEN` (own request, or not an approver of the
/// current step), `BAD_USER_INPUT` (rejection without comment), `INVALID_STATE` (already
/// decided, withdrawn, the subject changed, the step seen is no longer current, or the caller
/// already decided a step of this request), `IDEMPOTENCY_KEY_REUSED`.
pub async fn decide(
    state: &AppState,
    viewer: &Viewer,
    request_id: Uuid,
    seen_step: Option<i32>,
    decision: Decision,
    idempotency_key: Option<String>,
) -> AppResult<approval_request::Model> {
    let decision = decision.parse()?;
    let call = IdempotentCall::new(
        viewer.user_id,
        decision.operation(),
        idempotency_key,
        &(request_id, seen_step, &decision),
    )?;
    let now = state.clock.now();
    let mut outbox = Outbox::default();
    idempotency::run(&state.db, &call, now, async |txn| {
        let point = approvals::decision_point(txn, viewer, request_id, seen_step).await?;
        let subject_title = check_subject(txn, &point.request).await?;
        race_window(state).await;
        let request = point.request.clone();
        let settlement = approvals::record_decision(
            txn,
            viewer,
            point,
            &decision,
            &subject_title,
            now,
            &mut outbox,
        )
        .await?;
        if let Some(settlement) = settlement {
            settle_subject(state, txn, &request, settlement, now, &mut outbox).await?;
        }
        Ok(request_id)
    })
    .await?;
    // Empty on a replay: only the call that did the work announces it.
    outbox.send(state);
    approvals::load(&state.db, request_id).await
}

/// Takes back a pending request its submitter made; the subject returns to where it was (a
/// contract to `DRAFT`). Idempotent by key. Errors: `NOT_FOUND`, `FORBIDDEN` (not the
/// submitter), `INVALID_STATE` (no longer pending), `IDEMPOTENCY_KEY_REUSED`.
pub async fn withdraw(
    state: &AppState,
    viewer: &Viewer,
    request_id: Uuid,
    idempotency_key: Option<String>,
) -> AppResult<approval_request::Model> {
    let call = IdempotentCall::new(
        viewer.user_id,
        "withdrawRequest",
        idempotency_key,
        &request_id,
    )?;
    let now = state.clock.now();
    let mut outbox = Outbox::default();
    idempotency::run(&state.db, &call, now, async |txn| {
        let request = approvals::withdrawable_in(txn, viewer, request_id).await?;
        race_window(state).await;
        approvals::withdraw_in(txn, viewer, &request, now, &mut outbox).await?;
        settle_subject(
            state,
            txn,
            &request,
            Settlement::Withdrawn,
            now,
            &mut outbox,
        )
        .await?;
        Ok(request_id)
    })
    .await?;
    // Empty on a replay: only the call that did the work announces it.
    outbox.send(state);
    approvals::load(&state.db, request_id).await
}

/// Tests widen the window between a call's reads and its guarded writes to provoke races
/// (`Config::approval_race_delay_ms`); compiled only with the `test-hooks` feature.
#[cfg(feature = "test-hooks")]
async fn race_window(state: &AppState) {
    if state.config.approval_race_delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(
            state.config.approval_race_delay_ms,
        ))
        .await;
    }
}

#[cfg(not(feature = "test-hooks"))]
async fn race_window(_state: &AppState) {}
