//! Resolvers of webhooks: admins register endpoints, read deliveries and send again.

use async_graphql::{Context, Object};

use super::deliveries::{self, DeliveryFilter};
use super::service::{self, NewWebhook, WebhookChanges};
use super::types::{
    CreateWebhookInput, DeleteWebhookInput, DeleteWebhookPayload, RedeliverWebhookInput,
    RedeliverWebhookPayload, RotateWebhookSecretInput, UpdateWebhookInput, UpdateWebhookPayload,
    Webhook, WebhookDeliveryConnection, WebhookDeliveryFilter, WebhookSecretPayload,
};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::ADMIN;
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_id, decode_optional};

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Every registered webhook endpoint, oldest first (admins; at most 50 exist).
    #[graphql(guard = "ADMIN")]
    async fn webhooks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Webhook>> {
        Ok(service::list(&ctx.app().db)
            .await?
            .into_iter()
            .map(Webhook::from)
            .collect())
    }

    /// What was sent to the endpoints, newest first, with every attempt (admins).
    #[graphql(
        guard = "ADMIN",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deliveries matching this filter.")] filter: Option<
            WebhookDeliveryFilter,
        >,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<WebhookDeliveryConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let event_id = f
            .event_id
            .map(|id| {
                uuid::Uuid::parse_str(id.trim()).map_err(|_| {
                    crate::error::AppError::bad_input("filter.eventId", "Not an event id")
                })
            })
            .transpose()?;
        let filter = DeliveryFilter {
            webhook_id: decode_optional(
                f.webhook_id.as_ref(),
                NodeType::Webhook,
                "filter.webhookId",
            )?,
            status: f.status,
            event_type: f.event_type,
            event_id,
            from: f.from.map(|t| t.0),
            to: f.to.map(|t| t.0),
        };
        let page = deliveries::list(&ctx.app().db, viewer, filter, &page).await?;
        Ok(WebhookDeliveryConnection::from_page(page, Into::into))
    }
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint for the event types given (admins); its signing secret is in the
    /// answer, once.
    #[graphql(guard = "ADMIN")]
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateWebhookInput`.")]
        input: CreateWebhookInput,
    ) -> async_graphql::Result<WebhookSecretPayload> {
        let viewer = ctx.viewer()?;
        let new = NewWebhook {
            url: input.url,
            event_types: input.event_types,
            description: input.description,
            service_account_id: decode_optional(
                input.service_account_id.as_ref(),
                NodeType::ServiceAccount,
                "input.serviceAccountId",
            )?,
        };
        let created = service::create(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(WebhookSecretPayload {
            secret: created.secret.clone(),
            webhook: created.into(),
        })
    }

    /// Changes an endpoint's URL, event types or description, or disables and enables it
    /// (admins).
    #[graphql(guard = "ADMIN")]
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateWebhookInput`.")]
        input: UpdateWebhookInput,
    ) -> async_graphql::Result<UpdateWebhookPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Webhook, "input.id")?;
        let changes = WebhookChanges {
            url: input.url,
            event_types: input.event_types,
            description: crate::customers::graphql::change(input.description, Ok)?,
            enabled: input.enabled,
            service_account_id: crate::customers::graphql::change(
                input.service_account_id,
                |id| decode_id(&id, NodeType::ServiceAccount, "input.serviceAccountId"),
            )?,
        };
        let saved = service::update(ctx.app(), viewer, id, input.expected_version, changes).await?;
        Ok(UpdateWebhookPayload {
            webhook: saved.into(),
        })
    }

    /// Gives an endpoint a new signing secret, in the answer once (admins). The old secret
    /// signs beside it for a day (`SALESGRAPH_WEBHOOK_SECRET_OVERLAP_SECS`).
    #[graphql(guard = "ADMIN")]
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RotateWebhookSecretInput`.")]
        input: RotateWebhookSecretInput,
    ) -> async_graphql::Result<WebhookSecretPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Webhook, "input.id")?;
        let saved = service::rotate_secret(ctx.app(), viewer, id, input.expected_version).await?;
        Ok(WebhookSecretPayload {
            secret: saved.secret.clone(),
            webhook: saved.into(),
        })
    }

    /// Removes an endpoint with its delivery history (admins).
    #[graphql(guard = "ADMIN")]
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `DeleteWebhookInput`.")]
        input: DeleteWebhookInput,
    ) -> async_graphql::Result<DeleteWebhookPayload> {
        let viewer = ctx.viewer()?;
        let uuid = decode_id(&input.id, NodeType::Webhook, "input.id")?;
        service::delete(ctx.app(), viewer, uuid).await?;
        Ok(DeleteWebhookPayload {
            deleted_id: input.id,
        })
    }

    /// Sends a delivered or failed event to its endpoint again, now (admins); a delivery still
    /// being retried is tried now.
    #[graphql(guard = "ADMIN")]
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RedeliverWebhookInput`.")]
        input: RedeliverWebhookInput,
    ) -> async_graphql::Result<RedeliverWebhookPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(
            &input.delivery_id,
            NodeType::WebhookDelivery,
            "input.deliveryId",
        )?;
        let delivery = deliveries::redeliver(ctx.app(), viewer, id).await?;
        Ok(RedeliverWebhookPayload {
            delivery: delivery.into(),
        })
    }
}
