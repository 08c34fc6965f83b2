//! Resolvers of attachments: a record's files, uploading and removing one.

use async_graphql::{Context, ID, Object};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::access::check_visible;
use super::model::{AttachmentSubjectType as Subject, READY};
use super::service::{self, Upload};
use super::sniff::clean_file_name;
use super::types::{
    Attachment, AttachmentConnection, AttachmentKind, AttachmentPayload, DeleteAttachmentInput,
    DeleteAttachmentPayload, UploadAttachmentInput,
};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::pagination::list_request;
use crate::ids::{NodeType, decode_any, decode_id, encode_id};
use crate::input::GeoPoint;
use crate::pagination::SortKey;
use entity::attachment::{Column, Entity as Attachments};

/// The record a file goes on, from any of the six kinds of id.
fn subject(id: &ID, field: &str) -> AppResult<(Subject, Uuid)> {
    match decode_any(id) {
        Some((NodeType::VisitTask, id)) => Ok((Subject::Visit, id)),
        Some((NodeType::FollowUp, id)) => Ok((Subject::FollowUp, id)),
        Some((NodeType::Customer, id)) => Ok((Subject::Customer, id)),
        Some((NodeType::Opportunity, id)) => Ok((Subject::Opportunity, id)),
        Some((NodeType::Contract, id)) => Ok((Subject::Contract, id)),
        Some((NodeType::Quote, id)) => Ok((Subject::Quote, id)),
        _ => Err(AppError::bad_input(
            field,
            "Not a visit, follow-up, customer, opportunity, contract or quote id",
        )),
    }
}

/// Attachments' queries.
#[derive(Default)]
pub struct AttachmentQuery;

#[Object]
impl AttachmentQuery {
    /// The files on a record you can see, newest first.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn attachments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The visit task, follow-up, customer, deal, contract or quote.")]
        subject_id: ID,
        #[graphql(desc = "Only files of this kind.")] kind: Option<AttachmentKind>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<AttachmentConnection> {
        let viewer = ctx.viewer()?;
        let db = &ctx.app().db;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let subject = subject(&subject_id, "subjectId")?;
        check_visible(db, viewer, subject, "subjectId").await?;
        let mut select = Attachments::find()
            .filter(Column::SubjectId.eq(subject.1))
            .filter(Column::SubjectType.eq(subject.0.as_str()))
            .filter(Column::Status.eq(READY));
        if let Some(kind) = kind {
            select = select.filter(Column::Kind.eq(kind.as_str()));
        }
        let page = crate::pagination::fetch_sorted(
            db,
            select,
            Column::Id,
            SortKey::Id,
            true,
            &page,
            |_| 0i64,
            |a| a.id,
        )
        .await?;
        Ok(AttachmentConnection::from_page(page, Attachment::from))
    }
}

/// Attachments' mutations.
#[derive(Default)]
pub struct AttachmentMutation;

#[Object]
impl AttachmentMutation {
    /// Uploads a file onto a record you may change (a multipart request). Checked by content:
    /// size, type, an image's pixels; a photo's EXIF position and time are read.
    #[graphql(guard = "SignedIn")]
    async fn upload_attachment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UploadAttachmentInput`.")]
        input: UploadAttachmentInput,
    ) -> async_graphql::Result<AttachmentPayload> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let subject = subject(&input.subject_id, "input.subjectId")?;
        let value = input
            .file
            .value(ctx)
            .map_err(|_| AppError::bad_input("input.file", "Send the file in the request"))?;
        let file_name = clean_file_name(input.file_name.as_deref().unwrap_or(&value.filename));
        let location = input
            .location
            .map(|l| GeoPoint::parse(l.lat, l.lng, "input.location"))
            .transpose()?;
        let upload = Upload {
            subject,
            kind: input.kind,
            file_name,
            taken_at: input.taken_at.map(|t| t.0),
            location,
            client_id: crate::ids::client_id(input.client_id.as_ref(), app.clock.now())?,
        };
        let stored = service::upload(app, viewer, upload, value.content).await?;
        Ok(AttachmentPayload {
            attachment: stored.into(),
        })
    }

    /// Removes a file from a record you may change (not a check-in's proof photo).
    #[graphql(guard = "SignedIn")]
    async fn delete_attachment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `DeleteAttachmentInput`.")]
        input: DeleteAttachmentInput,
    ) -> async_graphql::Result<DeleteAttachmentPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Attachment, "input.id")?;
        let deleted = service::delete(ctx.app(), viewer, id).await?;
        Ok(DeleteAttachmentPayload {
            deleted_id: encode_id(NodeType::Attachment, deleted),
        })
    }
}
