//! The quote settings an admin keeps: the total discount beyond which a quote needs approval
//! whatever its lines allow (a settings row; 10% until changed).

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;

const THRESHOLD_KEY: &str = "quotes.max_total_discount_bp";
/// The total discount a quote gets without approval until an admin says otherwise (10%).
pub const DEFAULT_TOTAL_THRESHOLD_BP: i32 = 1_000;

/// The total discount (basis points) a quote gets without approval.
pub async fn total_threshold(db: &impl ConnectionTrait) -> AppResult<i32> {
    let stored = entity::setting::Entity::find_by_id(THRESHOLD_KEY)
        .one(db)
        .await?;
    Ok(stored
        .and_then(|s| s.value.parse().ok())
        .unwrap_or(DEFAULT_TOTAL_THRESHOLD_BP))
}

/// Sets the total discount a quote gets without approval (admin; 0–100%). Quotes already
/// submitted keep the decision made then. Errors: `FORBIDDEN`, `BAD_USER_INPUT`.
pub async fn set_total_threshold(state: &AppState, viewer: &Viewer, bp: i32) -> AppResult<i32> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    if !(0..=10_000).contains(&bp) {
        return Err(AppError::bad_input(
            "input.maxTotalDiscountPercent",
            "A discount is between 0 and 100 percent",
        ));
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    entity::setting::Entity::delete_by_id(THRESHOLD_KEY)
        .exec(&txn)
        .await?;
    entity::setting::ActiveModel {
        key: Set(THRESHOLD_KEY.to_owned()),
        value: Set(bp.to_string()),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "quote.settings_updated",
        subject_type: "Setting",
        subject_id: uuid::Uuid::nil(),
        details: serde_json::json!({"maxTotalDiscountBasisPoints": bp}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(bp)
}
