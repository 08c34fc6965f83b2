//! The audit log: who changed what, written in the same transaction as the change.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use crate::error::AppResult;

/// Appends one audit entry. `details` holds the changed fields (never secrets).
pub async fn record(
    db: &impl ConnectionTrait,
    actor_id: Option<Uuid>,
    action: &str,
    subject_type: &str,
    subject_id: Uuid,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    entity::audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(actor_id),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        details: Set(details.to_string()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}
