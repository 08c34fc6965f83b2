//! Resolvers of the audit log (admins).

use async_graphql::{Context, Object};

use super::service::{self, AuditFilter};
use super::types::{AuditEntryConnection, AuditLogFilter};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::ADMIN;
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_any, decode_optional};

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, newest first: every change anyone (or the system) made (admins).
    #[graphql(
        guard = "ADMIN",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entries matching this filter.")] filter: Option<AuditLogFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<AuditEntryConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let subject = f
            .subject_id
            .as_ref()
            .map(|id| {
                decode_any(id.as_str())
                    .map(|(kind, uuid)| (kind.name(), uuid))
                    .ok_or_else(|| AppError::bad_input("filter.subjectId", "Not a record id"))
            })
            .transpose()?;
        let filter = AuditFilter {
            actor_id: decode_optional(f.actor_id.as_ref(), NodeType::User, "filter.actorId")?,
            subject,
            action: f.action,
            from: f.from.map(|t| t.0),
            to: f.to.map(|t| t.0),
        };
        let page = service::list(&ctx.app().db, viewer, filter, &page).await?;
        Ok(AuditEntryConnection::from_page(page, Into::into))
    }
}

/// The field history of the record `kind`/`id` the caller sees (its resolver checked that),
/// newest first: what `Customer.history`, `Opportunity.history`, … answer.
pub async fn history_of(
    ctx: &Context<'_>,
    kind: NodeType,
    id: uuid::Uuid,
    paging: Paging,
) -> async_graphql::Result<super::types::FieldChangeConnection> {
    let viewer = ctx.viewer()?;
    let page = list_request(
        ctx,
        paging.after.as_deref(),
        paging.before.as_deref(),
        paging.first,
        paging.last,
    )?;
    let entries = ctx
        .loader::<super::loaders::EntriesBySubject>()?
        .load_one((kind, id))
        .await?
        .unwrap_or_default();
    let changes = super::fields::changes(viewer, entries);
    Ok(super::types::FieldChangeConnection::from_page(
        super::fields::page(changes, &page),
        Into::into,
    ))
}

/// The paging arguments of a history field.
#[derive(Debug, Default)]
pub struct Paging {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}
