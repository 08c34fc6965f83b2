//! GraphQL shapes of exports.

use async_graphql::{ID, InputObject, SimpleObject};

pub use super::rows::{ExportFormat, ExportKind};
use crate::graphql::scalars::Instant;

/// Which records to export: all given conditions hold, within what you see.
#[derive(InputObject, Debug, Default)]
pub struct ExportFilterInput {
    /// Records of this owner (for contacts, their customer's owner).
    pub owner_id: Option<ID>,
    /// Records changed at or after this time.
    pub updated_since: Option<Instant>,
}

/// An export to prepare.
#[derive(InputObject, Debug)]
pub struct StartExportInput {
    /// Which records.
    #[graphql(name = "type")]
    pub kind: ExportKind,
    /// Which of them.
    pub filter: Option<ExportFilterInput>,
    /// The file format (default CSV).
    pub format: Option<ExportFormat>,
}

/// An export you asked for; its file is made as its link is read.
#[derive(SimpleObject, Debug)]
pub struct Export {
    /// Opaque identifier.
    pub id: ID,
    /// Which records.
    #[graphql(name = "type")]
    pub kind: ExportKind,
    /// The file format.
    pub format: ExportFormat,
    /// A link to the file, valid for a few minutes (`SALESGRAPH_DOCUMENT_LINK_TTL_SECS`) and
    /// for you alone; reading it streams the rows you see at that moment.
    pub download_url: String,
    /// When it was asked for.
    pub created_at: Instant,
}

/// Result of `startExport`.
#[derive(SimpleObject, Debug)]
pub struct StartExportPayload {
    /// The export and its link.
    pub export: Export,
}
