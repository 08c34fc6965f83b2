//! GraphQL shapes of the audit log.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
use crate::users::types::User;
use entity::audit_log;

/// One change the audit log recorded: who did what to which record, and when.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct AuditEntry {
    /// Identifier of the entry (also its cursor's key).
    pub id: ID,
    /// When it happened.
    pub at: Instant,
    /// What happened, as `subject.verb` (`contract.signed`, `opportunity.stage_changed`).
    pub action: String,
    /// The GraphQL type of the record (`Contract`).
    pub subject_type: String,
    /// The record's global id, when its type has one.
    pub subject_id: Option<ID>,
    /// The changed fields as recorded, a JSON object (money in minor units, ids as stored).
    pub details: String,
    #[graphql(skip)]
    pub actor_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl AuditEntry {
    /// Who acted; `null` for the system (sweeps, the webhook sender).
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.actor_id {
            Some(id) => crate::users::loaders::user(ctx, id).await,
            None => Ok(None),
        }
    }
}

impl From<audit_log::Model> for AuditEntry {
    fn from(model: audit_log::Model) -> Self {
        Self {
            id: ID(model.id.to_string()),
            at: Instant(model.created_at),
            subject_id: NodeType::parse(&model.subject_type)
                .map(|kind| encode_id(kind, model.subject_id)),
            action: model.action,
            subject_type: model.subject_type,
            details: model.details,
            actor_id: model.actor_id,
        }
    }
}

crate::connection_types!(AuditEntryConnection, AuditEntryEdge, AuditEntry);

/// Filters of `auditLog`; every given one must match.
#[derive(InputObject, Debug, Default)]
pub struct AuditLogFilter {
    /// Entries of this user's doing.
    pub actor_id: Option<ID>,
    /// Entries about this record (any global id).
    pub subject_id: Option<ID>,
    /// One action (`contract.signed`), or every action of a subject with a prefix ending in a
    /// dot (`contract.`).
    pub action: Option<String>,
    /// At or after.
    pub from: Option<Instant>,
    /// Before.
    pub to: Option<Instant>,
}

/// One field of a record changed: when, by whom, from what to what.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct FieldChange {
    /// When.
    pub at: Instant,
    /// The change it was part of, as `subject.verb` (`customer.updated`).
    pub action: String,
    /// The field, as the change recorded it (`name`, `amount`, `stageId`, `status`).
    pub field: String,
    /// Its value before; `null` when it had none, or when masked.
    pub from: Option<String>,
    /// Its value after; `null` when cleared, or when masked.
    pub to: Option<String>,
    /// Whether your role may not see this field's values (costs for reps, money for customer
    /// service): `from` and `to` are withheld.
    pub masked: bool,
    #[graphql(skip)]
    pub actor_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl FieldChange {
    /// Who changed it; `null` for the system.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.actor_id {
            Some(id) => crate::users::loaders::user(ctx, id).await,
            None => Ok(None),
        }
    }
}

impl From<super::fields::FieldChange> for FieldChange {
    fn from(change: super::fields::FieldChange) -> Self {
        Self {
            at: Instant(change.at),
            action: change.action,
            field: change.field,
            from: change.from,
            to: change.to,
            masked: change.masked,
            actor_id: change.actor_id,
        }
    }
}

crate::connection_types!(FieldChangeConnection, FieldChangeEdge, FieldChange);
