//! Salesgraph: a GraphQL API for B2B sales teams, from lead to cash.
//!
//! [`build_state`], [`build_schema`] and [`build_router`] assemble the service; `main`, the
//! tests and the benchmarks all use them.
// The merged query and mutation roots nest one level per domain.
#![recursion_limit = "256"]

pub mod activities;
pub mod aftersales;
pub mod analytics;
pub mod api_key_settings;
pub mod approvals;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod calendar;
pub mod campaigns;
pub mod clock;
pub mod coalesce;
pub mod columns;
pub mod config;
pub mod contracts;
pub mod customers;
pub mod db;
pub mod documents;
pub mod enums;
pub mod error;
pub mod events;
pub mod exact_sum;
pub mod exports;
pub mod finder;
pub mod flows;
pub mod followups;
pub mod graphql;
pub mod health;
pub mod history;
pub mod http;
pub mod idempotency;
pub mod identity;
pub mod ids;
pub mod imports;
pub mod input;
pub mod jobs;
pub mod leads;
pub mod lifecycle;
pub mod merges;
pub mod metrics;
pub mod money;
pub mod normalize;
pub mod notifications;
pub mod numbering;
pub mod opportunities;
pub mod orders;
pub mod outbox;
pub mod pagination;
pub mod playbook;
pub mod policy;
pub mod products;
pub mod quotes;
pub mod recycle;
pub mod report_scope;
pub mod search;
pub mod seed;
pub mod server;
pub mod service_accounts;
pub mod sockets;
pub mod state;
pub mod statements;
pub mod storage;
pub mod sweeps;
pub mod sync;
pub mod tickets;
pub mod trusted_documents;
pub mod users;
pub mod versioned;
pub mod views;
pub mod visits;
pub mod webhook_settings;
pub mod webhooks;
pub mod work_reports;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

pub use config::Config;
pub use graphql::{AppSchema, build_schema};
pub use state::AppState;

/// Builds the application state on an already migrated database.
pub async fn build_state(
    db: DatabaseConnection,
    config: Config,
    clock: Arc<dyn clock::Clock>,
) -> error::AppResult<Arc<AppState>> {
    let events = events::for_deployment(&db, &config).await?;
    let state = state::build(db, config, clock, events).await?;
    users::bootstrap::ensure_admin(&state).await?;
    Ok(Arc::new(state))
}

/// The HTTP router for `state`, with a schema built from it.
pub fn build_router(state: Arc<AppState>) -> axum::Router {
    build_router_with(state, axum::Router::new())
}

/// The HTTP router for `state` with `extra` routes mounted behind the same layers (request id,
/// tracing, timeout, body limit, CORS, compression) as the API's own.
pub fn build_router_with(state: Arc<AppState>, extra: axum::Router) -> axum::Router {
    let caches = graphql::InstanceCaches::default();
    let schema = graphql::build_schema_with(state.clone(), caches.clone());
    http::router(state, schema, caches, extra)
}
