//! The resolver of exports.

use async_graphql::{Context, Object};

use super::rows::{ExportFilter, ExportFormat};
use super::service::{self, LINK_KIND};
use super::types::{Export, StartExportInput, StartExportPayload};
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, decode_optional};

#[derive(Default)]
pub struct ExportMutation;

#[Object]
impl ExportMutation {
    /// Prepares a file of the customers, contacts, leads or deals you see, as CSV or XLSX, and
    /// answers its link; the export is audited.
    async fn start_export(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `StartExportInput`.")] input: StartExportInput,
    ) -> async_graphql::Result<StartExportPayload> {
        let viewer = ctx.viewer()?;
        let filter = input.filter.unwrap_or_default();
        let filter = ExportFilter {
            owner_id: decode_optional(
                filter.owner_id.as_ref(),
                NodeType::User,
                "input.filter.ownerId",
            )?,
            updated_since: filter.updated_since.map(|at| at.0),
        };
        let format = input.format.unwrap_or(ExportFormat::Csv);
        let app = ctx.app();
        let export = service::start(app, viewer, input.kind, format, filter).await?;
        let extension = if format == ExportFormat::Csv {
            "csv"
        } else {
            "xlsx"
        };
        let id = export.model.id;
        let download_url = crate::auth::links::sign(
            app,
            viewer,
            crate::auth::links::Target {
                kind: LINK_KIND,
                id,
                version: 1,
            },
            &format!("/exports/{id}.{extension}"),
        )
        .await?;
        Ok(StartExportPayload {
            export: Export {
                id: crate::ids::encode_id(NodeType::Export, id),
                kind: export.kind,
                format: export.format,
                download_url,
                created_at: Instant(export.model.created_at),
            },
        })
    }
}
