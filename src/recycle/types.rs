//! GraphQL shapes of the recycle bin.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

pub use super::service::RecycledKind;
use crate::graphql::node::Node;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
use crate::users::types::User;
use entity::recycled_record;

/// A record to delete into the recycle bin.
#[derive(InputObject, Debug)]
pub struct DeleteRecordInput {
    /// The record.
    pub id: ID,
    /// The version you last saw; another one answers `CONFLICT` (an offline copy never
    /// deletes a record changed since).
    pub expected_version: Option<i32>,
}

/// A recycle bin entry to restore.
#[derive(InputObject, Debug)]
pub struct RestoreRecordInput {
    /// The bin entry (`RecycledRecord.id`).
    pub id: ID,
}

/// Filters of `recycleBin`; every given one must match.
#[derive(InputObject, Debug, Default)]
pub struct RecycleBinFilter {
    /// Only records of this kind.
    pub kind: Option<RecycledKind>,
    /// Only records this user deleted.
    pub deleted_by_id: Option<ID>,
}

/// A deleted record in the recycle bin.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct RecycledRecord {
    /// Opaque identifier of the bin entry (`restoreRecord` takes it).
    pub id: ID,
    /// What kind of record it is.
    pub kind: RecycledKind,
    /// The record's own global id (it answers again once restored).
    pub record_id: ID,
    /// Its name when deleted (an activity's title).
    pub name: String,
    /// When it was deleted.
    pub deleted_at: Instant,
    /// When the sweep purges it for good.
    pub purge_at: Instant,
    #[graphql(skip)]
    pub deleted_by: uuid::Uuid,
    #[graphql(skip)]
    pub owner_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl RecycledRecord {
    /// Who deleted it.
    async fn deleted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.deleted_by).await
    }

    /// Who owned it when deleted (a contact's: its customer's owner).
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.owner_id {
            Some(id) => crate::users::loaders::user(ctx, id).await,
            None => Ok(None),
        }
    }
}

fn record_type(kind: RecycledKind) -> NodeType {
    match kind {
        RecycledKind::Lead => NodeType::Lead,
        RecycledKind::Customer => NodeType::Customer,
        RecycledKind::Contact => NodeType::Contact,
        RecycledKind::Opportunity => NodeType::Opportunity,
        RecycledKind::Activity => NodeType::Activity,
    }
}

impl From<recycled_record::Model> for RecycledRecord {
    fn from(model: recycled_record::Model) -> Self {
        let kind = RecycledKind::parse(&model.kind).unwrap_or(RecycledKind::Activity);
        Self {
            id: encode_id(NodeType::RecycledRecord, model.id),
            kind,
            record_id: encode_id(record_type(kind), model.record_id),
            name: model.name,
            deleted_at: Instant(model.deleted_at),
            purge_at: Instant(model.purge_at),
            deleted_by: model.deleted_by,
            owner_id: model.owner_id,
        }
    }
}

crate::connection_types!(RecycledRecordConnection, RecycledRecordEdge, RecycledRecord);

/// Result of `deleteLead`, `deleteCustomer`, `deleteContact`, `deleteOpportunity` and
/// `deleteActivity`.
#[derive(SimpleObject)]
pub struct DeleteRecordPayload {
    /// The deleted record's id (lists and offline deltas no longer show it).
    pub deleted_id: ID,
    /// Its entry in the recycle bin.
    pub recycled: RecycledRecord,
}

/// Result of `restoreRecord`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RestoreRecordPayload {
    /// The bin entry as it was (now gone from the bin).
    pub recycled: RecycledRecord,
}

#[ComplexObject]
impl RestoreRecordPayload {
    /// The record, back where it was.
    async fn record(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        Ok(crate::graphql::load_node(ctx, &self.recycled.record_id).await?)
    }
}
