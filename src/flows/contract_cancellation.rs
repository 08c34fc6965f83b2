//! Contract cancellation: a draft, rejected or approved contract is called off (contracts),
//! unless money has reached it (billing). Billing's customer lock is taken before the contract
//! row is written, so a payment allocated at the same moment either lands first (and the
//! cancellation is refused) or waits and finds the contract cancelled.

use uuid::Uuid;

use crate::contracts::service::{self as contracts, Begun, Lifecycle};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::contract;

/// Calls a contract off at `expected_version`, with a reason. Sellers who may change it may;
/// finance may not. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`,
/// `INVALID_STATE` (pending, signed or closed, or money has reached it),
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn cancel(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    reason: String,
    idempotency_key: Option<String>,
) -> AppResult<contract::Model> {
    let begun = contracts::begin_step(
        state,
        viewer,
        id,
        expected_version,
        Lifecycle::Cancel(reason),
        idempotency_key,
    )
    .await?;
    let step = match begun {
        Begun::Replayed(contract) => return Ok(contract),
        Begun::Fresh(step) => step,
    };
    let contract = step.contract();
    if crate::billing::plans::hold_contract_money(step.txn(), contract.customer_id, contract.id)
        .await?
    {
        return Err(AppError::invalid_state(
            "Money has reached this contract; reverse its payments first",
        ));
    }
    step.finish(state, viewer).await
}
