//! `GET /exports/{id}.csv|.xlsx`: an export's file, with the signed parameters of its
//! `downloadUrl` (or `Authorization: Bearer` of the person who asked). The rows are read page
//! by page on a blocking thread and streamed as they are written; a client that goes away
//! stops the reading.

use axum::extract::Path;
use tokio_stream::wrappers::ReceiverStream;

use super::documents::{LinkQuery, caller, refusal};
#[allow(clippy::wildcard_imports)]
use super::*;
use crate::exports::rows::ExportFormat;
use crate::exports::service::{self, LINK_KIND};

/// `GET /exports/{file}`.
pub(super) async fn download(
    State(state): State<HttpState>,
    Path(file): Path<String>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let request_id = request_id(&headers);
    let not_found = || refusal(&AppError::not_found("Export"), &request_id);
    let Some((id, extension)) = file.rsplit_once('.') else {
        return not_found();
    };
    let Ok(id) = uuid::Uuid::parse_str(id) else {
        return not_found();
    };
    let caller = caller(&state, &headers, query, async |params| {
        crate::auth::links::viewer_of(&state.app, LINK_KIND, id, &params).await
    })
    .await;
    let viewer = match caller {
        Ok((viewer, _)) => viewer,
        Err(err) => return refusal(&err, &request_id),
    };
    let export = match service::get(&state.app.db, &viewer, id).await {
        Ok(export) => export,
        Err(err) => return refusal(&err, &request_id),
    };
    let (content_type, wanted) = match export.format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    if extension != wanted {
        return not_found();
    }
    let file_name = format!(
        "attachment; filename=\"{}-{}.{wanted}\"",
        export.kind.as_str().to_ascii_lowercase(),
        export.model.created_at.format("%Y%m%d-%H%M%S")
    );
    let (mut sender, receiver) = tokio::sync::mpsc::channel(4);
    let app = state.app.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        match crate::exports::file::write(&runtime, &app, &viewer, &export, &mut sender) {
            Ok(Some(rows)) => {
                let now = app.clock.now();
                if let Err(err) =
                    runtime.block_on(service::finished(&app, &viewer, export.model.id, rows, now))
                {
                    tracing::warn!(error = %err.message, "an export's reading was not noted");
                }
            }
            // The client went away: nothing was downloaded.
            Ok(None) => {}
            Err(err) => {
                tracing::error!(error = %err.message, "an export stopped");
                let _ = sender.blocking_send(Err(std::io::Error::other("export failed")));
            }
        }
    });
    let mut response = Body::from_stream(ReceiverStream::new(receiver)).into_response();
    let set = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        set.insert(header::CONTENT_TYPE, value);
    }
    set.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(value) = HeaderValue::from_str(&file_name) {
        set.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
