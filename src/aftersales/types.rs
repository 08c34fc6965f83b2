//! GraphQL shapes of the after-sales records.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

pub use super::model::{CallbackAnchor, CallbackAssignment, CallbackOutcome, CallbackStatus};
use crate::activities::model::ActivityKind;
use crate::contracts::types::Contract;
use crate::customers::loaders::ContactLoader;
use crate::customers::types::{Contact, Customer};
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Date, Instant};
use crate::ids::{NodeType, encode_id};
use crate::users::types::User;
use entity::{callback, callback_rule};

/// When callbacks fall due after a sale, and who makes them.
#[derive(SimpleObject, Clone, Debug)]
pub struct CallbackRule {
    /// Opaque, globally unique identifier (for `updateCallbackRules`).
    pub id: ID,
    /// What the rule is called ("One week after").
    pub name: String,
    /// Days after the contract's signing, or its last delivery once it has one.
    pub offset_days: i32,
    /// Who makes its callbacks.
    pub assign_to: CallbackAssignment,
    /// Off rules plan nothing; their callbacks made stay.
    pub active: bool,
    /// Order among the rules, from 0.
    pub position: i32,
}

impl From<callback_rule::Model> for CallbackRule {
    fn from(model: callback_rule::Model) -> Self {
        Self {
            id: encode_id(NodeType::CallbackRule, model.id),
            name: model.name,
            offset_days: model.offset_days,
            assign_to: CallbackAssignment::parse(&model.assign_to)
                .unwrap_or(CallbackAssignment::Support),
            active: model.active,
            position: model.position,
        }
    }
}

/// An after-sales call to a customer, planned by a rule for a signed contract.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Callback {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// What the due day counts from.
    pub anchor: CallbackAnchor,
    /// The day of the signing or of the last delivery.
    pub anchor_date: Date,
    /// The day to call.
    pub due_date: Date,
    /// Where it stands.
    pub status: CallbackStatus,
    /// How it went, once made.
    pub outcome: Option<CallbackOutcome>,
    /// The customer's satisfaction, 1 (worst) to 5, when reached.
    pub satisfaction: Option<i32>,
    /// What was said.
    pub notes: Option<String>,
    /// When it was made.
    pub done_at: Option<Instant>,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    /// When it was planned.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    #[graphql(skip)]
    pub model: callback::Model,
}

#[ComplexObject]
impl Callback {
    /// The rule that planned it.
    async fn rule(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CallbackRule>> {
        let loader = ctx.loader::<super::loaders::CallbackRuleLoader>()?;
        Ok(loader
            .load_one(self.model.rule_id)
            .await?
            .map(CallbackRule::from))
    }

    /// The customer to call.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        crate::customers::loaders::customer(ctx, self.model.customer_id).await
    }

    /// The contract it follows.
    async fn contract(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contract>> {
        crate::contracts::loaders::contract(ctx, self.model.contract_id).await
    }

    /// The person to ask for: the deal's contact, else the customer's first.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        let Some(id) = self.model.contact_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<ContactLoader>()?;
        Ok(loader.load_one(id).await?.map(Contact::from))
    }

    /// Who makes it.
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.model.assignee_id).await
    }

    /// Who made it.
    async fn done_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.model.done_by {
            Some(id) => crate::users::loaders::user(ctx, id).await,
            None => Ok(None),
        }
    }
}

impl From<callback::Model> for Callback {
    fn from(model: callback::Model) -> Self {
        Self {
            id: encode_id(NodeType::Callback, model.id),
            anchor: CallbackAnchor::parse(&model.anchor).unwrap_or(CallbackAnchor::Signed),
            anchor_date: Date(model.anchor_date),
            due_date: Date(model.due_date),
            status: CallbackStatus::parse(&model.status).unwrap_or(CallbackStatus::Planned),
            outcome: model.outcome.as_deref().and_then(CallbackOutcome::parse),
            satisfaction: model.satisfaction,
            notes: model.notes.clone(),
            done_at: model.done_at.map(Instant),
            version: model.version,
            created_at: Instant(model.created_at),
            updated_at: Instant(model.updated_at),
            model,
        }
    }
}

crate::connection_types!(CallbackConnection, CallbackEdge, Callback);

/// Which callbacks `callbacks` lists.
#[derive(InputObject, Default, Debug)]
pub struct CallbackFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<CallbackStatus>>,
    /// Only this person's.
    pub assignee_id: Option<ID>,
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Only this contract's.
    pub contract_id: Option<ID>,
    /// Only this rule's.
    pub rule_id: Option<ID>,
    /// Due on or after this day.
    pub due_from: Option<Date>,
    /// Due on or before this day.
    pub due_to: Option<Date>,
}

/// An activity to open once a callback is made.
#[derive(InputObject, Debug)]
pub struct NextActionInput {
    /// What kind of activity (a call by default).
    #[graphql(default_with = "ActivityKind::Call")]
    pub kind: ActivityKind,
    /// What to do (1–200 characters).
    pub title: String,
    /// When it is due.
    pub due_at: Instant,
}

/// Input of `completeCallback`.
#[derive(InputObject, Debug)]
pub struct CompleteCallbackInput {
    /// The callback.
    pub id: ID,
    /// How it went.
    pub outcome: CallbackOutcome,
    /// The customer's satisfaction, 1 to 5 (only when reached).
    pub satisfaction: Option<i32>,
    /// What was said (at most 4,000 characters).
    pub notes: Option<String>,
    /// An activity to open for you, on the customer.
    pub next_action: Option<NextActionInput>,
    /// Makes a retry safe: the same key answers the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `rescheduleCallback`.
#[derive(InputObject, Debug)]
pub struct RescheduleCallbackInput {
    /// The callback.
    pub id: ID,
    /// The version you read.
    pub expected_version: i32,
    /// The new day, today or later.
    pub due_date: Date,
    /// Hand it to a member of customer service or the contract's owner.
    pub assignee_id: Option<ID>,
}

/// One rule of `updateCallbackRules`.
#[derive(InputObject, Debug)]
pub struct CallbackRuleInput {
    /// The rule to change; none adds one.
    pub id: Option<ID>,
    /// Its name (1–100 characters, unique).
    pub name: String,
    /// Days after the signing or the last delivery (1–3650).
    pub offset_days: i32,
    /// Who makes its callbacks.
    #[graphql(default_with = "CallbackAssignment::Support")]
    pub assign_to: CallbackAssignment,
}

/// Input of `updateCallbackRules`: the active rules, in order.
#[derive(InputObject, Debug)]
pub struct UpdateCallbackRulesInput {
    /// At most 20; rules left out are turned off and their planned callbacks cancelled.
    pub rules: Vec<CallbackRuleInput>,
}

/// What `completeCallback` and `rescheduleCallback` answer.
#[derive(SimpleObject)]
pub struct CallbackPayload {
    /// The callback as it is now.
    pub callback: Callback,
}
