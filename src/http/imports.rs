//! `GET /imports/{id}/errors.csv`: an import's refused rows as CSV, with the signed parameters
//! of `ImportJob.errorsUrl` (or `Authorization: Bearer` of the person who imported), read a
//! page at a time and streamed.

use axum::extract::Path;
use tokio_stream::wrappers::ReceiverStream;

use super::documents::{LinkQuery, caller, refusal};
#[allow(clippy::wildcard_imports)]
use super::*;
use crate::imports::errors::{LINK_KIND, PAGE, csv_part, page};

/// `GET /imports/{id}/errors.csv`.
pub(super) async fn errors(
    State(state): State<HttpState>,
    Path(id): Path<String>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let request_id = request_id(&headers);
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return refusal(&AppError::not_found("ImportJob"), &request_id);
    };
    let caller = caller(&state, &headers, query, async |params| {
        crate::auth::links::viewer_of(&state.app, LINK_KIND, id, &params).await
    })
    .await;
    let viewer = match caller {
        Ok((viewer, _)) => viewer,
        Err(err) => return refusal(&err, &request_id),
    };
    if let Err(err) = crate::imports::service::get(&state.app.db, &viewer, id).await {
        return refusal(&err, &request_id);
    }
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let app = state.app.clone();
    tokio::spawn(async move {
        let mut after = None;
        let mut first = true;
        loop {
            let part = match page(&app.db, id, after, PAGE).await {
                Ok(rows) => {
                    after = rows.last().map(|e| (e.row_number, e.id));
                    let more = rows.len() as u64 == PAGE;
                    csv_part(
                        rows.iter().map(|e| {
                            (
                                e.row_number,
                                e.field.as_str(),
                                e.code.as_str(),
                                e.message.as_str(),
                            )
                        }),
                        first,
                    )
                    .map(|bytes| (bytes, more))
                }
                Err(err) => Err(err),
            };
            first = false;
            match part {
                Ok((bytes, more)) => {
                    if sender.send(Ok(bytes)).await.is_err() || !more {
                        return;
                    }
                }
                Err(err) => {
                    tracing::error!(error = %err.message, "an import's error file stopped");
                    let _ = sender
                        .send(Err(std::io::Error::other("error file failed")))
                        .await;
                    return;
                }
            }
        }
    });
    let mut response = Body::from_stream(ReceiverStream::new(receiver)).into_response();
    let set = response.headers_mut();
    set.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    set.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    set.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"import-errors.csv\""),
    );
    response
}
