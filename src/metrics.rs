//! Prometheus metrics at `GET /metrics`: GraphQL operation latencies, error codes, database
//! pool usage and live WebSocket connections.
//!
//! The recorder is process-wide (Prometheus scrapes a process); every server built in one
//! process — tests build many — reports into it.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, OperationType, Selection,
};
use async_graphql::{Response, ServerResult, Variables};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseBackend, DatabaseConnection};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets in seconds, from a cached read to a slow report.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The process's recorder, installed on first use; `None` if another recorder was installed.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("graphql_operation_duration_seconds".to_owned()),
                    &BUCKETS,
                )
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

/// How often recorded latencies are folded into their histogram buckets.
const UPKEEP_PERIOD: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the latencies recorded since the last round into their buckets, every few seconds
/// until `shutdown` flips to true. The recorder keeps every raw sample until this runs (or a
/// scrape renders), so without it an instance nobody scrapes grows by each request it serves.
pub fn spawn_upkeep(
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(UPKEEP_PERIOD);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    if let Some(handle) = handle() {
                        handle.run_upkeep();
                    }
                }
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
            }
        }
    })
}

/// The metrics in Prometheus' text format, with the pool gauges read now.
pub fn render(db: &DatabaseConnection) -> String {
    let (size, idle) = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    handle().map(PrometheusHandle::render).unwrap_or_default()
}

/// Counts an open WebSocket connection until dropped.
#[derive(Debug)]
pub struct LiveSocket;

impl LiveSocket {
    pub fn open() -> Self {
        metrics::gauge!("websocket_connections").increment(1.0);
        Self
    }
}

impl Drop for LiveSocket {
    fn drop(&mut self) {
        metrics::gauge!("websocket_connections").decrement(1.0);
    }
}

/// The schema extension timing operations and counting error codes.
#[derive(Debug, Default)]
pub struct OperationMetrics;

impl ExtensionFactory for OperationMetrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationMetricsExtension::default())
    }
}

/// One request's timing; it learns the operations' labels when the document is parsed.
#[derive(Default)]
struct OperationMetricsExtension {
    labels: Mutex<Vec<(Option<String>, String)>>,
}

/// The label of every operation refused before execution, whatever root fields it named.
pub const INVALID_OPERATION: &str = "invalid";

/// Root fields named in a label at most; more are summed up as `+more`.
const MAX_LABELLED_FIELDS: usize = 4;

/// The label of an operation: its type and root fields (`query:myVisitTasks`), which the schema
/// bounds — not the operation name, which any client may invent without end.
fn label(operation: &OperationDefinition) -> String {
    let kind = match operation.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    let mut fields: Vec<&str> = operation
        .selection_set
        .node
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => field.node.name.node.as_str(),
            Selection::FragmentSpread(_) | Selection::InlineFragment(_) => "fragment",
        })
        .collect();
    fields.sort_unstable();
    fields.dedup();
    let more = fields.len() > MAX_LABELLED_FIELDS;
    fields.truncate(MAX_LABELLED_FIELDS);
    let mut label = format!("{kind}:{}", fields.join(","));
    if more {
        label.push_str(",+more");
    }
    label
}

/// The label of the operation `operation_name` picks in `document` (the only one when `None`).
pub fn operation_label(document: &ExecutableDocument, operation_name: Option<&str>) -> String {
    document
        .operations
        .iter()
        .find(|(name, _)| operation_name.is_none() || name.map(|n| n.as_str()) == operation_name)
        .map_or_else(
            || "unknown".to_owned(),
            |(_, operation)| label(&operation.node),
        )
}

/// Records one operation's latency under `label`.
pub fn record_operation(label: String, elapsed: std::time::Duration) {
    metrics::histogram!("graphql_operation_duration_seconds", "operation" => label)
        .record(elapsed.as_secs_f64());
}

/// Counts the codes of a response's errors.
pub fn count_errors(response: &Response) {
    for error in &response.errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map_or_else(|| "UNCODED".to_owned(), |c| c.to_string().replace('"', ""));
        metrics::counter!("graphql_errors_total", "code" => code).increment(1);
    }
}

#[async_trait::async_trait]
impl Extension for OperationMetricsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        count_errors(&response);
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let labels = document
            .operations
            .iter()
            .map(|(name, operation)| (name.map(|n| n.to_string()), label(&operation.node)))
            .collect();
        if let Ok(mut slot) = self.labels.lock() {
            *slot = labels;
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let started = Instant::now();
        let response = next.run(ctx, operation_name).await;
        let label = self.labels.lock().ok().and_then(|labels| {
            labels
                .iter()
                .find(|(name, _)| operation_name.is_none() || name.as_deref() == operation_name)
                .map(|(_, label)| label.clone())
        });
        record_operation(
            label.unwrap_or_else(|| "unknown".to_owned()),
            started.elapsed(),
        );
        response
    }
}
