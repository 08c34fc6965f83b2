//! `POST /intake/leads`: a website form's lead, form-encoded (`application/x-www-form-urlencoded`),
//! with a service account's key as `Authorization: Bearer sg_…` or, since a browser form
//! cannot set headers, as the `key` field. Answers `201 {"status":"received"}` (a filled
//! honeypot gets the same answer), or an error shaped as GraphQL's with its code and field.

use axum::body::Bytes;

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::leads::intake::{IntakeForm, submit};

/// Largest form accepted.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden | ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
        ErrorCode::Duplicate => StatusCode::CONFLICT,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn refusal(err: &AppError, request_id: &str) -> Response {
    if err.code == ErrorCode::RateLimited {
        return rate_limited(APPLICATION_JSON, err, request_id);
    }
    let mut extensions = json!({ "code": err.code.as_str(), "requestId": request_id });
    if let Some(field) = &err.field {
        // Form fields are named as posted, without GraphQL's `input.`.
        extensions["field"] = json!(field.strip_prefix("input.").unwrap_or(field));
    }
    let body = json!({ "errors": [{ "message": err.message, "extensions": extensions }] });
    let mut response = (status_of(err.code), body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The form's fields; the first of a repeated field counts.
fn read_form(body: &[u8]) -> (IntakeForm, Option<String>) {
    let mut form = IntakeForm::default();
    let mut key = None;
    let mut seen = HashSet::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        if !seen.insert(name.clone()) {
            continue;
        }
        let value = value.into_owned();
        match name.as_ref() {
            "key" => key = Some(value),
            "name" => form.name = value,
            "company" => form.company = Some(value),
            "phone" => form.phone = Some(value),
            "email" => form.email = Some(value),
            "message" => form.message = Some(value),
            "region" => form.region = Some(value),
            "industry" => form.industry = Some(value),
            "website" => form.website = Some(value),
            _ => {}
        }
    }
    (form, key)
}

pub(super) async fn intake_lead(
    State(state): State<HttpState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = request_id(&headers);
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !form_encoded {
        let err = AppError::bad_input("body", "Post the form as application/x-www-form-urlencoded");
        return refusal(&err, &request_id);
    }
    let body: Bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                APPLICATION_JSON,
                ErrorCode::BadUserInput,
                "The form is larger than 16 KiB",
                &request_id,
            );
        }
    };
    let (form, field_key) = read_form(&body);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| field_key.map(|key| format!("Bearer {key}")));
    let caller = match bearer_viewer(&state.app, authorization.as_deref()).await {
        Ok(Some(caller)) => caller,
        Ok(None) => return refusal(&AppError::unauthenticated(), &request_id),
        Err(err) => return refusal(&err, &request_id),
    };
    let addr = client_addr(&state.app, &headers, &connect);
    match submit(&state.app, &caller.viewer, &addr, form).await {
        Ok(_) => {
            let mut response = (
                StatusCode::CREATED,
                json!({ "status": "received" }).to_string(),
            )
                .into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            response
        }
        Err(err) => {
            let mut err = err;
            // The public learns that a lead exists, not which.
            err.existing_id = None;
            refusal(&err, &request_id)
        }
    }
}
