//! GraphQL types of follow-ups.

use crate::graphql::scalars::Instant;
use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use crate::graphql::context::ContextExt;
use crate::ids::{NodeType, encode_id};
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::follow_up;

pub use super::model::FollowUpKind;

/// The columns each field of [`FollowUp`] reads (see [`crate::columns`]).
pub const FOLLOW_UP_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("subjectId", &["subject_type", "subject_id"]),
            ("kind", &["kind"]),
            ("content", &["content"]),
            ("occurredAt", &["occurred_at"]),
            ("nextFollowUpAt", &["next_follow_up_at"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["created_at"]),
            ("subject", &["subject_type", "subject_id"]),
            ("author", &["author_id"]),
        ],
    };

/// One logged interaction with a lead or customer.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct FollowUp {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// The id of the lead, customer or opportunity it was logged on.
    #[graphql(
        deprecation = "Use `subject { ... on Lead { id } }` (or `Customer`, `Opportunity`)."
    )]
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
    /// The same as `createdAt`: a follow-up never changes once logged.
    pub updated_at: Instant,
    #[graphql(skip)]
    pub author_id: uuid::Uuid,
    #[graphql(skip)]
    pub subject: (NodeType, uuid::Uuid),
}

/// What a follow-up was logged on.
#[derive(async_graphql::Union)]
pub enum FollowUpSubject {
    /// A lead.
    Lead(Box<crate::leads::types::Lead>),
    /// A customer.
    Customer(Box<crate::customers::types::Customer>),
    /// A deal.
    Opportunity(Box<crate::opportunities::types::Opportunity>),
}

#[ComplexObject]
impl FollowUp {
    /// The lead, customer or deal it was logged on; null if no longer visible to you.
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<FollowUpSubject>> {
        let (kind, id) = self.subject;
        Ok(match kind {
            NodeType::Customer => crate::customers::loaders::customer(ctx, id)
                .await?
                .map(|found| FollowUpSubject::Customer(Box::new(found))),
            NodeType::Opportunity => {
                let loader =
                    ctx.loader::<crate::opportunities::loaders::VisibleOpportunityLoader>()?;
                loader
                    .load_one(id)
                    .await?
                    .map(|deal| FollowUpSubject::Opportunity(Box::new(deal.into())))
            }
            _ => crate::leads::loaders::lead(ctx, id)
                .await?
                .map(|found| FollowUpSubject::Lead(Box::new(found))),
        })
    }

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
            subject: (subject_type, model.subject_id),
            kind: FollowUpKind::parse(&model.kind).unwrap_or(FollowUpKind::Note),
            content: model.content,
            occurred_at: model.occurred_at.into(),
            next_follow_up_at: model.next_follow_up_at.map(Into::into),
            created_at: model.created_at.into(),
            updated_at: model.created_at.into(),
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
    /// A UUIDv7 your app generated for the new follow-up (within the last 30 days): the follow-up
    /// gets it as its UUID, and any id argument accepts it before you learn the follow-up's id (so a
    /// follow-up made offline needs no id mapping). Retrying with it and the same input answers
    /// once; a client id another record holds answers `DUPLICATE`.
    pub client_id: Option<ID>,
    /// Retry key: the same key and input return the first result without a second follow-up.
    pub idempotency_key: Option<String>,
}
crate::connection_types!(FollowUpConnection, FollowUpEdge, FollowUp);
