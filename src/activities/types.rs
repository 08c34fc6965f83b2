//! GraphQL types of activities.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use super::model::ActivitySubjectType;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::activity;

pub use super::model::ActivityKind;

/// A to-do of a seller: a call, meeting, visit, e-mail or task on a record, due at a time.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Activity {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// What it is.
    pub kind: ActivityKind,
    /// What kind of record it concerns.
    pub subject_type: ActivitySubjectType,
    /// What to do (1–200 characters).
    pub title: String,
    /// Details (at most 2000 characters).
    pub note: Option<String>,
    /// When it is due.
    pub due_at: Instant,
    /// When its owner is reminded.
    pub remind_at: Instant,
    /// Whether it is done.
    pub done: bool,
    /// When it was marked done.
    pub done_at: Option<Instant>,
    /// When it was created.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub model: activity::Model,
}

/// The record an activity concerns.
#[derive(async_graphql::Union)]
pub enum ActivitySubject {
    /// A lead.
    Lead(Box<crate::leads::types::Lead>),
    /// A customer.
    Customer(Box<crate::customers::types::Customer>),
    /// A deal.
    Opportunity(Box<crate::opportunities::types::Opportunity>),
    /// A contract.
    Contract(Box<crate::contracts::types::Contract>),
}

#[ComplexObject]
impl Activity {
    /// The lead, customer, deal or contract it concerns; null if no longer visible to you.
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ActivitySubject>> {
        let id = self.model.subject_id;
        Ok(match self.subject_type {
            ActivitySubjectType::Lead => crate::leads::loaders::lead(ctx, id)
                .await?
                .map(|found| ActivitySubject::Lead(Box::new(found))),
            ActivitySubjectType::Customer => crate::customers::loaders::customer(ctx, id)
                .await?
                .map(|found| ActivitySubject::Customer(Box::new(found))),
            ActivitySubjectType::Opportunity => ctx
                .loader::<crate::opportunities::loaders::VisibleOpportunityLoader>()?
                .load_one(id)
                .await?
                .map(|deal| ActivitySubject::Opportunity(Box::new(deal.into()))),
            ActivitySubjectType::Contract => ctx
                .loader::<crate::contracts::loaders::ContractLoader>()?
                .load_one(id)
                .await?
                .map(|contract| ActivitySubject::Contract(Box::new(contract.into()))),
        })
    }

    /// Whether it is open and past its due time now.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        !self.model.done && self.model.due_at < ctx.app().clock.now()
    }

    /// Who is to do it.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(self.model.owner_id)
            .await?
            .map(User::from))
    }

    /// Who created it.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(self.model.created_by)
            .await?
            .map(User::from))
    }
}

impl From<activity::Model> for Activity {
    fn from(model: activity::Model) -> Self {
        Self {
            id: encode_id(NodeType::Activity, model.id),
            kind: ActivityKind::parse(&model.kind).unwrap_or(ActivityKind::Task),
            subject_type: ActivitySubjectType::parse(&model.subject_type)
                .unwrap_or(ActivitySubjectType::Customer),
            title: model.title.clone(),
            note: model.note.clone(),
            due_at: model.due_at.into(),
            remind_at: model.remind_at.into(),
            done: model.done,
            done_at: model.done_at.map(Into::into),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
        }
    }
}

crate::connection_types!(ActivityConnection, ActivityEdge, Activity);

/// An activity to create.
#[derive(InputObject, Debug)]
pub struct CreateActivityInput {
    /// What it is.
    pub kind: ActivityKind,
    /// The lead, customer, deal or contract it concerns (one you can see).
    pub subject_id: ID,
    /// What to do (1–200 characters).
    pub title: String,
    /// Details (at most 2000 characters).
    pub note: Option<String>,
    /// When it is due (within a year back and five years ahead).
    pub due_at: Instant,
    /// When to remind its owner (at or before `dueAt`, at most 31 days before); by default
    /// `SALESGRAPH_ACTIVITY_REMINDER_MINUTES` before it.
    pub remind_at: Option<Instant>,
    /// Who is to do it: you by default; managers may name a member of a team they manage,
    /// admins anyone active, who must be able to open the record.
    pub owner_id: Option<ID>,
    /// A UUIDv7 your app generated for the new activity (within the last 30 days): the activity
    /// gets it as its UUID. Retrying with it and the same input answers once; a client id
    /// another record holds answers `DUPLICATE`.
    pub client_id: Option<ID>,
    /// Retry key: the same key and input return the first result without a second activity.
    pub idempotency_key: Option<String>,
}

/// Changes to an activity; omitted fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateActivityInput {
    /// The activity.
    pub id: ID,
    /// The version you last saw; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// What it is.
    pub kind: Option<ActivityKind>,
    /// What to do.
    pub title: Option<String>,
    /// Details; an empty string clears them.
    pub note: Option<String>,
    /// When it is due; the reminder moves with it, keeping its lead, unless `remindAt` is
    /// given.
    pub due_at: Option<Instant>,
    /// When to remind its owner.
    pub remind_at: Option<Instant>,
    /// Hand it to someone else (see `CreateActivityInput.ownerId`).
    pub owner_id: Option<ID>,
}

/// Marks an activity done, or open again.
#[derive(InputObject, Debug)]
pub struct CompleteActivityInput {
    /// The activity.
    pub id: ID,
    /// The version you last saw, if you want a change made since to answer `CONFLICT`.
    pub expected_version: Option<i32>,
    /// Done (default) or open again; asking for the state it is in changes nothing.
    #[graphql(default = true)]
    pub done: bool,
    /// Retry key: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Which activities to list; every given condition must hold, within what you may see.
#[derive(InputObject, Debug, Default)]
pub struct ActivityFilter {
    /// Only this person's.
    pub owner_id: Option<ID>,
    /// Only those on this lead, customer, deal or contract.
    pub subject_id: Option<ID>,
    /// Only those due at or after this instant.
    pub due_from: Option<Instant>,
    /// Only those due before this instant.
    pub due_to: Option<Instant>,
    /// Only done (true) or open (false) ones.
    pub done: Option<bool>,
    /// Only open ones past their due time (true), or the others (false).
    pub overdue: Option<bool>,
}

/// Result of `createActivity`, `updateActivity` and `completeActivity`.
#[derive(SimpleObject, Debug)]
pub struct ActivityPayload {
    /// The activity after the change.
    pub activity: Activity,
}
