//! GraphQL shapes of tickets.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

pub use super::model::{
    CommentVisibility, TicketCategory, TicketEventKind, TicketPriority, TicketStatus,
};
use crate::contracts::types::Contract;
use crate::customers::loaders::ContactLoader;
use crate::customers::types::{Contact, Customer};
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::identity::Role;
use crate::ids::{NodeType, encode_id};
use crate::users::types::User;
use entity::{ticket, ticket_comment, ticket_event};

/// A customer's complaint or service request, worked by customer service.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Ticket {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// `T-<year>-<six digits>`, what the customer is told.
    pub number: String,
    /// One line saying what is wrong.
    pub subject: String,
    /// The whole story.
    pub description: String,
    /// What it is about.
    pub category: TicketCategory,
    /// How urgent it is.
    pub priority: TicketPriority,
    /// Where it stands.
    pub status: TicketStatus,
    /// When its priority's promised time runs out (counted again when reopened).
    pub due_at: Instant,
    /// When it was resolved.
    pub resolved_at: Option<Instant>,
    /// When it was closed.
    pub closed_at: Option<Instant>,
    /// The customer's satisfaction with how it was handled, 1 to 5.
    pub satisfaction: Option<i32>,
    /// When its promised time ran out unresolved and it was escalated.
    pub escalated_at: Option<Instant>,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    /// When it was opened.
    pub created_at: Instant,
    /// When it last changed (a comment counts).
    pub updated_at: Instant,
    #[graphql(skip)]
    pub model: ticket::Model,
}

#[ComplexObject]
impl Ticket {
    /// The customer who complained.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }

    /// The person who raised it.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        let Some(id) = self.model.contact_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<ContactLoader>()?;
        Ok(loader.load_one(id).await?.map(Contact::from))
    }

    /// The contract it concerns.
    async fn contract(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contract>> {
        match self.model.contract_id {
            Some(id) => crate::contracts::loaders::contract(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Who works on it; none while it waits in the queue.
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.model.assignee_id {
            Some(id) => crate::users::loaders::user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Who opened it.
    async fn opened_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.opened_by).await
    }

    /// Its comments, oldest first; internal ones only for staff (not finance).
    async fn comments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TicketComment>> {
        let staff = match ctx.viewer()?.role {
            Role::Admin | Role::Support | Role::SalesManager | Role::SalesRep => true,
            Role::Finance => false,
        };
        let loader = ctx.loader::<super::loaders::CommentsByTicket>()?;
        Ok(loader
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter(|c| staff || c.visibility == CommentVisibility::Customer.as_str())
            .map(TicketComment::from)
            .collect())
    }

    /// Its history, oldest first: every status change, assignment and escalation.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TicketEvent>> {
        let loader = ctx.loader::<super::loaders::EventsByTicket>()?;
        Ok(loader
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(TicketEvent::from)
            .collect())
    }
}

impl From<ticket::Model> for Ticket {
    fn from(model: ticket::Model) -> Self {
        Self {
            id: encode_id(NodeType::Ticket, model.id),
            number: model.number.clone(),
            subject: model.subject.clone(),
            description: model.description.clone(),
            category: TicketCategory::parse(&model.category).unwrap_or(TicketCategory::Other),
            priority: TicketPriority::parse(&model.priority).unwrap_or(TicketPriority::Normal),
            status: TicketStatus::parse(&model.status).unwrap_or(TicketStatus::Open),
            due_at: Instant(model.due_at),
            resolved_at: model.resolved_at.map(Instant),
            closed_at: model.closed_at.map(Instant),
            satisfaction: model.satisfaction,
            escalated_at: model.escalated_at.map(Instant),
            version: model.version,
            created_at: Instant(model.created_at),
            updated_at: Instant(model.updated_at),
            model,
        }
    }
}

crate::connection_types!(TicketConnection, TicketEdge, Ticket);

/// A comment on a ticket.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct TicketComment {
    /// Identifier of the comment.
    pub id: ID,
    /// What was written.
    pub body: String,
    /// Staff only, or what the customer was told.
    pub visibility: CommentVisibility,
    /// When it was written.
    pub created_at: Instant,
    #[graphql(skip)]
    pub author_id: uuid::Uuid,
}

#[ComplexObject]
impl TicketComment {
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.author_id).await
    }
}

impl From<ticket_comment::Model> for TicketComment {
    fn from(model: ticket_comment::Model) -> Self {
        Self {
            id: ID(model.id.to_string()),
            body: model.body,
            visibility: CommentVisibility::parse(&model.visibility)
                .unwrap_or(CommentVisibility::Internal),
            created_at: Instant(model.created_at),
            author_id: model.author_id,
        }
    }
}

/// One step of a ticket's history.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct TicketEvent {
    /// What happened.
    pub kind: TicketEventKind,
    /// The status before (status changes and reopenings).
    pub from_status: Option<TicketStatus>,
    /// The status after (status changes and reopenings).
    pub to_status: Option<TicketStatus>,
    /// Why, as its author put it.
    pub note: Option<String>,
    /// When it happened.
    pub at: Instant,
    #[graphql(skip)]
    pub actor_id: Option<uuid::Uuid>,
    #[graphql(skip)]
    pub assignee_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl TicketEvent {
    /// Who did it; none for an escalation.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.actor_id {
            Some(id) => crate::users::loaders::user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Whom it was given to (assignments), or who had it (escalations).
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.assignee_id {
            Some(id) => crate::users::loaders::user(ctx, id).await,
            None => Ok(None),
        }
    }
}

impl From<ticket_event::Model> for TicketEvent {
    fn from(model: ticket_event::Model) -> Self {
        Self {
            kind: TicketEventKind::parse(&model.kind).unwrap_or(TicketEventKind::StatusChanged),
            from_status: model.from_status.as_deref().and_then(TicketStatus::parse),
            to_status: model.to_status.as_deref().and_then(TicketStatus::parse),
            note: model.note,
            at: Instant(model.at),
            actor_id: model.actor_id,
            assignee_id: model.assignee_id,
        }
    }
}

/// The promised resolution time of one priority.
#[derive(SimpleObject, Clone, Debug)]
pub struct TicketSlaTarget {
    /// The priority.
    pub priority: TicketPriority,
    /// Hours from opening (or reopening) to resolution.
    pub hours: i32,
}

/// Which tickets `tickets` lists.
#[derive(InputObject, Default, Debug)]
pub struct TicketFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<TicketStatus>>,
    /// Only these priorities.
    pub priorities: Option<Vec<TicketPriority>>,
    /// Only these categories.
    pub categories: Option<Vec<TicketCategory>>,
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Only this person's.
    pub assignee_id: Option<ID>,
    /// Only those nobody works on yet.
    #[graphql(default)]
    pub unassigned: bool,
    /// Only those escalated for running past their promised time.
    #[graphql(default)]
    pub breached: bool,
}

/// Input of `openTicket`.
#[derive(InputObject, Debug)]
pub struct OpenTicketInput {
    /// The customer who complains.
    pub customer_id: ID,
    /// The person who raised it (one of the customer's contacts).
    pub contact_id: Option<ID>,
    /// The contract it concerns (one of the customer's).
    pub contract_id: Option<ID>,
    /// One line (1–200 characters).
    pub subject: String,
    /// The whole story (at most 10,000 characters).
    pub description: Option<String>,
    /// What it is about.
    #[graphql(default_with = "TicketCategory::Other")]
    pub category: TicketCategory,
    /// How urgent it is.
    #[graphql(default_with = "TicketPriority::Normal")]
    pub priority: TicketPriority,
    /// Give it to a member of customer service at once (customer service and admins).
    pub assignee_id: Option<ID>,
    /// Makes a retry safe: the same key answers the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `assignTicket`.
#[derive(InputObject, Debug)]
pub struct AssignTicketInput {
    /// The ticket.
    pub id: ID,
    /// The version you read.
    pub expected_version: i32,
    /// An active member of customer service (or an admin).
    pub assignee_id: ID,
}

/// Input of `commentOnTicket`.
#[derive(InputObject, Debug)]
pub struct CommentOnTicketInput {
    /// The ticket.
    pub ticket_id: ID,
    /// What to say (1–10,000 characters).
    pub body: String,
    /// Staff only (the default), or what the customer is told.
    #[graphql(default_with = "CommentVisibility::Internal")]
    pub visibility: CommentVisibility,
}

/// Input of `changeTicketStatus`.
#[derive(InputObject, Debug)]
pub struct ChangeTicketStatusInput {
    /// The ticket.
    pub id: ID,
    /// The version you read.
    pub expected_version: i32,
    /// The new status; `OPEN` reopens a resolved or closed ticket.
    pub status: TicketStatus,
    /// Why (kept in its history).
    pub note: Option<String>,
    /// The customer's satisfaction, 1 to 5, when it is resolved or closed.
    pub satisfaction: Option<i32>,
}

/// One priority's promised time, for `updateTicketSla`.
#[derive(InputObject, Debug)]
pub struct TicketSlaInput {
    /// The priority.
    pub priority: TicketPriority,
    /// Hours from opening to resolution (1–8760).
    pub hours: i32,
}

/// Input of `updateTicketSla`.
#[derive(InputObject, Debug)]
pub struct UpdateTicketSlaInput {
    /// The priorities to change; others keep theirs.
    pub targets: Vec<TicketSlaInput>,
}

/// What the ticket mutations answer.
#[derive(SimpleObject)]
pub struct TicketPayload {
    /// The ticket as it is now.
    pub ticket: Ticket,
}

/// What `commentOnTicket` answers.
#[derive(SimpleObject)]
pub struct TicketCommentPayload {
    /// The comment written.
    pub comment: TicketComment,
}
