//! The HTTP surface: the router and the middleware every request passes through (request id,
//! tracing, timeout, body limit, CORS, compression, panic guard), health, readiness and
//! metrics. GraphQL over HTTP is in [`over_http`] (POST and GET, `Accept` honoured, mutations
//! only over POST); GraphQL over WebSocket in [`websocket`] (`graphql-transport-ws`,
//! authenticated in `connection_init`); documents (quote PDFs) in [`documents`].

mod attachments;
mod documents;
mod exports;
mod imports;
mod intake;
mod over_http;
mod uploads;
mod websocket;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::http::{WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, Data, Request, Variables};
use axum::Router;
use axum::body::Body;
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
use over_http::*;
use websocket::*;

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
    let routes = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/documents/quotes/{file}", get(documents::quote_pdf))
        .route("/attachments/{id}", get(attachments::download))
        .route("/intake/leads", axum::routing::post(intake::intake_lead))
        .route("/exports/{file}", get(exports::download))
        .route("/imports/{id}/errors.csv", get(imports::errors))
        .with_state(state)
        .merge(extra)
        .layer(CompressionLayer::new())
        .layer(cors);
    // Requests with files get their own body limit and time; every other request the API's.
    let bounded = |limit: usize, timeout: Duration| {
        tower::ServiceBuilder::new()
            .layer(RequestBodyLimitLayer::new(limit))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                timeout,
            ))
            .service(routes.clone())
    };
    let steered = uploads::ByBody {
        normal: bounded(config.body_limit_bytes, config.request_timeout()),
        uploads: bounded(
            config.upload_body_limit(),
            Duration::from_secs(config.upload_timeout_secs),
        ),
    };
    Router::new()
        .fallback_service(steered)
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
