//! GraphQL types of follow-ups.

use crate::graphql::scalars::Instant;
use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use crate::graphql::context::ContextExt;
use crate::ids::{NodeType, encode_id};
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::follow_up;

pub use super::model::FollowUpKind;

/// One logged interaction with a lead or customer.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct FollowUp {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// The lead, customer or opportunity it was logged on.
    pub subject_id: ID,
    /// How the customer was reached.
    pub kind: FollowUpKind,
    /// What happened.
    pub content: String,
    /// When it happened.
    pub occurred_at: Instant,
    /// When to follow up next.
    pub next_follow_up_at: Option<Instant>,
    /// When it was logged.
    pub created_at: Instant,
    #[graphql(skip)]
    pub author_id: uuid::Uuid,
}

#[ComplexObject]
impl FollowUp {
    /// Who logged it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let loader = ctx.loader::<UserLoader>()?;
        Ok(loader.load_one(self.author_id).await?.map(User::from))
    }
}

impl From<follow_up::Model> for FollowUp {
    fn from(model: follow_up::Model) -> Self {
        let subject_type = match model.subject_type.as_str() {
            "CUSTOMER" => NodeType::Customer,
            "OPPORTUNITY" => NodeType::Opportunity,
            _ => NodeType::Lead,
        };
        Self {
            id: encode_id(NodeType::FollowUp, model.id),
            subject_id: encode_id(subject_type, model.subject_id),
            kind: FollowUpKind::parse(&model.kind).unwrap_or(FollowUpKind::Note),
            content: model.content,
            occurred_at: model.occurred_at.into(),
            next_follow_up_at: model.next_follow_up_at.map(Into::into),
            created_at: model.created_at.into(),
            author_id: model.author_id,
        }
    }
}

/// A follow-up to log.
#[derive(InputObject, Debug)]
pub struct LogFollowUpInput {
    /// The lead, customer or opportunity it concerns.
    pub subject_id: ID,
    /// How the customer was reached.
    pub kind: FollowUpKind,
    /// What happened (1–5000 characters).
    pub content: String,
    /// When it happened; now when omitted.
    pub occurred_at: Option<Instant>,
    /// When to follow up next.
    pub next_follow_up_at: Option<Instant>,
    /// Retry key: the same key and input return the first result without a second follow-up.
    pub idempotency_key: Option<String>,
}
