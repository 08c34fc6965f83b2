//! GraphQL shapes of service accounts and their API keys.

use async_graphql::{ComplexObject, Context, ID, InputObject, MaybeUndefined, SimpleObject};

use super::service::Account;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::identity::Role;
use crate::ids::{NodeType, encode_id};
use crate::users::types::{Team, User};
use entity::api_key;

/// Another system's identity (an ERP, a website form): it calls the API with API keys, within
/// its role's visibility and its scopes, and never signs in (admins only).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct ServiceAccount {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// What it is called.
    pub name: String,
    /// Whose visibility and rules its calls follow.
    pub role: Role,
    /// Which root fields its keys may call (`leads:create`, `customers:read`…).
    pub scopes: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
    /// Whether its keys work.
    pub active: bool,
    /// When it was created.
    pub created_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub uuid: uuid::Uuid,
    #[graphql(skip)]
    pub team_id: Option<uuid::Uuid>,
    #[graphql(skip)]
    pub created_by: uuid::Uuid,
}

#[ComplexObject]
impl ServiceAccount {
    /// The team whose sales reps take turns on the leads it creates; `null` sends them to the
    /// lead pool.
    async fn intake_team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Team>> {
        let Some(team_id) = self.team_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<crate::users::loaders::TeamLoader>()?;
        Ok(loader.load_one(team_id).await?.map(Team::from))
    }

    /// Its keys, newest first, revoked ones included.
    async fn api_keys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiKey>> {
        let loader = ctx.loader::<super::loaders::KeysByAccount>()?;
        Ok(loader
            .load_one(self.uuid)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(ApiKey::from)
            .collect())
    }

    /// The admin who created it.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.created_by).await
    }
}

impl From<Account> for ServiceAccount {
    fn from(account: Account) -> Self {
        Self {
            id: encode_id(NodeType::ServiceAccount, account.user.id),
            name: account.user.display_name,
            role: Role::parse(&account.user.role).unwrap_or(Role::SalesRep),
            scopes: account
                .grants
                .scopes
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            description: account.grants.description,
            active: account.user.active,
            created_at: Instant(account.grants.created_at),
            version: account.user.version,
            uuid: account.user.id,
            team_id: account.grants.team_id,
            created_by: account.grants.created_by,
        }
    }
}

/// A key a service account calls with; the key itself is shown once, when made.
#[derive(SimpleObject, Clone, Debug)]
pub struct ApiKey {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// What it is for.
    pub name: String,
    /// The key's first characters (`sg_` and eight more), to tell keys apart.
    pub prefix: String,
    /// Requests per minute it may make; past them, `RATE_LIMITED` with `retryAfterSeconds`.
    pub rate_limit_per_minute: i32,
    /// When it was last used (refused requests included).
    pub last_used_at: Option<Instant>,
    /// When it stops working, if ever.
    pub expires_at: Option<Instant>,
    /// When it was revoked.
    pub revoked_at: Option<Instant>,
    /// When it was made.
    pub created_at: Instant,
}

impl From<api_key::Model> for ApiKey {
    fn from(model: api_key::Model) -> Self {
        Self {
            id: encode_id(NodeType::ApiKey, model.id),
            name: model.name,
            prefix: model.prefix,
            rate_limit_per_minute: model.rate_limit_per_minute,
            last_used_at: model.last_used_at.map(Instant),
            expires_at: model.expires_at.map(Instant),
            revoked_at: model.revoked_at.map(Instant),
            created_at: Instant(model.created_at),
        }
    }
}

/// A service account to create.
#[derive(InputObject, Debug)]
pub struct CreateServiceAccountInput {
    /// What it is called (1–100 characters).
    pub name: String,
    /// Whose visibility and rules its calls follow.
    pub role: Role,
    /// Which root fields its keys may call (at least one; see README for the list).
    pub scopes: Vec<String>,
    /// The team whose sales reps take turns on the leads it creates; omitted, they go to the
    /// pool.
    pub intake_team_id: Option<ID>,
    /// What it is for (up to 500 characters).
    pub description: Option<String>,
    /// Makes retries safe: the same key returns the first call's result.
    pub idempotency_key: Option<String>,
}

/// A service account after a change.
#[derive(SimpleObject, Debug)]
pub struct ServiceAccountPayload {
    /// The account as it is now.
    pub service_account: ServiceAccount,
}

/// Changes to a service account; omitted fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateServiceAccountInput {
    /// The account.
    pub id: ID,
    /// The version you last saw.
    pub expected_version: i32,
    /// A new name.
    pub name: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// The scopes from now on (at least one).
    pub scopes: Option<Vec<String>>,
    /// A new intake team; `null` sends its leads to the pool.
    pub intake_team_id: MaybeUndefined<ID>,
    /// A new description; `null` clears it.
    pub description: MaybeUndefined<String>,
    /// `false` stops every key of the account at once; `true` lets them work again.
    pub active: Option<bool>,
}

/// A key to make.
#[derive(InputObject, Debug)]
pub struct CreateApiKeyInput {
    /// The service account it calls as.
    pub service_account_id: ID,
    /// What it is for (1–100 characters).
    pub name: String,
    /// When it stops working; omitted, never.
    pub expires_at: Option<Instant>,
    /// Requests per minute (1–100000); omitted, the deployment's default.
    pub rate_limit_per_minute: Option<i32>,
}

/// A key just made.
#[derive(SimpleObject, Debug)]
pub struct CreateApiKeyPayload {
    /// The key as stored.
    pub api_key: ApiKey,
    /// The key itself (`sg_…`): shown now and never again; send it as `Authorization: Bearer`.
    pub secret: String,
}

/// Which key to revoke.
#[derive(InputObject, Debug)]
pub struct RevokeApiKeyInput {
    /// The key.
    pub id: ID,
}

/// A revoked key.
#[derive(SimpleObject, Debug)]
pub struct RevokeApiKeyPayload {
    /// The key, revoked.
    pub api_key: ApiKey,
}
