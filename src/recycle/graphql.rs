//! The resolvers of the recycle bin.

use async_graphql::{Context, ID, Object};

use super::service::{self, BinFilter, RecycledKind};
use super::types::{
    DeleteRecordInput, DeleteRecordPayload, RecycleBinFilter, RecycledRecordConnection,
    RestoreRecordInput, RestoreRecordPayload,
};
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_id, decode_optional};

#[derive(Default)]
pub struct RecycleQuery;

#[Object]
impl RecycleQuery {
    /// Deleted records you may restore, newest deletion first: the ones you deleted or owned;
    /// managers also their teams'; admins all.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn recycle_bin(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entries matching this filter.")] filter: Option<RecycleBinFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<RecycledRecordConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = BinFilter {
            kind: f.kind,
            deleted_by: decode_optional(
                f.deleted_by_id.as_ref(),
                NodeType::User,
                "filter.deletedById",
            )?,
        };
        let page = service::list(&ctx.app().db, viewer, filter, &page).await?;
        Ok(RecycledRecordConnection::from_page(page, Into::into))
    }
}

#[derive(Default)]
pub struct RecycleMutation;

async fn delete(
    ctx: &Context<'_>,
    kind: RecycledKind,
    node: NodeType,
    input: DeleteRecordInput,
) -> async_graphql::Result<DeleteRecordPayload> {
    let viewer = ctx.viewer()?;
    let id = decode_id(&input.id, node, "input.id")?;
    let entry = service::delete(ctx.app(), viewer, kind, id, input.expected_version).await?;
    Ok(DeleteRecordPayload {
        deleted_id: ID(input.id.0),
        recycled: entry.into(),
    })
}

#[Object]
impl RecycleMutation {
    /// Deletes a lead you may work (pool leads: managers and admins) into the recycle bin,
    /// with its events, activities and follow-ups.
    async fn delete_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `DeleteRecordInput`.")]
        input: DeleteRecordInput,
    ) -> async_graphql::Result<DeleteRecordPayload> {
        delete(ctx, RecycledKind::Lead, NodeType::Lead, input).await
    }

    /// Deletes a customer you may change into the recycle bin, with its contacts, deals,
    /// visits, activities and follow-ups; one with contracts, quotes, orders, invoices,
    /// payments or service tickets answers `INVALID_STATE`.
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `DeleteRecordInput`.")]
        input: DeleteRecordInput,
    ) -> async_graphql::Result<DeleteRecordPayload> {
        delete(ctx, RecycledKind::Customer, NodeType::Customer, input).await
    }

    /// Deletes a contact of a customer you may change into the recycle bin; deals, visits and
    /// tickets that named it keep going without it.
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `DeleteRecordInput`.")]
        input: DeleteRecordInput,
    ) -> async_graphql::Result<DeleteRecordPayload> {
        delete(ctx, RecycledKind::Contact, NodeType::Contact, input).await
    }

    /// Deletes a deal you may change into the recycle bin, with its history, splits,
    /// products, activities and follow-ups; a won deal, or one with contracts or quotes,
    /// answers `INVALID_STATE`.
    async fn delete_opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `DeleteRecordInput`.")]
        input: DeleteRecordInput,
    ) -> async_graphql::Result<DeleteRecordPayload> {
        delete(ctx, RecycledKind::Opportunity, NodeType::Opportunity, input).await
    }

    /// Deletes an activity you may change into the recycle bin.
    async fn delete_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `DeleteRecordInput`.")]
        input: DeleteRecordInput,
    ) -> async_graphql::Result<DeleteRecordPayload> {
        delete(ctx, RecycledKind::Activity, NodeType::Activity, input).await
    }

    /// Puts a deleted record back from the recycle bin, with everything that went with it;
    /// `DUPLICATE` when its phone or e-mail was taken meanwhile.
    async fn restore_record(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RestoreRecordInput`.")]
        input: RestoreRecordInput,
    ) -> async_graphql::Result<RestoreRecordPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::RecycledRecord, "input.id")?;
        let entry = super::restore::restore(ctx.app(), viewer, id).await?;
        Ok(RestoreRecordPayload {
            recycled: entry.into(),
        })
    }
}
