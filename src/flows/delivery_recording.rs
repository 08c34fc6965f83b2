//! Recording a delivery (orders) moves the contract's planned callbacks (aftersales) to count
//! from it, in the same transaction: after-sales calls follow the last delivery.

use crate::aftersales::model::CallbackAnchor;
use crate::aftersales::planning::{self, Anchor, Assigner};
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::orders::deliveries::{self, NewDelivery};
use crate::state::AppState;
use entity::delivery;

/// Records a delivery and plans its contract's callbacks from its day (a later delivery moves
/// them again; callbacks already made stay made). Errors: as `orders::record_delivery`.
pub async fn record(
    state: &AppState,
    viewer: &Viewer,
    new: NewDelivery,
    idempotency_key: Option<String>,
) -> AppResult<delivery::Model> {
    let now = state.clock.now();
    let today = state.config.company_today(now);
    let grace_days = state.config.callback_grace_days;
    deliveries::record_delivery(
        state,
        viewer,
        new,
        idempotency_key,
        async |txn, delivered, contract| {
            let rules = planning::active_rules(txn).await?;
            let Some((kind, day)) = planning::anchor_of(txn, contract).await? else {
                return Ok(());
            };
            if rules.is_empty() || kind != CallbackAnchor::Delivered {
                return Ok(());
            }
            debug_assert!(day >= delivered.delivered_on);
            let mut assigner = Assigner::load(txn).await?;
            let anchor = Anchor {
                kind,
                day,
                today,
                grace_days,
            };
            planning::plan(txn, contract, anchor, &rules, &mut assigner, now).await?;
            Ok(())
        },
    )
    .await
}
