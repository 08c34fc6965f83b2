//! What was sent where: deliveries and their attempts, and sending one again (admins only).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::delivery::DeliveryStatus;
use super::service::WebhookStatus;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::outbox::WebhookEventType;
use crate::pagination::{self, Page, PageRequest, SortKey};
use crate::state::AppState;
use entity::{webhook_attempt, webhook_delivery, webhook_event};

/// Most attempts listed per delivery (a schedule holds at most 31 tries, redeliveries apart).
pub const MAX_ATTEMPTS_LISTED: usize = 50;

/// Filters of the delivery list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub webhook_id: Option<Uuid>,
    pub status: Option<DeliveryStatus>,
    pub event_type: Option<WebhookEventType>,
    pub event_id: Option<Uuid>,
    /// Made at or after.
    pub from: Option<DateTime<Utc>>,
    /// Made before.
    pub to: Option<DateTime<Utc>>,
}

/// Deliveries matching `filter`, newest first. Errors: `FORBIDDEN`, `BAD_USER_INPUT` (paging).
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: DeliveryFilter,
    page: &PageRequest,
) -> AppResult<Page<webhook_delivery::Model>> {
    use webhook_delivery::Column;
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    let mut condition = Condition::all();
    if let Some(id) = filter.webhook_id {
        condition = condition.add(Column::WebhookId.eq(id));
    }
    if let Some(status) = filter.status {
        condition = condition.add(Column::Status.eq(status.as_str()));
    }
    if let Some(id) = filter.event_id {
        condition = condition.add(Column::EventId.eq(id));
    }
    if let Some(kind) = filter.event_type {
        let of_type = sea_orm::sea_query::Query::select()
            .column(webhook_event::Column::Id)
            .from(webhook_event::Entity)
            .and_where(webhook_event::Column::EventType.eq(kind.as_str()))
            .to_owned();
        condition = condition.add(Column::EventId.in_subquery(of_type));
    }
    if let Some(from) = filter.from {
        condition = condition.add(Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(Column::CreatedAt.lt(to));
    }
    pagination::fetch_sorted(
        db,
        webhook_delivery::Entity::find().filter(condition),
        Column::Id,
        SortKey::Id,
        true,
        page,
        |_| pagination::SortValue::Int(0),
        |d: &webhook_delivery::Model| d.id,
    )
    .await
}

/// The events of `ids`.
pub async fn events_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<webhook_event::Model>> {
    Ok(webhook_event::Entity::find()
        .filter(webhook_event::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// The attempts of the deliveries `ids`, oldest first.
pub async fn attempts_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<webhook_attempt::Model>> {
    Ok(webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(ids.iter().copied()))
        .order_by_asc(webhook_attempt::Column::Id)
        .all(db)
        .await?)
}

/// A delivery by id. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<webhook_delivery::Model> {
    webhook_delivery::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Webhook delivery"))
}

/// Sends a delivery's event to its endpoint again, as a new delivery due now with the same
/// `webhook-id` (receivers that saw it already ignore it); a delivery still being retried is
/// tried now instead. Errors: `FORBIDDEN`, `NOT_FOUND`, `INVALID_STATE` (the endpoint is
/// disabled).
pub async fn redeliver(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<webhook_delivery::Model> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let original = get(&txn, id)
        .await
        .map_err(|e| e.naming("input.deliveryId"))?;
    let endpoint = super::service::get(&txn, original.webhook_id).await?;
    if endpoint.status != WebhookStatus::Active.as_str() {
        return Err(AppError::invalid_state(
            "The webhook is disabled; enable it before sending again",
        )
        .with_field("input.deliveryId"));
    }
    if original.status == DeliveryStatus::Pending.as_str() {
        // Still being tried: its next try is now, rather than a second delivery beside it.
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(webhook_delivery::Column::Id.eq(id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        return get(&state.db, id).await;
    }
    let created = webhook_delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        webhook_id: Set(original.webhook_id),
        event_id: Set(original.event_id),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_status_code: Set(None),
        last_latency_ms: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    }
    .insert(&txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "webhook.redelivered",
        subject_type: "Webhook",
        subject_id: original.webhook_id,
        details: serde_json::json!({"eventId": original.event_id, "from": original.id}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Deletes what retention no longer keeps: finished deliveries (and their attempts) and
/// dispatched events with no delivery left, all older than `cutoff`; how many rows.
pub async fn prune(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> AppResult<u64> {
    let finished = sea_orm::sea_query::Query::select()
        .column(webhook_delivery::Column::Id)
        .from(webhook_delivery::Entity)
        .and_where(webhook_delivery::Column::FinishedAt.lt(cutoff))
        .to_owned();
    let attempts = webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::DeliveryId.in_subquery(finished))
        .exec(db)
        .await?
        .rows_affected;
    let deliveries = webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::FinishedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected;
    let still_delivered = sea_orm::sea_query::Query::select()
        .column(webhook_delivery::Column::EventId)
        .from(webhook_delivery::Entity)
        .to_owned();
    let events = webhook_event::Entity::delete_many()
        .filter(webhook_event::Column::Dispatched.eq(true))
        .filter(webhook_event::Column::OccurredAt.lt(cutoff))
        .filter(webhook_event::Column::Id.not_in_subquery(still_delivered))
        .exec(db)
        .await?
        .rows_affected;
    Ok(attempts + deliveries + events)
}
