//! GraphQL shapes of imports.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject, Upload};
use uuid::Uuid;

pub use super::service::{ImportKind, ImportStatus};
pub use super::table::ImportFormat;
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::ids::NodeType;
use entity::import;

/// The most refused rows `rowErrors` answers at once.
const MAX_ROW_ERRORS: i32 = 200;

/// A column of the file renamed to a field.
#[derive(InputObject, Debug)]
pub struct ImportColumnInput {
    /// The column's header as in the file.
    pub column: String,
    /// The field it holds (e.g. `name`, `contactName`), or `""` to leave the column out.
    pub field: String,
}

/// A file to import (a multipart request, as `uploadAttachment`).
#[derive(InputObject)]
pub struct StartImportInput {
    /// Which records the rows make.
    #[graphql(name = "type")]
    pub kind: ImportKind,
    /// The file: a header row naming the fields, then one record a row.
    pub file: Upload,
    /// CSV or XLSX; from the file's name when omitted.
    pub format: Option<ImportFormat>,
    /// A CSV file's text encoding (`GBK`, `GB18030`, `Big5`, …); detected when omitted.
    pub encoding: Option<String>,
    /// Headers that are not field names, renamed.
    pub mapping: Option<Vec<ImportColumnInput>>,
    /// Check every row and report, writing nothing (default false).
    pub dry_run: Option<bool>,
}

/// A refused row of an import.
#[derive(SimpleObject, Debug)]
pub struct ImportRowError {
    /// The row of the file (the header is row 1).
    pub row: i32,
    /// The column at fault, as a field name, or `row`.
    pub field: String,
    /// The error code, as an API error's `extensions.code`.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// An import: its progress while it runs, its counts once done. Importing the same file again
/// answers the same job (resuming it if it was interrupted).
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct ImportJob {
    /// Opaque identifier.
    pub id: ID,
    /// Which records the rows make.
    #[graphql(name = "type")]
    pub kind: ImportKind,
    /// Where it stands.
    pub status: ImportStatus,
    /// Only checked: nothing was or will be written.
    pub dry_run: bool,
    /// Data rows in the file.
    pub total: i32,
    /// Data rows done so far (written or refused).
    pub processed: i32,
    /// Records written (in a dry run, that would be).
    pub created: i32,
    /// Rows refused.
    pub errors: i32,
    /// Why it stopped, when it failed.
    pub failure: Option<String>,
    /// When it was started.
    pub created_at: Instant,
    /// When it ended.
    pub finished_at: Option<Instant>,
    #[graphql(skip)]
    pub raw_id: Uuid,
}

fn count(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl TryFrom<import::Model> for ImportJob {
    type Error = AppError;

    fn try_from(job: import::Model) -> AppResult<Self> {
        Ok(Self {
            id: crate::ids::encode_id(NodeType::ImportJob, job.id),
            kind: ImportKind::parse(&job.kind).ok_or_else(AppError::internal)?,
            status: ImportStatus::parse(&job.status).ok_or_else(AppError::internal)?,
            dry_run: job.dry_run,
            total: count(job.total),
            processed: count(job.processed),
            created: count(job.created),
            errors: count((job.processed - job.created).max(0)),
            failure: job.failure,
            created_at: Instant(job.created_at),
            finished_at: job.finished_at.map(Instant),
            raw_id: job.id,
        })
    }
}

#[ComplexObject]
impl ImportJob {
    /// The first refused rows in row order (at most 200; the error file has them all).
    async fn row_errors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1 to 200).", default = 50)] first: i32,
    ) -> async_graphql::Result<Vec<ImportRowError>> {
        if !(1..=MAX_ROW_ERRORS).contains(&first) {
            return Err(AppError::bad_input("first", "Ask for 1 to 200 rows").into());
        }
        let rows = super::errors::page(&ctx.app().db, self.raw_id, None, first as u64).await?;
        Ok(rows
            .into_iter()
            .map(|e| ImportRowError {
                row: count(e.row_number),
                field: e.field,
                code: e.code,
                message: e.message,
            })
            .collect())
    }

    /// A link to every refused row as CSV (row, field, code, message), valid for a few
    /// minutes and for you alone; null when no row was refused.
    async fn errors_url(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if self.errors == 0 {
            return Ok(None);
        }
        let viewer = ctx.viewer()?;
        let url = crate::auth::links::sign(
            ctx.app(),
            viewer,
            crate::auth::links::Target {
                kind: super::errors::LINK_KIND,
                id: self.raw_id,
                version: 1,
            },
            &format!("/imports/{}/errors.csv", self.raw_id),
        )
        .await?;
        Ok(Some(url))
    }
}

/// Result of `startImport`.
#[derive(SimpleObject, Debug)]
pub struct StartImportPayload {
    /// The import, running (or as it ended, for a file imported before).
    pub import_job: ImportJob,
}
