//! What the benchmarks share: an in-process server on a fresh database (a temporary SQLite
//! file, or a fresh schema of `BENCH_DATABASE_URL`), a GraphQL client, and percentiles.

#![allow(dead_code)] // each benchmark uses part of the shared harness

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub mod baseline;
pub mod process;

use salesgraph::clock::ManualClock;
use salesgraph::{AppState, Config, build_router, build_router_with, build_state, db};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@bench.local";
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

/// An integer knob from the environment.
pub fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// GraphQL over HTTP against the bench server; any error in a response stops the bench.
pub struct Client {
    pub http: reqwest::Client,
    pub url: String,
}

impl Client {
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(body["errors"].is_null(), "{body}");
        body["data"].clone()
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let data = self
            .gql(
                None,
                "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
                json!({"e": email, "p": password}),
            )
            .await;
        data["login"]["accessToken"].as_str().unwrap().to_owned()
    }
}

/// A running bench server.
pub struct Bench {
    pub client: Arc<Client>,
    pub statements: Arc<AtomicUsize>,
    pub backend: &'static str,
    pub state: Arc<AppState>,
    url: String,
    schema: Option<String>,
    file: Option<std::path::PathBuf>,
}

impl Bench {
    /// Starts the server with its clock standing at `now`.
    pub async fn start(now: chrono::DateTime<chrono::Utc>) -> Self {
        Self::start_with(now, |_| axum::Router::new()).await
    }

    /// Starts the server with `extra` routes beside the API, sharing its state and pool.
    /// `BENCH_SCHEMA` (PostgreSQL) or `BENCH_SQLITE_FILE` reuse a database prepared earlier
    /// (by `salesgraph seed-bench`, say), which is then kept.
    pub async fn start_with(
        now: chrono::DateTime<chrono::Utc>,
        extra: impl FnOnce(Arc<AppState>) -> axum::Router,
    ) -> Self {
        // `RUST_LOG` shows the in-process server's log (what an internal error hides).
        if std::env::var_os("RUST_LOG").is_some() {
            let filter = tracing_subscriber::EnvFilter::from_default_env();
            let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
        }
        let reused_schema = std::env::var("BENCH_SCHEMA").ok().filter(|s| !s.is_empty());
        let reused_file = std::env::var("BENCH_SQLITE_FILE")
            .ok()
            .filter(|s| !s.is_empty());
        let (url, schema, file) = match std::env::var("BENCH_DATABASE_URL") {
            Ok(base) if !base.is_empty() && reused_schema.is_some() => (base, reused_schema, None),
            _ if reused_file.is_some() => (
                format!("sqlite://{}", reused_file.clone().unwrap_or_default()),
                None,
                None,
            ),
            Ok(base) if !base.is_empty() => {
                let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(base.clone()).await.unwrap();
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{name}\""))
                    .await
                    .unwrap();
                (base, Some(name), None)
            }
            _ => {
                let path = std::env::temp_dir().join(format!(
                    "salesgraph-bench-{}.db",
                    uuid::Uuid::now_v7().simple()
                ));
                (format!("sqlite://{}", path.display()), None, Some(path))
            }
        };
        let pool = u32::try_from(knob("BENCH_POOL", 16)).unwrap();
        let mut connection =
            db::connect_url(&url, pool, Duration::from_secs(15), schema.as_deref())
                .await
                .unwrap();
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        // `BENCH_SLOW_SQL_MS=n` prints every statement slower than n ms, to find what to index.
        let slow = std::env::var("BENCH_SLOW_SQL_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis);
        connection.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            if slow.is_some_and(|limit| info.elapsed >= limit) {
                eprintln!("slow SQL {:?}: {}", info.elapsed, info.statement);
            }
        });
        db::migrate(&connection).await.unwrap();
        let mut config = Config::from_env();
        config.database_url = url.clone();
        config.admin_email = ADMIN_EMAIL.into();
        config.admin_password = Some(ADMIN_PASSWORD.into());
        config.jwt_secret = Some("bench-secret-that-is-long-enough-for-hs256".into());
        config.access_token_ttl_secs = 3600;
        config.argon2_memory_kib = 1024;
        config.argon2_iterations = 1;
        let state = build_state(connection, config, Arc::new(ManualClock::new(now)))
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = if std::env::var_os("BENCH_BASELINE_BARE").is_some() {
            build_router(state.clone()).merge(extra(state.clone()))
        } else {
            build_router_with(state.clone(), extra(state.clone()))
        };
        let header_read_timeout =
            std::time::Duration::from_secs(state.config.header_read_timeout_secs);
        tokio::spawn(salesgraph::server::serve(
            listener,
            router,
            header_read_timeout,
            std::future::pending(),
        ));
        Self {
            client: Arc::new(Client {
                http: reqwest::Client::new(),
                url: format!("http://{addr}/graphql"),
            }),
            statements,
            state,
            backend: if schema.is_some() {
                "PostgreSQL"
            } else {
                "SQLite"
            },
            url,
            schema,
            file,
        }
    }

    /// Drops the bench schema or file (kept with `BENCH_KEEP=1`, for inspection).
    pub async fn finish(self) {
        let reused = std::env::var("BENCH_SCHEMA").is_ok_and(|s| !s.is_empty())
            || std::env::var("BENCH_SQLITE_FILE").is_ok_and(|s| !s.is_empty());
        if reused || std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
            eprintln!("kept {:?} {:?}", self.schema, self.file);
            return;
        }
        if let Some(name) = self.schema {
            let admin = Database::connect(self.url).await.unwrap();
            let _ = admin
                .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                .await;
        }
        if let Some(path) = self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// The `p` quantile (0–1) of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// The name of the load generator's threads (their own runtime), so that the server's CPU time
/// can be told apart from the generator's in one process.
pub const CLIENT_THREADS: &str = "load-client";

/// A runtime for the load generator alone, its threads named [`CLIENT_THREADS`].
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(CLIENT_THREADS)
        .enable_all()
        .build()
        .expect("client runtime")
}

/// CPU time (user and system) this process's threads have used, except the load generator's:
/// the server's, from `/proc/self/task/*/stat` in clock ticks (100 per second on Linux).
pub fn server_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let mut ticks = 0_u64;
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: the name may hold spaces, the fields after it do not.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        if stat[open + 1..close].starts_with(CLIENT_THREADS) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // Fields 14 and 15 of the whole line (utime, stime) are 12 and 13 after the name.
        let used = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        ticks += used(11) + used(12);
    }
    Duration::from_millis(ticks * 10)
}
