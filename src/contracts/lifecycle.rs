//! A contract's lifecycle outside the approval chain: signing, completing and cancelling, each
//! checked (rights, version, state machine) in an idempotent transaction that a flow may extend
//! before it is written (see `flows::contract_cancellation`).

use super::access::{get_contract, load, next_status, require_steward, write};
use super::rules::{Action, ContractStatus};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall, Start};
use crate::identity::{Role, Viewer};
use crate::input::required_text;
use crate::state::AppState;
use chrono::NaiveDate;
use entity::contract;
use sea_orm::Set;
use serde::Serialize;
use uuid::Uuid;

/// A lifecycle step a person takes on a contract outside the approval chain.
#[derive(Debug, Clone, Serialize)]
pub enum Lifecycle {
    /// Signed on a day (not in the future).
    Sign(NaiveDate),
    /// Delivered and closed.
    Complete,
    /// Called off, with the reason (through `flows::contract_cancellation`, which checks that
    /// no money has reached the contract).
    Cancel(String),
}

/// A step that concerns the contract alone. (Completing needs its orders and plan too: it
/// goes through `flows::contract_completion` only.)
#[derive(Debug, Clone)]
pub enum Progress {
    /// Signed on a day (not in the future).
    Sign(NaiveDate),
}

impl From<Progress> for Lifecycle {
    fn from(step: Progress) -> Self {
        match step {
            Progress::Sign(day) => Self::Sign(day),
        }
    }
}

/// How a lifecycle step begins: with an earlier call's result, or checked and ready to write.
#[derive(Debug)]
pub enum Begun {
    /// An earlier call with the same key did the step; the contract as it is now.
    Replayed(contract::Model),
    /// Checked, in its open transaction; [`StepInProgress::finish`] writes it.
    Fresh(StepInProgress),
}

/// A checked lifecycle step in its open transaction (dropping it rolls back).
#[derive(Debug)]
pub struct StepInProgress {
    guard: idempotency::Guard,
    current: contract::Model,
    status: ContractStatus,
    step: Lifecycle,
    reason: Option<String>,
}

/// Opens the idempotent call of a lifecycle step and checks it: the input, the viewer's right
/// (sellers who may change the contract; finance for signing and completing), the version and
/// the state machine. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`,
/// `INVALID_STATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn begin_step(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    step: Lifecycle,
    idempotency_key: Option<String>,
) -> AppResult<Begun> {
    let now = state.clock.now();
    let reason = match &step {
        Lifecycle::Cancel(reason) => Some(required_text(reason, "input.reason", 1000)?),
        Lifecycle::Sign(day) => {
            if *day > state.config.company_today(now) {
                return Err(AppError::bad_input(
                    "input.signedDate",
                    "A contract cannot be signed in the future",
                ));
            }
            None
        }
        Lifecycle::Complete => None,
    };
    let call = IdempotentCall::new(
        viewer.user_id,
        "contractLifecycle",
        idempotency_key,
        &(id, expected_version, &step),
    )?;
    let guard = match idempotency::start::<Uuid>(&state.db, &call, now).await? {
        Start::Replayed(id) => return Ok(Begun::Replayed(load(&state.db, id).await?)),
        Start::Fresh(guard) => guard,
    };
    let txn = guard.txn();
    let current = get_contract(txn, viewer, id).await?;
    match (&step, viewer.role) {
        (Lifecycle::Cancel(_), Role::Finance) => return Err(AppError::forbidden()),
        (_, Role::Finance) => {}
        _ => require_steward(txn, viewer, &current).await?,
    }
    crate::versioned::check(expected_version, current.version)?;
    let action = match &step {
        Lifecycle::Sign(_) => Action::Sign,
        Lifecycle::Complete => Action::Complete,
        Lifecycle::Cancel(_) => Action::Cancel,
    };
    let status = next_status(&current, action)?;
    Ok(Begun::Fresh(StepInProgress {
        guard,
        current,
        status,
        step,
        reason,
    }))
}

impl StepInProgress {
    pub fn txn(&self) -> &sea_orm::DatabaseTransaction {
        self.guard.txn()
    }

    /// The contract as it was before the step (locked).
    pub fn contract(&self) -> &contract::Model {
        &self.current
    }

    /// Writes the step, audits it, commits, and reads the contract back.
    pub async fn finish(self, state: &AppState, viewer: &Viewer) -> AppResult<contract::Model> {
        let now = state.clock.now();
        let Self {
            guard,
            current,
            status,
            step,
            reason,
        } = self;
        let txn = guard.txn();
        let id = current.id;
        let audit = match &step {
            Lifecycle::Sign(_) => "contract.signed",
            Lifecycle::Complete => "contract.completed",
            Lifecycle::Cancel(_) => "contract.cancelled",
        };
        let mut model = contract::ActiveModel {
            status: Set(status.as_str().to_owned()),
            ..Default::default()
        };
        if let Lifecycle::Sign(day) = &step {
            model.signed_date = Set(Some(*day));
        }
        if reason.is_some() {
            model.cancel_reason = Set(reason.clone());
        }
        write(txn, &current, model, now).await?;
        crate::audit::Entry { actor_id: Some(viewer.user_id), action: audit, subject_type: "Contract", subject_id: id, details: serde_json::json!({"from": current.status, "to": status.as_str(), "reason": reason}) }.record(txn, now)
        .await?;
        guard.commit(id).await?;
        load(&state.db, id).await
    }
}

/// Signs an approved contract, at `expected_version`. Sellers who may change it and finance
/// may. Errors: as [`begin_step`].
pub async fn advance(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    step: Progress,
    idempotency_key: Option<String>,
) -> AppResult<contract::Model> {
    let begun = begin_step(
        state,
        viewer,
        id,
        expected_version,
        step.into(),
        idempotency_key,
    )
    .await?;
    match begun {
        Begun::Replayed(contract) => Ok(contract),
        Begun::Fresh(step) => step.finish(state, viewer).await,
    }
}
