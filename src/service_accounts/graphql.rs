//! Resolvers of service accounts and API keys (admins signed in as themselves).

use async_graphql::{Context, Object};

use super::service::{self, NewApiKey, NewServiceAccount, ServiceAccountChanges};
use super::types::{
    CreateApiKeyInput, CreateApiKeyPayload, CreateServiceAccountInput, RevokeApiKeyInput,
    RevokeApiKeyPayload, ServiceAccount, ServiceAccountPayload, UpdateServiceAccountInput,
};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::ADMIN;
use crate::ids::{NodeType, decode_id, decode_optional};

#[derive(Default)]
pub struct ServiceAccountQuery;

#[Object]
impl ServiceAccountQuery {
    /// Every service account, oldest first, with its keys (admins).
    #[graphql(guard = "ADMIN")]
    async fn service_accounts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ServiceAccount>> {
        let viewer = ctx.viewer()?;
        Ok(service::list(&ctx.app().db, viewer)
            .await?
            .into_iter()
            .map(ServiceAccount::from)
            .collect())
    }
}

#[derive(Default)]
pub struct ServiceAccountMutation;

#[Object]
impl ServiceAccountMutation {
    /// Creates a service account for another system (admins); give it keys with
    /// `createApiKey`.
    #[graphql(guard = "ADMIN")]
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateServiceAccountInput`.")]
        input: CreateServiceAccountInput,
    ) -> async_graphql::Result<ServiceAccountPayload> {
        let viewer = ctx.viewer()?;
        let new = NewServiceAccount {
            name: input.name,
            role: input.role,
            scopes: input.scopes,
            team_id: decode_optional(
                input.intake_team_id.as_ref(),
                NodeType::Team,
                "input.intakeTeamId",
            )?,
            description: input.description,
        };
        let created = service::create(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(ServiceAccountPayload {
            service_account: created.into(),
        })
    }

    /// Changes a service account's name, role, scopes, intake team or description, or stops
    /// and restarts all its keys (admins).
    #[graphql(guard = "ADMIN")]
    async fn update_service_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateServiceAccountInput`.")]
        input: UpdateServiceAccountInput,
    ) -> async_graphql::Result<ServiceAccountPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::ServiceAccount, "input.id")?;
        let changes = ServiceAccountChanges {
            name: input.name,
            role: input.role,
            scopes: input.scopes,
            team_id: crate::customers::graphql::change(input.intake_team_id, |team| {
                decode_id(&team, NodeType::Team, "input.intakeTeamId")
            })?,
            description: crate::customers::graphql::change(input.description, Ok)?,
            active: input.active,
        };
        let saved = service::update(ctx.app(), viewer, id, input.expected_version, changes).await?;
        Ok(ServiceAccountPayload {
            service_account: saved.into(),
        })
    }

    /// Makes an API key for a service account (admins); the key is in the answer, once.
    #[graphql(guard = "ADMIN")]
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateApiKeyInput`.")]
        input: CreateApiKeyInput,
    ) -> async_graphql::Result<CreateApiKeyPayload> {
        let viewer = ctx.viewer()?;
        let new = NewApiKey {
            service_account_id: decode_id(
                &input.service_account_id,
                NodeType::ServiceAccount,
                "input.serviceAccountId",
            )?,
            name: input.name,
            expires_at: input.expires_at.map(|at| at.0),
            rate_limit_per_minute: input.rate_limit_per_minute,
        };
        let (key, secret) = service::create_key(ctx.app(), viewer, new).await?;
        Ok(CreateApiKeyPayload {
            api_key: key.into(),
            secret,
        })
    }

    /// Revokes an API key (admins): its next request is refused.
    #[graphql(guard = "ADMIN")]
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RevokeApiKeyInput`.")]
        input: RevokeApiKeyInput,
    ) -> async_graphql::Result<RevokeApiKeyPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::ApiKey, "input.id")?;
        let key = service::revoke_key(ctx.app(), viewer, id).await?;
        Ok(RevokeApiKeyPayload {
            api_key: key.into(),
        })
    }
}
