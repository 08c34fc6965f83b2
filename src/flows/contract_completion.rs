//! Contract completion: a signed contract is closed (contracts) once every active order is
//! delivered (orders) and its collection plan is settled (billing). The customer's money lock
//! is taken before the contract row is written, so a payment reversal racing the completion
//! either lands first (and completion is refused) or waits and finds the contract completed.

use uuid::Uuid;

use crate::contracts::service::{self as contracts, Begun, Lifecycle};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::contract;

/// Completes a signed contract at `expected_version`. Sellers who may change it and finance
/// may. Errors: as `contracts::begin_step`, and `INVALID_STATE` saying what is missing: orders
/// still to deliver, money still owed on its plan.
pub async fn complete(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    idempotency_key: Option<String>,
) -> AppResult<contract::Model> {
    let begun = contracts::begin_step(
        state,
        viewer,
        id,
        expected_version,
        Lifecycle::Complete,
        idempotency_key,
    )
    .await?;
    let step = match begun {
        Begun::Replayed(contract) => return Ok(contract),
        Begun::Fresh(step) => step,
    };
    let contract = step.contract();
    let txn = step.txn();
    crate::contracts::amendments::require_unlocked(txn, contract.id).await?;
    crate::billing::ledger::lock_customer(txn, contract.customer_id).await?;
    let mut missing = Vec::new();
    let undelivered = crate::orders::service::undelivered_orders(txn, contract.id).await?;
    if undelivered > 0 {
        missing.push(format!("{undelivered} order(s) still to deliver"));
    }
    let owed: i64 = crate::billing::plans::installments_of(txn, &[contract.id])
        .await?
        .iter()
        .map(crate::billing::ledger::outstanding)
        .sum();
    if owed > 0 {
        missing.push(format!(
            "{} still owed on its collection plan",
            crate::money::Money::from_minor(owed).to_decimal()
        ));
    }
    if !missing.is_empty() {
        return Err(AppError::invalid_state(format!(
            "The contract cannot be completed yet: {}",
            missing.join("; ")
        )));
    }
    step.finish(state, viewer).await
}
