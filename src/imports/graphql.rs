//! The resolvers of imports.

use async_graphql::{Context, ID, Object};

use super::columns::Mapping;
use super::service::{self, Ledger, Request};
use super::table::{ImportFormat, encoding_named};
use super::types::{ImportJob, StartImportInput, StartImportPayload};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::ids::{NodeType, decode_id};

#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// An import you started, with its progress.
    async fn import_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import's id.")] id: ID,
    ) -> async_graphql::Result<ImportJob> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&id, NodeType::ImportJob, "id")?;
        let job = service::get(&ctx.app().db, viewer, id).await?;
        Ok(ImportJob::try_from(job)?)
    }
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports customers (with their first contacts), contacts, leads or products from a CSV
    /// or XLSX file (a multipart request): every row checked, refused rows reported, the rest
    /// written in batches while `importJob` shows the progress. The same file again is the
    /// same import.
    async fn start_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `StartImportInput`.")] input: StartImportInput,
    ) -> async_graphql::Result<StartImportPayload> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let value = input
            .file
            .value(ctx)
            .map_err(|_| AppError::bad_input("input.file", "Send the file in the request"))?;
        let format = input
            .format
            .unwrap_or_else(|| ImportFormat::of_name(&value.filename));
        let encoding = input
            .encoding
            .as_deref()
            .map(|label| encoding_named(label, "input.encoding"))
            .transpose()?;
        let mapping = Mapping::from_pairs(
            input
                .mapping
                .unwrap_or_default()
                .into_iter()
                .map(|c| (c.column, c.field)),
            "input.mapping",
        )?;
        let request = Request {
            kind: input.kind,
            format,
            encoding,
            mapping,
            dry_run: input.dry_run.unwrap_or(false),
        };
        let mut file = value.content;
        let prepared = service::prepare(app, viewer, request, &mut file, true).await?;
        let Ledger::Stored(job) = &prepared.ledger else {
            return Err(AppError::internal().into());
        };
        let job = job.clone();
        if prepared.runnable {
            let (app, viewer) = (app.clone(), viewer.clone());
            tokio::spawn(async move {
                if let Err(err) = service::run(app, viewer, prepared, file, |_| {}).await {
                    tracing::warn!(error = %err.message, "an import stopped");
                }
            });
        }
        Ok(StartImportPayload {
            import_job: ImportJob::try_from(job)?,
        })
    }
}
