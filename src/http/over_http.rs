//! GraphQL over HTTP: content negotiation (`application/graphql-response+json` or JSON), request
//! parsing and the shape of answers and refusals, POST (queries, mutations, batches) and GET
//! (queries only).
//!
//! Over 500 lines with its tests: POST and GET share negotiation, parsing and refusal shapes.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The media type to answer with, from `Accept`; `None` when nothing acceptable was asked for.
pub(super) fn negotiate(headers: &HeaderMap) -> Option<&'static str> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(APPLICATION_JSON);
    };
    let mut best: Option<(&'static str, f32)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let quality = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => GRAPHQL_RESPONSE_JSON,
            APPLICATION_JSON => APPLICATION_JSON,
            "*/*" | "application/*" => APPLICATION_JSON,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(_, q)| quality > q) {
            best = Some((candidate, quality));
        }
    }
    best.map(|(media, _)| media)
}

/// A GraphQL-shaped error body outside of execution (bad request, auth, limits).
pub(super) fn error_response(
    status: StatusCode,
    media: &str,
    code: ErrorCode,
    message: &str,
    request_id: &str,
) -> Response {
    let mut extensions = json!({ "code": code.as_str(), "requestId": request_id });
    if code == ErrorCode::ServiceUnavailable {
        extensions["retryable"] = Json::Bool(true);
    }
    let body = json!({ "errors": [{ "message": message, "extensions": extensions }] });
    let mut response = (status, body.to_string()).into_response();
    if code == ErrorCode::ServiceUnavailable {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if media == GRAPHQL_RESPONSE_JSON {
            "application/graphql-response+json; charset=utf-8"
        } else {
            "application/json; charset=utf-8"
        }),
    );
    response
}

/// A caller past a request limit (an API key's minute, a form's address): HTTP 429 with `Retry-After` and
/// `extensions.retryAfterSeconds`.
pub(super) fn rate_limited(media: &str, err: &AppError, request_id: &str) -> Response {
    let seconds = err.retry_after_seconds.unwrap_or(1);
    let body = json!({ "errors": [{ "message": err.message,
        "extensions": { "code": err.code.as_str(), "retryAfterSeconds": seconds,
            "requestId": request_id } }] });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if media == GRAPHQL_RESPONSE_JSON {
            "application/graphql-response+json; charset=utf-8"
        } else {
            "application/json; charset=utf-8"
        }),
    );
    response
}

/// A request refused by a limit before it was read: HTTP 400, `QUERY_REJECTED`.
pub(super) fn refused_request(
    media: &'static str,
    refusal: &crate::graphql::limits::Refusal,
    request_id: &str,
) -> Response {
    let message = match refusal {
        crate::graphql::limits::Refusal::OverLimit(message)
        | crate::graphql::limits::Refusal::FragmentCycle(message) => message,
    };
    error_response(
        StatusCode::BAD_REQUEST,
        media,
        ErrorCode::QueryRejected,
        message,
        request_id,
    )
}

pub(super) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub(super) fn client_addr(
    app: &AppState,
    headers: &HeaderMap,
    connect: &ConnectInfo<SocketAddr>,
) -> String {
    if app.config.trust_proxy
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return forwarded.to_owned();
    }
    connect.0.ip().to_string()
}

/// The caller from `Authorization: Bearer …`; `Ok(None)` when the header is absent.
pub(super) async fn bearer_viewer(
    app: &AppState,
    authorization: Option<&str>,
) -> Result<Option<crate::auth::service::Authenticated>, AppError> {
    let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(AppError::unauthenticated)?;
    let token = token.trim();
    if token.starts_with(crate::service_accounts::keys::KEY_PREFIX) {
        return crate::service_accounts::keys::authenticate(app, token)
            .await
            .map(Some);
    }
    crate::auth::service::authenticate(app, token)
        .await
        .map(Some)
}

/// Everything one HTTP request contributes to execution.
pub(super) struct Prepared {
    media: &'static str,
    viewer: Option<Viewer>,
    addr: String,
    request_id: String,
}

impl Prepared {
    /// Puts the caller, the client address, the request id and fresh loaders into `request`.
    fn attach(&self, app: &AppState, mut request: Request) -> Request {
        if let Some(viewer) = self.viewer.clone() {
            request.data.insert(viewer);
        }
        add_loaders(app, self.viewer.as_ref(), &mut request.data);
        request.data.insert(ClientAddr(self.addr.clone()));
        request.data.insert(RequestId(self.request_id.clone()));
        request
    }
}

pub(super) async fn prepare(
    state: &HttpState,
    headers: &HeaderMap,
    connect: &ConnectInfo<SocketAddr>,
) -> Result<Prepared, Response> {
    let request_id = request_id(headers);
    let media = negotiate(headers).ok_or_else(|| {
        error_response(
            StatusCode::NOT_ACCEPTABLE,
            APPLICATION_JSON,
            ErrorCode::BadUserInput,
            "Accept application/graphql-response+json or application/json",
            &request_id,
        )
    })?;
    let unavailable = || {
        let error = AppError::unavailable();
        error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            media,
            error.code,
            &error.message,
            &request_id,
        )
    };
    if !state.app.db_health.admit(&state.app.db).await {
        return Err(unavailable());
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let viewer = match bearer_viewer(&state.app, authorization).await {
        Ok(caller) => caller.map(|caller| caller.viewer),
        // An outage is not a sign-out: the token may be fine, the database cannot tell.
        Err(err) if err.code == ErrorCode::ServiceUnavailable => {
            state.app.db_health.mark_down();
            return Err(unavailable());
        }
        Err(err) if err.code == ErrorCode::RateLimited => {
            return Err(rate_limited(media, &err, &request_id));
        }
        Err(err) => {
            let mut response = error_response(
                StatusCode::UNAUTHORIZED,
                media,
                err.code,
                &err.message,
                &request_id,
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Err(response);
        }
    };
    let addr = client_addr(&state.app, headers, connect);
    Ok(Prepared {
        media,
        viewer,
        addr,
        request_id,
    })
}

/// Reads one GraphQL-over-HTTP request object, checking every member's type.
pub(super) fn parse_request(value: Json) -> Result<Request, String> {
    let Json::Object(mut object) = value else {
        return Err("A request must be a JSON object".into());
    };
    // A document may be named instead of sent: by `documentId`, or by Apollo's
    // `extensions.persistedQuery` (the executor resolves both).
    let named = object.contains_key(crate::graphql::persisted::DOCUMENT_ID)
        || object
            .get("extensions")
            .and_then(|e| e.get("persistedQuery"))
            .is_some();
    let query = match object.remove("query") {
        Some(Json::String(query)) if !query.trim().is_empty() => query,
        None | Some(Json::Null) if named => String::new(),
        _ => return Err("`query` must be a non-empty string".into()),
    };
    let mut request = Request::new(query);
    match object.remove(crate::graphql::persisted::DOCUMENT_ID) {
        None | Some(Json::Null) => {}
        Some(Json::String(id)) => {
            request.extensions.0.insert(
                crate::graphql::persisted::DOCUMENT_ID.to_owned(),
                async_graphql::Value::String(id),
            );
        }
        Some(_) => return Err("`documentId` must be a string".into()),
    }
    match object.remove("operationName") {
        None | Some(Json::Null) => {}
        Some(Json::String(name)) => request = request.operation_name(name),
        Some(_) => return Err("`operationName` must be a string or null".into()),
    }
    match object.remove("variables") {
        None | Some(Json::Null) => {}
        Some(vars @ Json::Object(_)) => request = request.variables(Variables::from_json(vars)),
        Some(_) => return Err("`variables` must be an object or null".into()),
    }
    match object.remove("extensions") {
        None | Some(Json::Null) => {}
        Some(Json::Object(mut extensions)) => {
            if let Some(persisted) = extensions.remove("persistedQuery") {
                let value = async_graphql::Value::from_json(persisted)
                    .map_err(|_| "`extensions.persistedQuery` must be an object".to_owned())?;
                request
                    .extensions
                    .0
                    .insert("persistedQuery".to_owned(), value);
            }
        }
        Some(_) => return Err("`extensions` must be an object or null".into()),
    }
    Ok(request)
}

/// Whether a response refuses the request before execution: the document could not be
/// parsed or validated, was over a limit, or its variables did not fit their types (a
/// `BAD_USER_INPUT` without a path; a resolver's has one).
pub(super) fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| {
            e.path.is_empty()
                && e.extensions.as_ref().and_then(|x| x.get("code")).is_some_and(|code| {
                    matches!(code, async_graphql::Value::String(c) if c == ErrorCode::GraphqlParseFailed.as_str()
                        || c == ErrorCode::GraphqlValidationFailed.as_str()
                        || c == ErrorCode::QueryRejected.as_str()
                        || c == ErrorCode::BadUserInput.as_str())
                })
        })
}

pub(super) fn response_json(response: &async_graphql::Response, request_id: &str) -> Json {
    let mut value = serde_json::to_value(response)
        .unwrap_or_else(|_| json!({"errors": [{"message": crate::error::INTERNAL_MESSAGE}]}));
    if let Some(Json::Array(errors)) = value.get_mut("errors") {
        for error in errors {
            if let Json::Object(error) = error {
                let extensions = error.entry("extensions").or_insert_with(|| json!({}));
                if let Json::Object(extensions) = extensions {
                    extensions.insert("requestId".into(), Json::String(request_id.to_owned()));
                }
            }
        }
    }
    // A request that never reached execution has no `data` entry (GraphQL over HTTP).
    if is_request_error(response)
        && let Json::Object(map) = &mut value
    {
        map.remove("data");
    }
    value
}

pub(super) fn graphql_response(
    media: &'static str,
    request_id: &str,
    batch: BatchResponse,
) -> Response {
    let (status, body) = match &batch {
        BatchResponse::Single(response) => {
            let status = if media == GRAPHQL_RESPONSE_JSON && is_request_error(response) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            // Without errors there is nothing to add: serialize the response as it is.
            let body = if response.errors.is_empty() {
                serde_json::to_string(response).ok()
            } else {
                None
            };
            let body = body.unwrap_or_else(|| response_json(response, request_id).to_string());
            (status, body)
        }
        BatchResponse::Batch(responses) => (
            StatusCode::OK,
            Json::Array(
                responses
                    .iter()
                    .map(|r| response_json(r, request_id))
                    .collect(),
            )
            .to_string(),
        ),
    };
    let content_type = if media == GRAPHQL_RESPONSE_JSON {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The operations of a JSON body: one request or a batch, each checked as it is parsed.
pub(super) fn parse_batch(
    state: &HttpState,
    media: &'static str,
    rid: &str,
    body: &[u8],
) -> Result<BatchRequest, Box<Response>> {
    let bad_request = |message: &str| {
        Box::new(error_response(
            StatusCode::BAD_REQUEST,
            media,
            ErrorCode::BadUserInput,
            message,
            rid,
        ))
    };
    if let Err(refusal) = crate::graphql::limits::check_json_nesting(body) {
        return Err(Box::new(refused_request(media, &refusal, rid)));
    }
    let Ok(json) = serde_json::from_slice::<Json>(body) else {
        return Err(bad_request("The request body is not valid JSON"));
    };
    match json {
        Json::Array(items) => {
            if items.is_empty() || items.len() > state.app.config.max_batch {
                return Err(Box::new(error_response(
                    StatusCode::BAD_REQUEST,
                    media,
                    ErrorCode::QueryRejected,
                    &format!(
                        "A batch holds 1 to {} operations",
                        state.app.config.max_batch
                    ),
                    rid,
                )));
            }
            items
                .into_iter()
                .map(parse_request)
                .collect::<Result<Vec<_>, _>>()
                .map(BatchRequest::Batch)
                .map_err(|message| bad_request(&message))
        }
        other => parse_request(other)
            .map(BatchRequest::Single)
            .map_err(|message| bad_request(&message)),
    }
}

pub(super) async fn graphql_post(
    State(state): State<HttpState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let rid = request_id(&headers);
    let media = negotiate(&headers).unwrap_or(APPLICATION_JSON);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let lowered = content_type.to_ascii_lowercase();
    // Files are read only for a signed-in caller: nobody else makes the server spool anything.
    let mut signed_in = None;
    let parsed = if lowered.starts_with(APPLICATION_JSON) {
        // The body limit layer has bounded the body already.
        match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => parse_batch(&state, media, &rid, &bytes),
            Err(_) => Err(Box::new(error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                media,
                ErrorCode::QueryRejected,
                "The request body is larger than the server accepts",
                &rid,
            ))),
        }
    } else if lowered.starts_with(super::uploads::MULTIPART) {
        let prepared = match prepare(&state, &headers, &connect).await {
            Ok(prepared) => prepared,
            Err(response) => return response,
        };
        if prepared.viewer.is_none() {
            let mut response = error_response(
                StatusCode::UNAUTHORIZED,
                media,
                ErrorCode::Unauthenticated,
                "Sign in to send files",
                &rid,
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
        signed_in = Some(prepared);
        super::uploads::receive(&state, media, &rid, content_type, body).await
    } else {
        Err(Box::new(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            ErrorCode::BadUserInput,
            "Send the request as application/json (or multipart/form-data with files)",
            &rid,
        )))
    };
    let requests = match parsed {
        Ok(requests) => requests,
        Err(response) => return *response,
    };
    let prepared = match signed_in {
        Some(prepared) => prepared,
        None => match prepare(&state, &headers, &connect).await {
            Ok(prepared) => prepared,
            Err(response) => return response,
        },
    };
    let requests = match requests {
        BatchRequest::Single(request) => BatchRequest::Single(prepared.attach(&state.app, request)),
        BatchRequest::Batch(items) => BatchRequest::Batch(
            items
                .into_iter()
                .map(|r| prepared.attach(&state.app, r))
                .collect(),
        ),
    };
    let responses = state.http.execute_batch(requests).await;
    match &responses {
        BatchResponse::Single(response) => note_outage(&state.app, std::iter::once(response)),
        BatchResponse::Batch(items) => note_outage(&state.app, items.iter()),
    }
    graphql_response(prepared.media, &prepared.request_id, responses)
}

/// Marks the database down when a response says it could not be reached.
pub(super) fn note_outage<'r>(
    app: &AppState,
    responses: impl Iterator<Item = &'r async_graphql::Response>,
) {
    let unreachable = responses.flat_map(|r| &r.errors).any(|error| {
        error.extensions.as_ref().and_then(|x| x.get("code"))
            == Some(&async_graphql::Value::String(
                ErrorCode::ServiceUnavailable.as_str().to_owned(),
            ))
    });
    if unreachable {
        app.db_health.mark_down();
    }
}

/// The type of the operation a GET request would run, if the document parses.
pub(super) fn operation_type(query: &str, operation_name: Option<&str>) -> Option<OperationType> {
    // The recursive parser must not see text nested beyond the limits; the executor refuses it.
    crate::graphql::limits::check_text_nesting(query).ok()?;
    let doc = async_graphql::parser::parse_query(query).ok()?;
    doc.operations
        .iter()
        .find(|(name, _)| operation_name.is_none() || name.map(|n| n.as_str()) == operation_name)
        .map(|(_, op)| op.node.ty)
}

pub(super) async fn graphql_get(
    State(state): State<HttpState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let rid = request_id(&headers);
    let media = negotiate(&headers).unwrap_or(APPLICATION_JSON);
    if state.app.config.explorer
        && !params.contains_key("query")
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
    {
        return Html(async_graphql::http::playground_source(
            async_graphql::http::GraphQLPlaygroundConfig::new("/graphql")
                .subscription_endpoint("/graphql/ws"),
        ))
        .into_response();
    }
    let mut object = serde_json::Map::new();
    if let Some(query) = params.get("query") {
        object.insert("query".into(), Json::String(query.clone()));
    }
    if let Some(name) = params.get("operationName") {
        object.insert("operationName".into(), Json::String(name.clone()));
    }
    if let Some(id) = params.get(crate::graphql::persisted::DOCUMENT_ID) {
        object.insert(
            crate::graphql::persisted::DOCUMENT_ID.into(),
            Json::String(id.clone()),
        );
    }
    for key in ["variables", "extensions"] {
        if let Some(raw) = params.get(key) {
            if let Err(refusal) = crate::graphql::limits::check_json_nesting(raw.as_bytes()) {
                return refused_request(media, &refusal, &rid);
            }
            match serde_json::from_str::<Json>(raw) {
                Ok(value) => {
                    object.insert(key.into(), value);
                }
                Err(_) => {
                    return error_response(
                        StatusCode::BAD_REQUEST,
                        media,
                        ErrorCode::BadUserInput,
                        &format!("`{key}` is not valid JSON"),
                        &rid,
                    );
                }
            }
        }
    }
    let mut request = match parse_request(Json::Object(object)) {
        Ok(request) => request,
        Err(message) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                media,
                ErrorCode::BadUserInput,
                &message,
                &rid,
            );
        }
    };
    // A document named by hash is looked up first: GET runs queries only, whatever names them.
    if let Err(error) = state.http.resolve_document(&mut request).await {
        return graphql_response(
            media,
            &rid,
            BatchResponse::Single(async_graphql::Response::from_errors(vec![error])),
        );
    }
    if operation_type(&request.query, request.operation_name.as_deref())
        .is_some_and(|t| t != OperationType::Query)
    {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            ErrorCode::BadUserInput,
            "Only queries may be sent with GET; use POST",
            &rid,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let prepared = match prepare(&state, &headers, &connect).await {
        Ok(prepared) => prepared,
        Err(response) => return response,
    };
    let request = prepared.attach(&state.app, request);
    let response = state.http.execute(request).await;
    note_outage(&state.app, std::iter::once(&response));
    graphql_response(
        prepared.media,
        &prepared.request_id,
        BatchResponse::Single(response),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn accept_negotiation_prefers_what_the_client_ranks_highest() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(APPLICATION_JSON));
        assert_eq!(
            negotiate(&accept("application/graphql-response+json")),
            Some(GRAPHQL_RESPONSE_JSON)
        );
        assert_eq!(
            negotiate(&accept(
                "application/json;q=0.9, application/graphql-response+json"
            )),
            Some(GRAPHQL_RESPONSE_JSON)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(APPLICATION_JSON));
        assert_eq!(negotiate(&accept("text/html")), None);
    }

    #[test]
    fn request_members_must_have_their_types() {
        assert!(parse_request(json!({"query": "{ a }"})).is_ok());
        assert!(
            parse_request(json!({"query": "{ a }", "variables": null, "operationName": null}))
                .is_ok()
        );
        assert!(parse_request(json!({"query": 1})).is_err());
        assert!(parse_request(json!({"query": "{ a }", "variables": "x"})).is_err());
        assert!(parse_request(json!({"query": "{ a }", "operationName": 3})).is_err());
        assert!(parse_request(json!([])).is_err());
    }

    #[test]
    fn get_detects_mutations_by_the_selected_operation() {
        assert_eq!(
            operation_type("mutation { a }", None),
            Some(OperationType::Mutation)
        );
        assert_eq!(
            operation_type("query Q { a } mutation M { b }", Some("Q")),
            Some(OperationType::Query)
        );
        assert_eq!(operation_type("{ a }", None), Some(OperationType::Query));
    }
}
