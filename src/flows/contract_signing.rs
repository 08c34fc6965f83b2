//! Signing a contract (contracts) plans its after-sales callbacks (aftersales) in the same
//! transaction: a signed contract never exists without them, and a retried signing plans
//! nothing twice.

use uuid::Uuid;

use crate::aftersales::model::CallbackAnchor;
use crate::aftersales::planning::{self, Anchor, Assigner};
use crate::contracts::service::{self as contracts, Begun, Lifecycle};
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::state::AppState;
use entity::contract;

/// Records that an approved contract was signed on `day`, at `expected_version`, and plans
/// its callbacks from that day. Errors: as `contracts::begin_step`.
pub async fn sign(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    day: chrono::NaiveDate,
    idempotency_key: Option<String>,
) -> AppResult<contract::Model> {
    let begun = contracts::begin_step(
        state,
        viewer,
        id,
        expected_version,
        Lifecycle::Sign(day),
        idempotency_key,
    )
    .await?;
    let step = match begun {
        Begun::Replayed(contract) => return Ok(contract),
        Begun::Fresh(step) => step,
    };
    let now = state.clock.now();
    let txn = step.txn();
    let rules = planning::active_rules(txn).await?;
    if !rules.is_empty() {
        let mut assigner = Assigner::load(txn).await?;
        let anchor = Anchor {
            kind: CallbackAnchor::Signed,
            day,
            today: state.config.company_today(now),
            grace_days: state.config.callback_grace_days,
        };
        planning::plan(txn, step.contract(), anchor, &rules, &mut assigner, now).await?;
    }
    step.finish(state, viewer).await
}
