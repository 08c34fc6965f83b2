//! Documents over plain HTTP: `GET /documents/quotes/{id}.pdf`, with `Authorization: Bearer …`
//! or the signed parameters of `Quote.pdfUrl`. Refusals are GraphQL-shaped JSON with the
//! usual `extensions.code`; a quote the caller may not see answers like one that does not
//! exist.

use async_graphql::ID;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::over_http::{bearer_viewer, error_response, request_id};
use super::{APPLICATION_JSON, HttpState};
use crate::auth::links::LinkParams;
use crate::error::{AppError, ErrorCode};
use crate::ids::{NodeType, decode_id};
use crate::quotes::document::{render, viewer_of_link};

/// The signed-link parameters, all or none.
#[derive(Debug, Default, Deserialize)]
pub(super) struct LinkQuery {
    v: Option<i32>,
    u: Option<String>,
    exp: Option<i64>,
    sig: Option<String>,
}

impl LinkQuery {
    pub(super) fn params(self) -> Option<LinkParams> {
        Some(LinkParams {
            version: self.v?,
            user_id: decode_id(&ID(self.u?), NodeType::User, "u").ok()?,
            expires: self.exp?,
            signature: self.sig?,
        })
    }

    pub(super) fn is_empty(&self) -> bool {
        self.v.is_none() && self.u.is_none() && self.exp.is_none() && self.sig.is_none()
    }
}

pub(super) fn refusal(err: &AppError, request_id: &str) -> Response {
    let status = match err.code {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
        ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut response = error_response(status, APPLICATION_JSON, err.code, &err.message, request_id);
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// Who asks for a file: the bearer of `Authorization`, or the user a signed link was issued to
/// (`verify` checks the link), with the version the link names. Errors: `UNAUTHENTICATED`.
pub(super) async fn caller(
    state: &HttpState,
    headers: &HeaderMap,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
    verify: impl AsyncFnOnce(LinkParams) -> Result<crate::identity::Viewer, AppError>,
) -> Result<(crate::identity::Viewer, Option<i32>), AppError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    // Parameters that do not parse make a link that does not verify.
    let query = query.map_or_else(
        |_| LinkQuery {
            sig: Some(String::new()),
            ..LinkQuery::default()
        },
        |Query(query)| query,
    );
    if authorization.is_some() || query.is_empty() {
        return match bearer_viewer(&state.app, authorization).await {
            // API keys call GraphQL over HTTP only.
            Ok(Some(caller)) if caller.viewer.service.is_some() => Err(AppError::new(
                ErrorCode::Forbidden,
                "API keys call the GraphQL endpoint only",
            )),
            Ok(Some(caller)) => Ok((caller.viewer, None)),
            Ok(None) => Err(AppError::unauthenticated()),
            Err(err) => Err(err),
        };
    }
    // A link with a part missing or unreadable is as good as a forged one.
    match query.params() {
        Some(params) => {
            let version = params.version;
            verify(params).await.map(|viewer| (viewer, Some(version)))
        }
        None => Err(AppError::new(
            ErrorCode::Unauthenticated,
            "The document link is incomplete; ask for a new one",
        )),
    }
}

/// `GET /documents/quotes/{id}.pdf`.
pub(super) async fn quote_pdf(
    State(state): State<HttpState>,
    Path(file): Path<String>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let request_id = request_id(&headers);
    let Some(id) = file
        .strip_suffix(".pdf")
        .and_then(|id| decode_id(&ID(id.to_owned()), NodeType::Quote, "id").ok())
    else {
        return refusal(&AppError::not_found("Quote"), &request_id);
    };
    let caller = caller(&state, &headers, query, async |params| {
        viewer_of_link(&state.app, id, &params).await
    })
    .await;
    let (viewer, version) = match caller {
        Ok(caller) => caller,
        Err(err) => return refusal(&err, &request_id),
    };
    let rendered = match render(&state.app, &viewer, id, version).await {
        Ok(rendered) => rendered,
        Err(err) => return refusal(&err, &request_id),
    };
    let etag = format!(
        "\"{}\"",
        crate::auth::tokens::hex(&<sha2::Sha256 as sha2::Digest>::digest(&rendered.bytes))
    );
    let mut response = if if_none_match(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, rendered.bytes).into_response()
    };
    let disposition =
        HeaderValue::from_str(&format!("inline; filename=\"{}\"", rendered.file_name)).ok();
    file_headers(&mut response, "application/pdf", &etag, disposition);
    response
}

/// Whether the client's `If-None-Match` names `etag` (its copy is current).
pub(super) fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag))
}

/// The headers every file answer carries: its type, private revalidated caching, no sniffing,
/// its entity tag and how it is offered.
pub(super) fn file_headers(
    response: &mut Response,
    content_type: &str,
    etag: &str,
    disposition: Option<HeaderValue>,
) {
    let set = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        set.insert(header::CONTENT_TYPE, value);
    }
    set.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    set.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        set.insert(header::ETAG, value);
    }
    if let Some(value) = disposition {
        set.insert(header::CONTENT_DISPOSITION, value);
    }
}
