//! The audit log: who changed what, written in the same transaction as the change.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use crate::error::AppResult;

/// One audit entry: who did what to which record. `details` holds the changed fields (never
/// secrets).
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The user who acted; `None` for the system (sweeps, start-up).
    pub actor_id: Option<Uuid>,
    /// What happened, as `subject.verb` (e.g. `contract.signed`).
    pub action: &'a str,
    /// The GraphQL type of the record (e.g. `Contract`).
    pub subject_type: &'a str,
    pub subject_id: Uuid,
    pub details: serde_json::Value,
}

impl Entry<'_> {
    /// Appends the entry, in the transaction of the change it records.
    /// Changes a webhook may subscribe to also go into the webhook outbox here.
    pub async fn record(self, db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<()> {
        crate::outbox::record(
            db,
            crate::outbox::Change {
                action: self.action,
                subject_type: self.subject_type,
                subject_id: self.subject_id,
                actor_id: self.actor_id,
                details: &self.details,
            },
            now,
        )
        .await?;
        entity::audit_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            actor_id: Set(self.actor_id),
            action: Set(self.action.to_owned()),
            subject_type: Set(self.subject_type.to_owned()),
            subject_id: Set(self.subject_id),
            details: Set(self.details.to_string()),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        Ok(())
    }
}

/// Appends many entries at once (an import's rows): the log in one statement per few hundred
/// entries, and into the outbox only the entries whose actions an active endpoint subscribes
/// to (asked once per action).
pub async fn record_all(
    db: &impl ConnectionTrait,
    entries: &[Entry<'_>],
    now: DateTime<Utc>,
) -> AppResult<()> {
    use sea_orm::EntityTrait;
    let mut subscribed: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    for entry in entries {
        let wanted = match subscribed.get(entry.action) {
            Some(wanted) => *wanted,
            None => {
                let wanted = crate::outbox::subscribed(db, entry.action, &entry.details).await?;
                subscribed.insert(entry.action, wanted);
                wanted
            }
        };
        if wanted {
            crate::outbox::record(
                db,
                crate::outbox::Change {
                    action: entry.action,
                    subject_type: entry.subject_type,
                    subject_id: entry.subject_id,
                    actor_id: entry.actor_id,
                    details: &entry.details,
                },
                now,
            )
            .await?;
        }
    }
    // Seven values a row: well under either database's limit of bound values.
    for part in entries.chunks(1_000) {
        entity::audit_log::Entity::insert_many(part.iter().map(|entry| {
            entity::audit_log::ActiveModel {
                id: Set(Uuid::now_v7()),
                actor_id: Set(entry.actor_id),
                action: Set(entry.action.to_owned()),
                subject_type: Set(entry.subject_type.to_owned()),
                subject_id: Set(entry.subject_id),
                details: Set(entry.details.to_string()),
                created_at: Set(now),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}
