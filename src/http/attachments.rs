//! Attachments over plain HTTP: `GET /attachments/{id}`, with `Authorization: Bearer …` or the
//! signed parameters of `Attachment.url`. The bytes stream from storage as they are read.
//! Refusals are GraphQL-shaped JSON; a file on a record the caller may not see answers like
//! one that does not exist.

use async_graphql::ID;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::HttpState;
use super::documents::{LinkQuery, caller, file_headers, if_none_match, refusal};
use super::over_http::request_id;
use crate::error::AppError;
use crate::ids::{NodeType, decode_id};

/// `Content-Disposition` naming the file, in ASCII and (RFC 6266) in UTF-8.
fn disposition(file_name: &str) -> Option<HeaderValue> {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .ok()
}

/// `GET /attachments/{id}`.
pub(super) async fn download(
    State(state): State<HttpState>,
    Path(id): Path<String>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let request_id = request_id(&headers);
    let Ok(id) = decode_id(&ID(id), NodeType::Attachment, "id") else {
        return refusal(&AppError::not_found("Attachment"), &request_id);
    };
    let caller = caller(&state, &headers, query, async |params| {
        crate::attachments::links::viewer_of_link(&state.app, id, &params).await
    })
    .await;
    let viewer = match caller {
        Ok((viewer, _)) => viewer,
        Err(err) => return refusal(&err, &request_id),
    };
    let found = match crate::attachments::service::get(&state.app.db, &viewer, id).await {
        Ok(found) => found,
        Err(err) => return refusal(&err, &request_id),
    };
    let etag = format!("\"{}\"", found.sha256);
    let mut response = if if_none_match(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match state.app.storage.get(&found.storage_key).await {
            Ok(stream) => {
                let mut response = Body::from_stream(stream).into_response();
                response.headers_mut().insert(
                    header::CONTENT_LENGTH,
                    HeaderValue::from(found.byte_size.max(0)),
                );
                response
            }
            Err(err) => return refusal(&err, &request_id),
        }
    };
    file_headers(
        &mut response,
        &found.content_type,
        &etag,
        disposition(&found.file_name),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_offered_in_ascii_and_utf8() {
        let value = disposition("门头 \"1\".jpg").and_then(|v| v.to_str().ok().map(str::to_owned));
        assert_eq!(
            value.as_deref(),
            Some(
                "attachment; filename=\"__ _1_.jpg\"; filename*=UTF-8''%E9%97%A8%E5%A4%B4%20%221%22.jpg"
            )
        );
    }
}
