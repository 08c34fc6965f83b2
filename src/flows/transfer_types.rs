//! GraphQL types of hand-overs: what `transferOwnership` takes and what it answers.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::ownership_transfer;

/// The kinds of record a hand-over moves; each defaults to true.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct TransferScopeInput {
    /// Leads they own (open ones unless `includeClosed`).
    #[graphql(default = true)]
    pub leads: bool,
    /// Customers they own.
    #[graphql(default = true)]
    pub customers: bool,
    /// Deals they own (open ones unless `includeClosed`), with their revenue shares.
    #[graphql(default = true)]
    pub opportunities: bool,
    /// Contracts they own (live ones unless `includeClosed`).
    #[graphql(default = true)]
    pub contracts: bool,
    /// Visits assigned to them that are still planned.
    #[graphql(default = true)]
    pub visits: bool,
    /// Their to-dos not yet done (reminders follow them to the receiver).
    #[graphql(default = true)]
    pub activities: bool,
}

/// Handing one person's book to another.
#[derive(InputObject, Debug)]
pub struct TransferOwnershipInput {
    /// Whose records move (managers: a member of a team they manage).
    pub from_user_id: ID,
    /// Who receives them: an active sales rep or manager (managers: of their teams).
    pub to_user_id: ID,
    /// Which kinds move; all when omitted.
    pub scope: Option<TransferScopeInput>,
    /// Also won and lost deals, converted and disqualified leads, completed, cancelled and
    /// rejected contracts (default false).
    #[graphql(default)]
    pub include_closed: bool,
    /// Retry key: a retried hand-over answers the first one and moves nothing twice.
    pub idempotency_key: Option<String>,
}

/// One hand-over and what it moved.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct OwnershipTransfer {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Leads moved.
    pub leads: i64,
    /// Customers moved.
    pub customers: i64,
    /// Deals moved.
    pub opportunities: i64,
    /// Contracts moved.
    pub contracts: i64,
    /// Planned visits moved.
    pub visits: i64,
    /// Open activities moved.
    pub activities: i64,
    /// Every record moved.
    pub total: i64,
    /// Whether closed records moved too.
    pub include_closed: bool,
    /// When it happened (every record moved in one transaction).
    pub created_at: Instant,
    #[graphql(skip)]
    pub model: ownership_transfer::Model,
}

#[ComplexObject]
impl OwnershipTransfer {
    /// Whose records moved.
    #[graphql(name = "fromUser")]
    async fn giver(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        user(ctx, self.model.from_user_id).await
    }

    /// Who received them.
    async fn to_user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        user(ctx, self.model.to_user_id).await
    }

    /// Who handed them over.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        user(ctx, self.model.created_by).await
    }
}

async fn user(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Option<User>> {
    Ok(ctx
        .loader::<UserLoader>()?
        .load_one(id)
        .await?
        .map(User::from))
}

impl From<ownership_transfer::Model> for OwnershipTransfer {
    fn from(model: ownership_transfer::Model) -> Self {
        Self {
            id: encode_id(NodeType::OwnershipTransfer, model.id),
            leads: model.leads,
            customers: model.customers,
            opportunities: model.opportunities,
            contracts: model.contracts,
            visits: model.visits,
            activities: model.activities,
            total: model.leads
                + model.customers
                + model.opportunities
                + model.contracts
                + model.visits
                + model.activities,
            include_closed: model.include_closed,
            created_at: model.created_at.into(),
            model,
        }
    }
}

/// Result of `transferOwnership`.
#[derive(SimpleObject, Debug)]
pub struct TransferOwnershipPayload {
    /// The hand-over, with what it moved.
    pub transfer: OwnershipTransfer,
}
