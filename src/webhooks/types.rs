//! GraphQL shapes of webhooks, their deliveries and attempts.

use async_graphql::{ComplexObject, Context, ID, InputObject, MaybeUndefined, SimpleObject};

pub use super::delivery::DeliveryStatus;
pub use super::service::WebhookStatus;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
pub use crate::outbox::WebhookEventType;
use crate::users::types::User;
use entity::{webhook, webhook_attempt, webhook_delivery};

/// An endpoint outside Salesgraph that receives signed events (admins only).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Webhook {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Where events are POSTed.
    pub url: String,
    /// What it is for.
    pub description: Option<String>,
    /// Whether it receives events.
    pub status: WebhookStatus,
    /// Why it is disabled, when it is.
    pub disabled_reason: Option<String>,
    /// Since when every attempt to it failed; `null` after a success.
    pub failing_since: Option<Instant>,
    /// Until when the secret before the last rotation still signs beside the new one.
    pub previous_secret_expires_at: Option<Instant>,
    /// When it was registered.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub uuid: uuid::Uuid,
    #[graphql(skip)]
    pub created_by: uuid::Uuid,
    #[graphql(skip)]
    pub service_account_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl Webhook {
    /// The service account whose visibility filters the events it receives: events about
    /// records the account may not see are not sent. `null`: every event subscribed to.
    async fn service_account(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::service_accounts::types::ServiceAccount>> {
        let Some(account) = self.service_account_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<crate::service_accounts::loaders::AccountLoader>()?;
        Ok(loader.load_one(account).await?.map(Into::into))
    }

    /// The event types it receives.
    async fn event_types(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookEventType>> {
        let loader = ctx.loader::<super::loaders::TypesByWebhook>()?;
        Ok(loader.load_one(self.uuid).await?.unwrap_or_default())
    }

    /// The admin who registered it.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.created_by).await
    }
}

impl From<webhook::Model> for Webhook {
    fn from(model: webhook::Model) -> Self {
        Self {
            id: encode_id(NodeType::Webhook, model.id),
            url: model.url,
            description: model.description,
            status: WebhookStatus::parse(&model.status).unwrap_or(WebhookStatus::Disabled),
            disabled_reason: model.disabled_reason,
            failing_since: model.failing_since.map(Instant),
            previous_secret_expires_at: model
                .previous_secret
                .and(model.previous_secret_until)
                .map(Instant),
            created_at: Instant(model.created_at),
            updated_at: Instant(model.updated_at),
            version: model.version,
            uuid: model.id,
            created_by: model.created_by,
            service_account_id: model.service_account_id,
        }
    }
}

/// One event sent to one endpoint, tried until it succeeded or its retries ran out.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct WebhookDelivery {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// The event's id: the `webhook-id` header every try of it carries, the same for every
    /// endpoint and redelivery, so receivers can drop repeats.
    pub event_id: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Tries made so far.
    pub attempt_count: i32,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<Instant>,
    /// The last try's HTTP status, when the endpoint answered.
    pub last_status_code: Option<i32>,
    /// How long the last try took, in milliseconds.
    pub last_latency_ms: Option<i32>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// When it was made.
    pub created_at: Instant,
    /// When it succeeded or finally failed.
    pub finished_at: Option<Instant>,
    #[graphql(skip)]
    pub uuid: uuid::Uuid,
    #[graphql(skip)]
    pub webhook_id: uuid::Uuid,
    #[graphql(skip)]
    pub event_uuid: uuid::Uuid,
}

#[ComplexObject]
impl WebhookDelivery {
    /// The endpoint.
    async fn webhook(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Webhook>> {
        let loader = ctx.loader::<super::loaders::WebhookLoader>()?;
        Ok(loader.load_one(self.webhook_id).await?.map(Webhook::from))
    }

    /// What happened.
    async fn event_type(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<WebhookEventType>> {
        let loader = ctx.loader::<super::loaders::EventLoader>()?;
        Ok(loader
            .load_one(self.event_uuid)
            .await?
            .and_then(|e| WebhookEventType::parse(&e.event_type)))
    }

    /// The JSON body sent (`type`, `timestamp`, `data`).
    async fn payload(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let loader = ctx.loader::<super::loaders::EventLoader>()?;
        Ok(loader
            .load_one(self.event_uuid)
            .await?
            .map(|e| super::courier::body(&e)))
    }

    /// Every try, oldest first (the last 50).
    async fn attempts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookAttempt>> {
        let loader = ctx.loader::<super::loaders::AttemptsByDelivery>()?;
        Ok(loader
            .load_one(self.uuid)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(WebhookAttempt::from)
            .collect())
    }
}

impl From<webhook_delivery::Model> for WebhookDelivery {
    fn from(model: webhook_delivery::Model) -> Self {
        let pending = model.status == DeliveryStatus::Pending.as_str();
        Self {
            id: encode_id(NodeType::WebhookDelivery, model.id),
            event_id: model.event_id.to_string(),
            status: DeliveryStatus::parse(&model.status).unwrap_or(DeliveryStatus::Failed),
            attempt_count: model.attempts,
            next_attempt_at: pending.then_some(Instant(model.next_attempt_at)),
            last_status_code: model.last_status_code,
            last_latency_ms: model.last_latency_ms,
            last_error: model.last_error,
            created_at: Instant(model.created_at),
            finished_at: model.finished_at.map(Instant),
            uuid: model.id,
            webhook_id: model.webhook_id,
            event_uuid: model.event_id,
        }
    }
}

crate::connection_types!(
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookDelivery
);

/// One HTTP request of a delivery.
#[derive(SimpleObject, Clone, Debug)]
pub struct WebhookAttempt {
    /// When it was sent.
    pub attempted_at: Instant,
    /// The endpoint's HTTP status; `null` when no answer came (timeout, refused connection).
    pub status_code: Option<i32>,
    /// How long it took, in milliseconds.
    pub latency_ms: i32,
    /// Why it failed; `null` for a success.
    pub error: Option<String>,
}

impl From<webhook_attempt::Model> for WebhookAttempt {
    fn from(model: webhook_attempt::Model) -> Self {
        Self {
            attempted_at: Instant(model.attempted_at),
            status_code: model.status_code,
            latency_ms: model.latency_ms,
            error: model.error,
        }
    }
}

/// An endpoint to register.
#[derive(InputObject, Debug)]
pub struct CreateWebhookInput {
    /// Where to POST events: `https://`, reaching a public address.
    pub url: String,
    /// The event types to receive (at least one).
    pub event_types: Vec<WebhookEventType>,
    /// What it is for (up to 500 characters).
    pub description: Option<String>,
    /// The service account whose visibility filters the events sent (events about records it
    /// may not see are not sent); omitted, every event subscribed to is sent.
    pub service_account_id: Option<ID>,
    /// Makes retries safe: the same key returns the first call's result.
    pub idempotency_key: Option<String>,
}

/// A registered endpoint and its secret.
#[derive(SimpleObject, Debug)]
pub struct WebhookSecretPayload {
    /// The endpoint.
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`): shown now and never again; keep it with the receiver.
    pub secret: String,
}

/// Changes to an endpoint; omitted fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateWebhookInput {
    /// The endpoint.
    pub id: ID,
    /// The version you last saw.
    pub expected_version: i32,
    /// A new URL.
    pub url: Option<String>,
    /// The event types to receive from now on (at least one).
    pub event_types: Option<Vec<WebhookEventType>>,
    /// A new description; `null` clears it.
    pub description: MaybeUndefined<String>,
    /// `false` stops deliveries; `true` resumes them, failures forgotten, pending deliveries
    /// sent.
    pub enabled: Option<bool>,
    /// The service account whose visibility filters the events from now on; `null` sends
    /// every event subscribed to.
    pub service_account_id: MaybeUndefined<ID>,
}

/// The endpoint after a change.
#[derive(SimpleObject, Debug)]
pub struct UpdateWebhookPayload {
    /// The endpoint as it is now.
    pub webhook: Webhook,
}

/// Which endpoint gets a new secret.
#[derive(InputObject, Debug)]
pub struct RotateWebhookSecretInput {
    /// The endpoint.
    pub id: ID,
    /// The version you last saw.
    pub expected_version: i32,
}

/// Filters of `webhookDeliveries`; every given one must match.
#[derive(InputObject, Debug, Default)]
pub struct WebhookDeliveryFilter {
    /// Deliveries to this endpoint.
    pub webhook_id: Option<ID>,
    /// Deliveries in this state.
    pub status: Option<DeliveryStatus>,
    /// Deliveries of events of this type.
    pub event_type: Option<WebhookEventType>,
    /// Deliveries of this event (its `webhook-id`).
    pub event_id: Option<String>,
    /// Made at or after.
    pub from: Option<Instant>,
    /// Made before.
    pub to: Option<Instant>,
}

/// The delivery that will carry the event again.
#[derive(SimpleObject, Debug)]
pub struct RedeliverWebhookPayload {
    /// The new delivery, or the pending one brought forward.
    pub delivery: WebhookDelivery,
}

/// Which endpoint to remove.
#[derive(InputObject, Debug)]
pub struct DeleteWebhookInput {
    /// The endpoint.
    pub id: ID,
}

/// Which delivery to send again.
#[derive(InputObject, Debug)]
pub struct RedeliverWebhookInput {
    /// The delivered, failed or pending delivery.
    pub delivery_id: ID,
}

/// What was removed.
#[derive(SimpleObject, Debug)]
pub struct DeleteWebhookPayload {
    /// The id of the removed endpoint.
    pub deleted_id: ID,
}
