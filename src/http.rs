//! The HTTP surface: GraphQL over HTTP (POST and GET, `Accept` honoured, mutations only over
//! POST), GraphQL over WebSocket (`graphql-transport-ws`, authenticated in `connection_init`),
//! health and readiness, and the middleware every request passes through.
//!
//! Over 1,000 lines: the WebSocket session (account gate, socket caps, close codes) belongs in
//! a module of its own; that split is planned with the layering work (issue 19).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::http::{WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, Data, Request, Variables};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use sea_orm::ConnectionTrait;
use serde_json::{Value as Json, json};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::{AppError, ErrorCode};
use crate::graphql::context::{ClientAddr, RequestId};
use crate::graphql::{AppSchema, add_loaders};
use crate::identity::Viewer;
use crate::state::AppState;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

/// What every handler shares.
#[derive(Clone)]
pub struct HttpState {
    pub app: Arc<AppState>,
    /// The schema with its extensions, for WebSockets.
    pub schema: AppSchema,
    /// The schema without extensions, for HTTP requests.
    pub http: crate::graphql::execution::HttpExecutor,
}

/// Builds the router with all layers, `extra` routes included behind them.
pub fn router(
    app: Arc<AppState>,
    schema: AppSchema,
    caches: crate::graphql::InstanceCaches,
    extra: Router,
) -> Router {
    crate::metrics::handle();
    let config = app.config.clone();
    let http = crate::graphql::http_executor_with(app.clone(), caches);
    let state = HttpState { app, schema, http };
    let cors = cors_layer(&config.cors_origins);
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
        .merge(extra)
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(RequestBodyLimitLayer::new(config.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout(),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<Body>| {
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id)
        }))
        .layer(axum::middleware::map_response(shape_too_large))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::map_request(drop_unfit_request_id))
        .layer(SetSensitiveRequestHeadersLayer::new([header::AUTHORIZATION]))
}

/// Longest client `x-request-id` kept; longer or unprintable ones are replaced by our own.
const MAX_REQUEST_ID_CHARS: usize = 64;

/// Removes a client request id that is too long or holds anything but printable ASCII, so the
/// id layer issues a fresh one and no client text of any size reaches logs and errors.
async fn drop_unfit_request_id(mut request: axum::extract::Request) -> axum::extract::Request {
    let fit = request.headers().get("x-request-id").is_none_or(|id| {
        let bytes = id.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID_CHARS
            && bytes.iter().all(|b| b.is_ascii_graphic())
    });
    if !fit {
        request.headers_mut().remove("x-request-id");
    }
    request
}

/// A body over the limit answers 413 with a GraphQL-shaped error, as every other refusal does.
async fn shape_too_large(response: Response) -> Response {
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE
        || response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"application/"))
    {
        return response;
    }
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        APPLICATION_JSON,
        ErrorCode::QueryRejected,
        "The request body is larger than the server accepts",
        &request_id,
    )
}

/// A bug must not take the connection down or leak its message: answer like any internal error.
fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        APPLICATION_JSON,
        ErrorCode::InternalServerError,
        crate::error::INTERNAL_MESSAGE,
        "",
    )
}

fn cors_layer(origins: &str) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers([axum::http::HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600));
    let origins: Vec<&str> = origins
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .collect();
    if origins.contains(&"*") {
        base.allow_origin(AllowOrigin::any())
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        base.allow_origin(AllowOrigin::list(list))
    }
}

/// Prometheus scrape endpoint; behind a bearer token when `SALESGRAPH_METRICS_TOKEN` is set.
async fn metrics(State(state): State<HttpState>, headers: HeaderMap) -> Response {
    if let Some(expected) = state
        .app
        .config
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    {
        let presented = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Digests are compared, so the time taken says nothing about the token.
        let digest = |text: &str| <sha2::Sha256 as sha2::Digest>::digest(text.as_bytes());
        if digest(presented) != digest(expected) {
            return (
                StatusCode::UNAUTHORIZED,
                [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
                "a metrics token is required",
            )
                .into_response();
        }
    }
    let body = crate::metrics::render(&state.app.db);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

async fn readyz(State(state): State<HttpState>) -> Response {
    if state.app.lifecycle.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining").into_response();
    }
    match state.app.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// The media type to answer with, from `Accept`; `None` when nothing acceptable was asked for.
fn negotiate(headers: &HeaderMap) -> Option<&'static str> {
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
fn error_response(
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

/// A request refused by a limit before it was read: HTTP 400, `QUERY_REJECTED`.
fn refused_request(
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

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn client_addr(app: &AppState, headers: &HeaderMap, connect: &ConnectInfo<SocketAddr>) -> String {
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
async fn bearer_viewer(
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
    crate::auth::service::authenticate(app, token.trim())
        .await
        .map(Some)
}

/// Everything one HTTP request contributes to execution.
struct Prepared {
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

async fn prepare(
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
fn parse_request(value: Json) -> Result<Request, String> {
    let Json::Object(mut object) = value else {
        return Err("A request must be a JSON object".into());
    };
    let query = match object.remove("query") {
        Some(Json::String(query)) if !query.trim().is_empty() => query,
        _ => return Err("`query` must be a non-empty string".into()),
    };
    let mut request = Request::new(query);
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
        None | Some(Json::Null | Json::Object(_)) => {}
        Some(_) => return Err("`extensions` must be an object or null".into()),
    }
    Ok(request)
}

fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| {
            e.extensions.as_ref().and_then(|x| x.get("code")).is_some_and(|code| {
                matches!(code, async_graphql::Value::String(c) if c == ErrorCode::GraphqlParseFailed.as_str()
                    || c == ErrorCode::GraphqlValidationFailed.as_str()
                    || c == ErrorCode::QueryRejected.as_str())
            })
        })
}

fn response_json(response: &async_graphql::Response, request_id: &str) -> Json {
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

fn graphql_response(media: &'static str, request_id: &str, batch: BatchResponse) -> Response {
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

async fn graphql_post(
    State(state): State<HttpState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rid = request_id(&headers);
    let media = negotiate(&headers).unwrap_or(APPLICATION_JSON);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with(APPLICATION_JSON)
    {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            ErrorCode::BadUserInput,
            "Send the request as application/json",
            &rid,
        );
    }
    let bad_request = |message: &str| {
        error_response(
            StatusCode::BAD_REQUEST,
            media,
            ErrorCode::BadUserInput,
            message,
            &rid,
        )
    };
    if let Err(refusal) = crate::graphql::limits::check_json_nesting(&body) {
        return refused_request(media, &refusal, &rid);
    }
    let Ok(json) = serde_json::from_slice::<Json>(&body) else {
        return bad_request("The request body is not valid JSON");
    };
    let requests = match json {
        Json::Array(items) => {
            if items.is_empty() || items.len() > state.app.config.max_batch {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    media,
                    ErrorCode::QueryRejected,
                    &format!(
                        "A batch holds 1 to {} operations",
                        state.app.config.max_batch
                    ),
                    &rid,
                );
            }
            match items
                .into_iter()
                .map(parse_request)
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(requests) => BatchRequest::Batch(requests),
                Err(message) => return bad_request(&message),
            }
        }
        other => match parse_request(other) {
            Ok(request) => BatchRequest::Single(request),
            Err(message) => return bad_request(&message),
        },
    };
    let prepared = match prepare(&state, &headers, &connect).await {
        Ok(prepared) => prepared,
        Err(response) => return response,
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
fn note_outage<'r>(app: &AppState, responses: impl Iterator<Item = &'r async_graphql::Response>) {
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
fn operation_type(query: &str, operation_name: Option<&str>) -> Option<OperationType> {
    // The recursive parser must not see text nested beyond the limits; the executor refuses it.
    crate::graphql::limits::check_text_nesting(query).ok()?;
    let doc = async_graphql::parser::parse_query(query).ok()?;
    doc.operations
        .iter()
        .find(|(name, _)| operation_name.is_none() || name.map(|n| n.as_str()) == operation_name)
        .map(|(_, op)| op.node.ty)
}

async fn graphql_get(
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
    let request = match parse_request(Json::Object(object)) {
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

async fn graphql_ws(
    State(state): State<HttpState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let config = state.app.config.clone();
    let addr = client_addr(&state.app, &headers, &connect);
    let rid = request_id(&headers);
    upgrade
        .protocols(["graphql-transport-ws"])
        .max_message_size(config.ws_max_message_bytes)
        .max_frame_size(config.ws_max_message_bytes)
        // The default 128 KiB read buffer would dominate an idle subscriber's memory.
        .read_buffer_size(config.ws_buffer_bytes)
        .write_buffer_size(config.ws_buffer_bytes)
        .on_upgrade(move |socket| serve_socket(state, socket, addr, rid))
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.to_owned().into(),
    }))
}

/// Waits for an authenticated `connection_init`, then hands the socket to async-graphql with
/// a cap on concurrent subscriptions.
async fn serve_socket(state: HttpState, socket: WebSocket, addr: String, rid: String) {
    let config = state.app.config.clone();
    let (mut sink, mut stream) = socket.split();
    // Held until the socket ends; beyond the caps, 4429 before anything else is read.
    let Some(_address_slot) = state.app.sockets_by_address.claim(&addr) else {
        let _ = sink.send(close(4429, TOO_MANY_SOCKETS)).await;
        return;
    };
    let init_timeout = Duration::from_secs(config.ws_init_timeout_secs);
    let first = match tokio::time::timeout(init_timeout, next_text(&mut stream)).await {
        Ok(Incoming::Text(text)) => text,
        Ok(Incoming::TooBig) => {
            let _ = sink.send(close(1009, MESSAGE_TOO_BIG)).await;
            return;
        }
        Ok(Incoming::End) => return,
        Err(_) => {
            let _ = sink
                .send(close(4408, "Connection initialisation timeout"))
                .await;
            return;
        }
    };
    let init: Json = serde_json::from_str(&first).unwrap_or(Json::Null);
    if init.get("type").and_then(Json::as_str) != Some("connection_init") {
        let _ = sink.send(close(4401, "Unauthorized")).await;
        return;
    }
    let authorization = init
        .get("payload")
        .and_then(|p| p.get("authorization").or_else(|| p.get("Authorization")))
        .and_then(Json::as_str);
    // An outage is not a sign-out: 1013 Try Again Later, and the client reconnects.
    if !state.app.db_health.admit(&state.app.db).await {
        let _ = sink.send(close(1013, TRY_AGAIN_LATER)).await;
        return;
    }
    let signed_in = match bearer_viewer(&state.app, authorization).await {
        Ok(Some(caller)) => caller,
        Err(err) if err.code == ErrorCode::ServiceUnavailable => {
            state.app.db_health.mark_down();
            let _ = sink.send(close(1013, TRY_AGAIN_LATER)).await;
            return;
        }
        _ => {
            let _ = sink.send(close(4403, "Forbidden")).await;
            return;
        }
    };
    let Some(_user_slot) = state.app.sockets_by_user.claim(&signed_in.viewer.user_id) else {
        let _ = sink.send(close(4429, TOO_MANY_SOCKETS)).await;
        return;
    };
    let viewer = signed_in.viewer.clone();
    // What the socket was opened as: checked again before every operation it starts and on an
    // interval, so an account deactivated, revoked, signed out or changed since stops acting
    // and hearing as it was.
    let gate = AccountGate {
        app: state.app.clone(),
        signed_in,
    };
    let mut account_check =
        tokio::time::interval(Duration::from_secs(config.ws_account_check_secs.max(1)));
    account_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    account_check.tick().await;
    let viewer_for_loaders = viewer.clone();
    let mut data = Data::default();
    data.insert(viewer);
    add_loaders(&state.app, Some(&viewer_for_loaders), &mut data);
    data.insert(ClientAddr(addr));
    data.insert(RequestId(rid));

    let _live = crate::metrics::LiveSocket::open();
    let mut draining = state.app.lifecycle.watch();
    let active: Arc<Mutex<HashSet<String>>> = Arc::default();
    let (reply_tx, mut reply_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    // Closes the socket with a code from outside async-graphql's protocol handling.
    let (closing_tx, mut closing_rx) =
        tokio::sync::mpsc::unbounded_channel::<(u16, &'static str)>();
    let max = config.ws_max_subscriptions;
    let incoming_active = active.clone();
    let incoming_gate = gate.clone();
    let too_big = closing_tx.clone();
    let incoming = futures_util::stream::once(async move { first })
        .chain(futures_util::stream::unfold(stream, move |mut s| {
            let too_big = too_big.clone();
            async move {
                match next_text(&mut s).await {
                    Incoming::Text(text) => Some((text, s)),
                    Incoming::TooBig => {
                        let _ = too_big.send((1009, MESSAGE_TOO_BIG));
                        // Nothing more is read; the loop below closes the socket.
                        std::future::pending::<()>().await;
                        None
                    }
                    Incoming::End => None,
                }
            }
        }))
        .then(move |text| {
            let (keep, starts) = admit(&text, &incoming_active, max, &reply_tx);
            let gate = incoming_gate.clone();
            let closing_tx = closing_tx.clone();
            async move {
                if starts && !gate.still_signed_in().await {
                    let _ = closing_tx.send((4403, ACCOUNT_CHANGED));
                    return None;
                }
                keep.then_some(text)
            }
        })
        .filter_map(std::future::ready)
        .boxed();
    let protocol = WebSocketProtocols::GraphQLWS;
    let mut graphql = async_graphql::http::WebSocket::new(state.schema.clone(), incoming, protocol)
        .connection_data(data)
        .on_connection_init(|_| async { Ok(Data::default()) });
    loop {
        tokio::select! {
            message = graphql.next() => {
                let Some(message) = message else { break };
                let outgoing = match message {
                    WsMessage::Text(text) => {
                        forget_finished(&text, &active);
                        Message::Text(text.into())
                    }
                    WsMessage::Close(code, reason) => {
                        let _ = sink.send(close(code, &reason)).await;
                        break;
                    }
                };
                if sink.send(outgoing).await.is_err() {
                    break;
                }
            }
            Some(reply) = reply_rx.recv() => {
                if sink.send(Message::Text(reply.into())).await.is_err() {
                    break;
                }
            }
            Some((code, reason)) = closing_rx.recv() => {
                let _ = sink.send(close(code, reason)).await;
                break;
            }
            _ = account_check.tick() => {
                if !gate.still_signed_in().await {
                    let _ = sink.send(close(4403, ACCOUNT_CHANGED)).await;
                    break;
                }
            }
            () = async { let _ = draining.wait_for(|draining| *draining).await; } => {
                // 1001 Going Away: clients reconnect, to another instance behind the balancer.
                let _ = sink.send(close(1001, "Server shutting down")).await;
                break;
            }
        }
    }
}

const TOO_MANY_SOCKETS: &str = "Too many open connections; close one and retry";

const TRY_AGAIN_LATER: &str = "The database is unavailable; reconnect shortly";

const ACCOUNT_CHANGED: &str = "Forbidden: the account changed or signed out; sign in again";

/// What a socket was signed in as, checked against the account as it stands now.
#[derive(Clone)]
struct AccountGate {
    app: Arc<AppState>,
    signed_in: crate::auth::service::Authenticated,
}

impl AccountGate {
    /// Whether the account still stands as the socket was opened: active, same role and
    /// teams, token version and session unrevoked. Read through the viewer cache (as HTTP
    /// requests are); a failed read keeps the socket, as the database may only be restarting.
    async fn still_signed_in(&self) -> bool {
        let signed_in = &self.signed_in;
        match crate::auth::service::current_record(&self.app, signed_in.viewer.user_id).await {
            Ok(Some(now)) => {
                now.viewer == signed_in.viewer
                    && now.admits(signed_in.token_version, signed_in.session)
            }
            Ok(None) => false,
            Err(_) => true,
        }
    }
}

/// What a client's socket delivered next.
enum Incoming {
    Text(String),
    /// A message over `SALESGRAPH_WS_MAX_MESSAGE_BYTES`: the socket closes with 1009.
    TooBig,
    End,
}

async fn next_text(stream: &mut futures_util::stream::SplitStream<WebSocket>) -> Incoming {
    while let Some(message) = stream.next().await {
        match message {
            Ok(Message::Text(text)) => return Incoming::Text(text.to_string()),
            Ok(Message::Binary(bytes)) => {
                return String::from_utf8(bytes.to_vec()).map_or(Incoming::End, Incoming::Text);
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            // The reader's size limit surfaces as an error naming it.
            Err(error) if error.to_string().contains("too long") => return Incoming::TooBig,
            Ok(Message::Close(_)) | Err(_) => return Incoming::End,
        }
    }
    Incoming::End
}

const MESSAGE_TOO_BIG: &str = "Message too big";

/// Tracks `subscribe`/`complete` from the client; refuses a subscription past the cap with an
/// `error` message for that id. Answers whether to forward the message, and whether it starts
/// an operation.
fn admit(
    text: &str,
    active: &Mutex<HashSet<String>>,
    max: usize,
    reply: &tokio::sync::mpsc::UnboundedSender<String>,
) -> (bool, bool) {
    let Ok(message) = serde_json::from_str::<Json>(text) else {
        return (true, false);
    };
    let id = message.get("id").and_then(Json::as_str).map(str::to_owned);
    let mut active = active
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match (message.get("type").and_then(Json::as_str), id) {
        (Some("subscribe"), Some(id)) => {
            if active.len() >= max && !active.contains(&id) {
                let error = json!({
                    "type": "error",
                    "id": id,
                    "payload": [{
                        "message": format!("At most {max} subscriptions per connection"),
                        "extensions": { "code": ErrorCode::QueryRejected.as_str() }
                    }]
                });
                let _ = reply.send(error.to_string());
                return (false, false);
            }
            active.insert(id);
            (true, true)
        }
        (Some("complete"), Some(id)) => {
            active.remove(&id);
            (true, false)
        }
        _ => (true, false),
    }
}

fn forget_finished(text: &str, active: &Mutex<HashSet<String>>) {
    let Ok(message) = serde_json::from_str::<Json>(text) else {
        return;
    };
    if matches!(
        message.get("type").and_then(Json::as_str),
        Some("complete" | "error")
    ) && let Some(id) = message.get("id").and_then(Json::as_str)
    {
        active
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(id);
    }
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
