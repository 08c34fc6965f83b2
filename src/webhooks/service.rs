//! Registering, changing and removing webhook endpoints (admins only). The signing secret is
//! given once, when made or rotated; lists never show it.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::address::check_url;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::optional_text;
use crate::outbox::WebhookEventType;
use crate::state::AppState;
use crate::versioned;
use entity::webhook::{self, Entity as Webhooks};
use entity::{webhook_attempt, webhook_delivery, webhook_event_type};

/// Most endpoints a deployment registers.
pub const MAX_WEBHOOKS: u64 = 50;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 500;

crate::string_enum! {
    /// Whether an endpoint receives events.
    WebhookStatus {
        /// Receives the events it subscribes to.
        Active => "ACTIVE",
        /// Receives nothing (an admin disabled it, or it failed for too long).
        Disabled => "DISABLED",
    }
}

fn require_admin(viewer: &Viewer) -> AppResult<()> {
    if viewer.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The event types, without repeats, in their declared order. Errors: `BAD_USER_INPUT`.
fn check_types(types: &[WebhookEventType], field: &str) -> AppResult<Vec<WebhookEventType>> {
    let chosen: Vec<WebhookEventType> = WebhookEventType::ALL
        .into_iter()
        .filter(|kind| types.contains(kind))
        .collect();
    if chosen.is_empty() {
        return Err(AppError::bad_input(
            field,
            "Subscribe to at least one event type",
        ));
    }
    Ok(chosen)
}

async fn write_types(
    db: &impl ConnectionTrait,
    id: Uuid,
    types: &[WebhookEventType],
) -> AppResult<()> {
    webhook_event_type::Entity::delete_many()
        .filter(webhook_event_type::Column::WebhookId.eq(id))
        .exec(db)
        .await?;
    webhook_event_type::Entity::insert_many(types.iter().map(|kind| {
        webhook_event_type::ActiveModel {
            webhook_id: Set(id),
            event_type: Set(kind.as_str().to_owned()),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// An endpoint to register.
#[derive(Debug, Clone, Serialize)]
pub struct NewWebhook {
    pub url: String,
    pub event_types: Vec<WebhookEventType>,
    pub description: Option<String>,
    pub service_account_id: Option<Uuid>,
}

/// Checks that the service account a webhook runs as exists. Errors: `NOT_FOUND` on
/// `input.serviceAccountId`.
async fn check_account(db: &impl ConnectionTrait, account: Option<Uuid>) -> AppResult<()> {
    if let Some(account) = account {
        crate::service_accounts::service::get(db, account)
            .await
            .map_err(|e| e.naming("input.serviceAccountId"))?;
    }
    Ok(())
}

/// Registers an endpoint; it and its secret (shown this once, and again only to a retry with
/// the same idempotency key). Errors: `FORBIDDEN`, `BAD_USER_INPUT`, `INVALID_STATE` (too many
/// endpoints), `IDEMPOTENCY_KEY_REUSED`.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    new: NewWebhook,
    idempotency_key: Option<String>,
) -> AppResult<webhook::Model> {
    require_admin(viewer)?;
    let call = IdempotentCall::new(viewer.user_id, "createWebhook", idempotency_key, &new)?;
    let url = check_url(&new.url, &state.config.webhooks, "input.url")?;
    let types = check_types(&new.event_types, "input.eventTypes")?;
    let description = optional_text(
        new.description.as_deref(),
        "input.description",
        MAX_DESCRIPTION,
    )?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        check_account(txn, new.service_account_id).await?;
        if Webhooks::find().count(txn).await? >= MAX_WEBHOOKS {
            return Err(AppError::invalid_state(format!(
                "A deployment registers at most {MAX_WEBHOOKS} webhooks; delete one first"
            )));
        }
        let created = webhook::ActiveModel {
            id: Set(Uuid::now_v7()),
            url: Set(url.to_string()),
            description: Set(description.clone()),
            secret: Set(super::signing::new_secret()),
            previous_secret: Set(None),
            previous_secret_until: Set(None),
            status: Set(WebhookStatus::Active.as_str().to_owned()),
            disabled_reason: Set(None),
            failing_since: Set(None),
            service_account_id: Set(new.service_account_id),
            created_by: Set(viewer.user_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        write_types(txn, created.id, &types).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "webhook.created",
            subject_type: "Webhook",
            subject_id: created.id,
            details: serde_json::json!({"url": created.url,
                "eventTypes": types.iter().map(|t| t.as_str()).collect::<Vec<_>>()}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    get(&state.db, id).await
}

/// What an update changes; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<WebhookEventType>>,
    pub description: Option<Option<String>>,
    /// `Some(true)` enables it again (failures forgotten), `Some(false)` disables it.
    pub enabled: Option<bool>,
    /// `Some(None)` sends every event again.
    pub service_account_id: Option<Option<Uuid>>,
}

/// Changes an endpoint at `expected_version`. Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`, `CONFLICT`.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: WebhookChanges,
) -> AppResult<webhook::Model> {
    require_admin(viewer)?;
    let config = &state.config.webhooks;
    let url = changes
        .url
        .as_deref()
        .map(|url| check_url(url, config, "input.url"))
        .transpose()?;
    let types = changes
        .event_types
        .as_deref()
        .map(|types| check_types(types, "input.eventTypes"))
        .transpose()?;
    let description = changes
        .description
        .map(|text| optional_text(text.as_deref(), "input.description", MAX_DESCRIPTION))
        .transpose()?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get(&txn, id).await.map_err(|e| e.naming("input.id"))?;
    versioned::check(expected_version, current.version)?;
    let mut model = webhook::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    if let Some(url) = url {
        changed.insert("url".into(), url.as_str().into());
        model.url = Set(url.to_string());
    }
    if let Some(description) = description {
        changed.insert("description".into(), description.clone().into());
        model.description = Set(description);
    }
    if let Some(account) = changes.service_account_id {
        check_account(&txn, account).await?;
        changed.insert("serviceAccountId".into(), serde_json::json!(account));
        model.service_account_id = Set(account);
    }
    if let Some(enabled) = changes.enabled {
        changed.insert("enabled".into(), enabled.into());
        if enabled {
            model.status = Set(WebhookStatus::Active.as_str().to_owned());
            model.disabled_reason = Set(None);
            model.failing_since = Set(None);
        } else if current.status == WebhookStatus::Active.as_str() {
            model.status = Set(WebhookStatus::Disabled.as_str().to_owned());
            model.disabled_reason = Set(Some("Disabled by an admin".to_owned()));
        }
    }
    if let Some(types) = &types {
        write_types(&txn, id, types).await?;
        changed.insert(
            "eventTypes".into(),
            types.iter().map(|t| t.as_str()).collect::<Vec<_>>().into(),
        );
    }
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "webhook.updated",
        subject_type: "Webhook",
        subject_id: id,
        details: changed.into(),
    };
    let target = versioned::Target::new(id, expected_version, current.version);
    let saved = versioned::save::<Webhooks>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Gives an endpoint a new secret, shown this once; the old one keeps signing beside it for
/// the configured overlap, so receivers can switch without losing events. Errors:
/// `FORBIDDEN`, `NOT_FOUND`, `CONFLICT`.
pub async fn rotate_secret(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
) -> AppResult<webhook::Model> {
    require_admin(viewer)?;
    let now = state.clock.now();
    let overlap = chrono::Duration::seconds(
        i64::try_from(state.config.webhooks.webhook_secret_overlap_secs).unwrap_or(i64::MAX / 1000),
    );
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get(&txn, id).await.map_err(|e| e.naming("input.id"))?;
    versioned::check(expected_version, current.version)?;
    let model = webhook::ActiveModel {
        id: Set(id),
        secret: Set(super::signing::new_secret()),
        previous_secret: Set(Some(current.secret.clone())),
        previous_secret_until: Set(now.checked_add_signed(overlap)),
        ..Default::default()
    };
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "webhook.secret_rotated",
        subject_type: "Webhook",
        subject_id: id,
        details: serde_json::json!({"overlapSeconds": overlap.num_seconds()}),
    };
    let target = versioned::Target::new(id, expected_version, current.version);
    let saved = versioned::save::<Webhooks>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Removes an endpoint with its deliveries and their attempts; events already sent stay sent.
/// Errors: `FORBIDDEN`, `NOT_FOUND`.
pub async fn delete(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<()> {
    require_admin(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get(&txn, id).await.map_err(|e| e.naming("input.id"))?;
    let deliveries = sea_orm::sea_query::Query::select()
        .column(webhook_delivery::Column::Id)
        .from(webhook_delivery::Entity)
        .and_where(Expr::col(webhook_delivery::Column::WebhookId).eq(id))
        .to_owned();
    webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::DeliveryId.in_subquery(deliveries))
        .exec(&txn)
        .await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(id))
        .exec(&txn)
        .await?;
    webhook_event_type::Entity::delete_many()
        .filter(webhook_event_type::Column::WebhookId.eq(id))
        .exec(&txn)
        .await?;
    Webhooks::delete_by_id(id).exec(&txn).await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "webhook.deleted",
        subject_type: "Webhook",
        subject_id: id,
        details: serde_json::json!({"url": current.url}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// An endpoint by id. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<webhook::Model> {
    Webhooks::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Webhook"))
}

/// Every endpoint, oldest first (there are at most [`MAX_WEBHOOKS`]).
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<webhook::Model>> {
    Ok(Webhooks::find()
        .order_by_asc(webhook::Column::Id)
        .all(db)
        .await?)
}

/// The event types of each endpoint in `ids`, in declared order.
pub async fn types_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<WebhookEventType>>> {
    let rows = webhook_event_type::Entity::find()
        .filter(webhook_event_type::Column::WebhookId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut found: std::collections::HashMap<Uuid, Vec<WebhookEventType>> = Default::default();
    for row in rows {
        if let Some(kind) = WebhookEventType::parse(&row.event_type) {
            found.entry(row.webhook_id).or_default().push(kind);
        }
    }
    for kinds in found.values_mut() {
        kinds.sort_by_key(|kind| WebhookEventType::ALL.iter().position(|k| k == kind));
    }
    Ok(found)
}

/// Marks the endpoint failing from `at` unless it already is (a success clears it).
pub(super) async fn mark_failing(
    db: &impl ConnectionTrait,
    id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    Webhooks::update_many()
        .col_expr(webhook::Column::FailingSince, Expr::value(at))
        .filter(webhook::Column::Id.eq(id))
        .filter(webhook::Column::FailingSince.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets an endpoint's failures after a success.
pub(super) async fn mark_healthy(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    Webhooks::update_many()
        .col_expr(
            webhook::Column::FailingSince,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(webhook::Column::Id.eq(id))
        .filter(webhook::Column::FailingSince.is_not_null())
        .exec(db)
        .await?;
    Ok(())
}
