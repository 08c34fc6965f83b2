//! Reading a lead the viewer may work on, and recording what happens to it (its events, the notice
//! to a new owner); shared by the lead services.

use super::model::{LeadEventKind, LeadStatus};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::policy;
use chrono::{DateTime, Utc};
use entity::lead::{self, Entity as Leads};
use entity::{lead_event, notification};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// Appends a lead event.
#[allow(clippy::too_many_arguments)] // one argument per column of the event row
pub(crate) async fn write_event(
    db: &impl ConnectionTrait,
    lead_id: Uuid,
    kind: LeadEventKind,
    actor: Option<Uuid>,
    from_owner: Option<Uuid>,
    to_owner: Option<Uuid>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    lead_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        lead_id: Set(lead_id),
        kind: Set(kind.as_str().to_owned()),
        actor_id: Set(actor),
        from_owner_id: Set(from_owner),
        to_owner_id: Set(to_owner),
        reason: Set(reason),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    if from_owner != to_owner {
        // Whoever saw the lead through its former owner (or the pool) may not any more.
        crate::sync::link_ended(db, crate::sync::Kind::Lead, lead_id, from_owner, now).await?;
    }
    Ok(())
}

/// Writes "a lead was assigned to you" for `owner` unless they assigned it themselves.
pub(crate) async fn notify_assigned(
    db: &impl ConnectionTrait,
    model: &lead::Model,
    actor: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<notification::Model>> {
    let Some(owner) = model.owner_id.filter(|owner| *owner != actor) else {
        return Ok(None);
    };
    let written = notifications::notify(
        db,
        NewNotification {
            user_id: owner,
            kind: "LEAD_ASSIGNED",
            title: format!("New lead: {}", model.name),
            body: format!(
                "{}{} was assigned to you.",
                model.name,
                model
                    .company
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            ),
            subject_type: Some("Lead"),
            subject_id: Some(model.id),
        },
        now,
    )
    .await?;
    Ok(Some(written))
}

/// A lead the viewer may work: owned within scope and still open. Errors: `FORBIDDEN`,
/// `NOT_FOUND`, `INVALID_STATE` (pool, converted, disqualified).
pub(crate) async fn lead_for_work(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<lead::Model> {
    let model = get_lead(db, viewer, id).await?;
    if model.in_pool {
        return Err(AppError::invalid_state(
            "The lead is in the pool: claim it first",
        ));
    }
    if !LeadStatus::OPEN_STORED.contains(&model.status.as_str()) {
        return Err(AppError::invalid_state(format!(
            "A {} lead is read-only",
            model.status.to_lowercase()
        )));
    }
    Ok(model)
}

/// A lead the viewer may read (owned within scope, or in the pool). Errors: `FORBIDDEN`
/// (finance), `NOT_FOUND`.
pub async fn get_lead(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<lead::Model> {
    if !viewer.role.sells() {
        return Err(AppError::forbidden());
    }
    Leads::find_by_id(id)
        .filter(policy::leads(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Lead"))
}
