//! Storage of the customer health rules: a settings row, the defaults until an admin changes
//! them.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use super::rules::HealthRules;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;

const RULES_KEY: &str = "customer_health_rules";

/// The health rules in force.
pub async fn rules(db: &impl ConnectionTrait) -> AppResult<HealthRules> {
    let stored = entity::setting::Entity::find_by_id(RULES_KEY)
        .one(db)
        .await?;
    Ok(stored
        .and_then(|s| serde_json::from_str(&s.value).ok())
        .unwrap_or_default())
}

/// Replaces the health rules (admins). Health is computed on read, so every customer's health
/// follows at once; stored grades follow at the next grade sweep. Errors: `FORBIDDEN`,
/// `BAD_USER_INPUT` (naming the offending field).
pub async fn update_rules(
    state: &AppState,
    viewer: &Viewer,
    rules: HealthRules,
) -> AppResult<HealthRules> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    rules
        .validate()
        .map_err(|(field, message)| AppError::bad_input(field, message))?;
    let now = state.clock.now();
    let value = serde_json::to_string(&rules).map_err(|_| AppError::internal())?;
    let txn = crate::db::begin_write(&state.db).await?;
    entity::setting::Entity::delete_by_id(RULES_KEY)
        .exec(&txn)
        .await?;
    entity::setting::ActiveModel {
        key: Set(RULES_KEY.to_owned()),
        value: Set(value.clone()),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "customer_health_rules.updated",
        subject_type: "Setting",
        subject_id: Uuid::nil(),
        details: serde_json::json!({"rules": value}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(rules)
}
