//! GraphQL types of attachments.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject, Upload};

use super::model::AttachmentSubjectType;
use crate::customers::types::{Location, LocationInput};
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::attachment;

pub use super::model::AttachmentKind;

/// A file on a visit, follow-up, customer, deal, contract or quote: a site photo, a document,
/// a contract scan. Its bytes are downloaded from `url`.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Attachment {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// What the file is.
    pub kind: AttachmentKind,
    /// What kind of record it is on.
    pub subject_type: AttachmentSubjectType,
    /// The file's name as uploaded (without any path).
    pub file_name: String,
    /// The media type found from the file's bytes (not its name).
    pub content_type: String,
    /// Size in bytes.
    pub byte_size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Width in pixels (images).
    pub width: Option<i32>,
    /// Height in pixels (images).
    pub height: Option<i32>,
    /// When the photo was taken: as given, else from its EXIF data.
    pub taken_at: Option<Instant>,
    /// Where the photo was taken: as given, else from its EXIF GPS data.
    pub location: Option<Location>,
    /// Whether it was given at check-in as the visit's on-site proof.
    pub check_in_proof: bool,
    /// When it was uploaded.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    #[graphql(skip)]
    pub model: attachment::Model,
}

/// The record an attachment is on.
#[derive(async_graphql::Union)]
pub enum AttachmentSubject {
    /// A visit task.
    VisitTask(Box<crate::visits::types::VisitTask>),
    /// A follow-up.
    FollowUp(Box<crate::followups::types::FollowUp>),
    /// A customer.
    Customer(Box<crate::customers::types::Customer>),
    /// A deal.
    Opportunity(Box<crate::opportunities::types::Opportunity>),
    /// A contract.
    Contract(Box<crate::contracts::types::Contract>),
    /// A quote.
    Quote(Box<crate::quotes::types::Quote>),
}

#[ComplexObject]
impl Attachment {
    /// The record it is on; null if no longer visible to you.
    async fn subject(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AttachmentSubject>> {
        super::loaders::subject(ctx, self.subject_type, self.model.subject_id).await
    }

    /// Who uploaded it.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(self.model.uploaded_by)
            .await?
            .map(User::from))
    }

    /// A link to download it, valid for `SALESGRAPH_DOCUMENT_LINK_TTL_SECS` for you alone;
    /// or `GET /attachments/{id}` with `Authorization: Bearer …`.
    async fn url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let viewer = ctx.viewer()?;
        Ok(super::links::signed(ctx.app(), viewer, self.model.id).await?)
    }
}

impl From<attachment::Model> for Attachment {
    fn from(model: attachment::Model) -> Self {
        Self {
            id: encode_id(NodeType::Attachment, model.id),
            kind: AttachmentKind::parse(&model.kind).unwrap_or(AttachmentKind::Other),
            subject_type: AttachmentSubjectType::parse(&model.subject_type)
                .unwrap_or(AttachmentSubjectType::Customer),
            file_name: model.file_name.clone(),
            content_type: model.content_type.clone(),
            byte_size: model.byte_size,
            sha256: model.sha256.clone(),
            width: model.width,
            height: model.height,
            taken_at: model.taken_at.map(Into::into),
            location: model
                .latitude
                .zip(model.longitude)
                .map(|(lat, lng)| Location { lat, lng }),
            check_in_proof: model.purpose.as_deref() == Some(super::model::CHECK_IN),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            model,
        }
    }
}

crate::connection_types!(AttachmentConnection, AttachmentEdge, Attachment);

/// A file to upload (a multipart request: the GraphQL multipart request spec, as Apollo's and
/// urql's upload links send it).
#[derive(InputObject)]
pub struct UploadAttachmentInput {
    /// The visit task, follow-up, customer, deal, contract or quote it goes on (one you may
    /// change).
    pub subject_id: ID,
    /// What the file is: a photo must be an image; a contract scan an image or PDF.
    pub kind: AttachmentKind,
    /// The file (JPEG, PNG, WebP, HEIC, PDF, DOCX, XLSX or PPTX, judged by its bytes; at most
    /// `SALESGRAPH_UPLOAD_MAX_BYTES`).
    pub file: Upload,
    /// The name to keep; the uploaded file's own name when omitted.
    pub file_name: Option<String>,
    /// When the photo was taken; read from its EXIF data when omitted.
    pub taken_at: Option<Instant>,
    /// Where the photo was taken; read from its EXIF GPS data when omitted.
    pub location: Option<LocationInput>,
    /// A UUIDv7 your app generated for the attachment (within the last 30 days): it gets it as
    /// its UUID, and a retry with the same file answers the first upload.
    pub client_id: Option<ID>,
}

/// Result of `uploadAttachment`.
#[derive(SimpleObject, Debug)]
pub struct AttachmentPayload {
    /// The stored attachment.
    pub attachment: Attachment,
}

/// An attachment to remove.
#[derive(InputObject, Debug)]
pub struct DeleteAttachmentInput {
    /// The attachment (on a record you may change).
    pub id: ID,
}

/// Result of `deleteAttachment`.
#[derive(SimpleObject, Debug)]
pub struct DeleteAttachmentPayload {
    /// The id of the removed attachment.
    pub deleted_id: ID,
}
