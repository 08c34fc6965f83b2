//! Typed configuration, parsed once from the environment (and flags) at start-up.
//!
//! Just over 500 lines: one documented field per setting, the list README's configuration
//! table mirrors; splitting it would scatter that one list.

use std::time::Duration;

use clap::Args;

/// The default least number of characters in a new password (`SALESGRAPH_PASSWORD_MIN_CHARS`).
pub const DEFAULT_PASSWORD_MIN_CHARS: usize = 10;

/// Everything an operator may tune. Every field has an environment variable; README lists them.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Database URL: `sqlite://file.db` (created if missing) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://salesgraph.db")]
    pub database_url: String,
    /// Maximum database connections in this instance's pool.
    #[arg(long, env = "SALESGRAPH_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// PostgreSQL schema to work in (its `search_path`); empty means the server default.
    #[arg(long, env = "SALESGRAPH_DATABASE_SCHEMA", default_value = "")]
    pub database_schema: String,
    /// Statement timeout (PostgreSQL) in seconds.
    #[arg(
        long,
        env = "SALESGRAPH_DB_STATEMENT_TIMEOUT_SECS",
        default_value_t = 15
    )]
    pub db_statement_timeout_secs: u64,
    /// Address to listen on.
    #[arg(long, env = "SALESGRAPH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// HMAC secret for access tokens; generated and stored in the database when unset.
    #[arg(long, env = "SALESGRAPH_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// When set, `GET /metrics` answers only requests bearing `Authorization: Bearer <token>`.
    #[arg(long, env = "SALESGRAPH_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// `iss` claim written into and required from access tokens.
    #[arg(long, env = "SALESGRAPH_JWT_ISSUER", default_value = "salesgraph")]
    pub jwt_issuer: String,
    /// `aud` claim written into and required from access tokens.
    #[arg(
        long,
        env = "SALESGRAPH_JWT_AUDIENCE",
        default_value = "salesgraph-api"
    )]
    pub jwt_audience: String,
    /// Access-token lifetime in seconds.
    #[arg(long, env = "SALESGRAPH_ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: i64,
    /// Refresh-token lifetime in days.
    #[arg(long, env = "SALESGRAPH_REFRESH_TOKEN_TTL_DAYS", default_value_t = 30)]
    pub refresh_token_ttl_days: i64,
    /// Seconds during which a just-rotated refresh token may be presented again (a lost response).
    #[arg(
        long,
        env = "SALESGRAPH_REFRESH_REUSE_GRACE_SECS",
        default_value_t = 30
    )]
    pub refresh_reuse_grace_secs: i64,
    /// How long a user's role, activity and token version are cached per instance.
    #[arg(long, env = "SALESGRAPH_VIEWER_CACHE_SECS", default_value_t = 30)]
    pub viewer_cache_secs: u64,
    /// Bootstrap admin e-mail, used only when the database has no users.
    #[arg(
        long,
        env = "SALESGRAPH_ADMIN_EMAIL",
        default_value = "admin@localhost"
    )]
    pub admin_email: String,
    /// Bootstrap admin password; generated and printed once when unset.
    #[arg(long, env = "SALESGRAPH_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// The deployment's one currency (ISO 4217).
    #[arg(long, env = "SALESGRAPH_CURRENCY", default_value = "CNY")]
    pub currency: String,
    /// IANA time zone for users created without one.
    #[arg(
        long,
        env = "SALESGRAPH_DEFAULT_TIMEZONE",
        default_value = "Asia/Shanghai",
        value_parser = crate::calendar::parse_zone
    )]
    pub default_timezone: chrono_tz::Tz,
    /// Log format: `text` or `json`.
    #[arg(long, env = "SALESGRAPH_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Serve schema introspection (front-end tooling needs it); off also hides field suggestions.
    #[arg(long, env = "SALESGRAPH_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// `allow`: any valid document runs, and registered ones may also be sent by id; `require`:
    /// only documents registered with `salesgraph documents register` run (what a shipped
    /// mobile app needs; tooling that sends its own documents, introspection included, stops).
    #[arg(long, env = "SALESGRAPH_TRUSTED_DOCUMENTS", default_value = "allow", value_parser = ["allow", "require"])]
    pub trusted_documents: String,
    /// Automatic persisted queries: how many documents each instance remembers by hash.
    #[arg(
        long,
        env = "SALESGRAPH_PERSISTED_QUERY_CAPACITY",
        default_value_t = 2000
    )]
    pub persisted_query_capacity: usize,
    /// Serve the interactive explorer at `GET /graphql` for browsers.
    #[arg(long, env = "SALESGRAPH_EXPLORER", default_value_t = false, action = clap::ArgAction::Set)]
    pub explorer: bool,
    /// Comma-separated browser origins allowed by CORS; empty allows none, `*` any.
    #[arg(long, env = "SALESGRAPH_CORS_ORIGINS", default_value = "")]
    pub cors_origins: String,
    /// Trust `X-Forwarded-For` for the client address (only behind a trusted proxy).
    #[arg(long, env = "SALESGRAPH_TRUST_PROXY", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_proxy: bool,
    /// Maximum selection depth of an operation.
    #[arg(long, env = "SALESGRAPH_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Maximum complexity of an operation (a field costs 1; lists multiply by their page size).
    #[arg(long, env = "SALESGRAPH_MAX_COMPLEXITY", default_value_t = 2000)]
    pub max_complexity: usize,
    /// Maximum aliased fields in one document.
    #[arg(long, env = "SALESGRAPH_MAX_ALIASES", default_value_t = 20)]
    pub max_aliases: usize,
    /// Maximum operations in one batched HTTP request.
    #[arg(long, env = "SALESGRAPH_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Maximum request body in bytes.
    #[arg(long, env = "SALESGRAPH_BODY_LIMIT_BYTES", default_value_t = 256 * 1024)]
    pub body_limit_bytes: usize,
    /// Whole-request timeout in seconds.
    #[arg(long, env = "SALESGRAPH_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds a WebSocket may take to send `connection_init`.
    #[arg(long, env = "SALESGRAPH_WS_INIT_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_init_timeout_secs: u64,
    /// Largest WebSocket message accepted, in bytes.
    #[arg(long, env = "SALESGRAPH_WS_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024)]
    pub ws_max_message_bytes: usize,
    /// Read and write buffer of each WebSocket connection, in bytes (larger messages still
    /// arrive; the buffer only sets what an idle connection holds).
    #[arg(long, env = "SALESGRAPH_WS_BUFFER_BYTES", default_value_t = 2048)]
    pub ws_buffer_bytes: usize,
    /// How often an open WebSocket re-reads its account: a deactivated, revoked or changed
    /// account (role, teams) is closed with 4403 so its client signs in again.
    #[arg(long, env = "SALESGRAPH_WS_ACCOUNT_CHECK_SECS", default_value_t = 30)]
    pub ws_account_check_secs: u64,
    /// WebSockets one user may hold open on an instance; more close with 4429.
    #[arg(long, env = "SALESGRAPH_WS_MAX_PER_USER", default_value_t = 10)]
    pub ws_max_per_user: usize,
    /// WebSockets one client address may hold open on an instance; more close with 4429.
    #[arg(long, env = "SALESGRAPH_WS_MAX_PER_ADDRESS", default_value_t = 100)]
    pub ws_max_per_address: usize,
    /// Active subscriptions allowed on one WebSocket connection.
    #[arg(long, env = "SALESGRAPH_WS_MAX_SUBSCRIPTIONS", default_value_t = 20)]
    pub ws_max_subscriptions: usize,
    /// Failed logins per account within the window before `RATE_LIMITED`.
    #[arg(
        long,
        env = "SALESGRAPH_LOGIN_MAX_FAILURES_PER_ACCOUNT",
        default_value_t = 5
    )]
    pub login_max_failures_per_account: u64,
    /// Failed logins per client address within the window before `RATE_LIMITED`.
    #[arg(
        long,
        env = "SALESGRAPH_LOGIN_MAX_FAILURES_PER_CLIENT",
        default_value_t = 20
    )]
    pub login_max_failures_per_client: u64,
    /// Login-throttling window in seconds.
    #[arg(long, env = "SALESGRAPH_LOGIN_WINDOW_SECS", default_value_t = 900)]
    pub login_window_secs: i64,
    /// Days idempotency keys are kept.
    #[arg(
        long,
        env = "SALESGRAPH_IDEMPOTENCY_RETENTION_DAYS",
        default_value_t = 30
    )]
    pub idempotency_retention_days: i64,
    /// Seconds between housekeeping sweeps (expired keys, tokens, login failures).
    #[arg(
        long,
        env = "SALESGRAPH_HOUSEKEEPING_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub housekeeping_interval_secs: u64,
    /// Country calling code assumed for phone numbers written without one (duplicate detection).
    #[arg(long, env = "SALESGRAPH_DEFAULT_COUNTRY_CODE", default_value = "86")]
    pub default_country_code: String,
    /// Active leads (not converted or disqualified) a rep may hold before claiming is refused.
    #[arg(long, env = "SALESGRAPH_LEAD_CLAIM_LIMIT", default_value_t = 50)]
    pub lead_claim_limit: u64,
    /// Days an owned lead may go without follow-up before it returns to the pool.
    #[arg(long, env = "SALESGRAPH_LEAD_POOL_DAYS", default_value_t = 7)]
    pub lead_pool_days: i64,
    /// Seconds between sweeps returning neglected leads to the pool.
    #[arg(
        long,
        env = "SALESGRAPH_LEAD_SWEEP_INTERVAL_SECS",
        default_value_t = 900
    )]
    pub lead_sweep_interval_secs: u64,
    /// Seconds between sweeps reporting stale deals (once per deal and stage).
    #[arg(
        long,
        env = "SALESGRAPH_STALE_SWEEP_INTERVAL_SECS",
        default_value_t = 86_400
    )]
    pub stale_sweep_interval_secs: u64,
    /// Radius around a visit's location within which a check-in counts as on site, in metres.
    #[arg(
        long,
        env = "SALESGRAPH_CHECKIN_RADIUS_METERS",
        default_value_t = 500.0
    )]
    pub checkin_radius_meters: f64,
    /// Most a device's reported accuracy may widen the check-in radius, in metres.
    #[arg(
        long,
        env = "SALESGRAPH_CHECKIN_ACCURACY_CAP_METERS",
        default_value_t = 200.0
    )]
    pub checkin_accuracy_cap_meters: f64,
    /// How far in the past a device's check-in or check-out time may lie (an offline phone
    /// sending later), in seconds.
    #[arg(
        long,
        env = "SALESGRAPH_CHECKIN_MAX_DELAY_SECS",
        default_value_t = 6 * 3600
    )]
    pub checkin_max_delay_secs: i64,
    /// How far ahead of the server a device's clock may run at check-in or check-out, in seconds.
    #[arg(long, env = "SALESGRAPH_CHECKIN_MAX_AHEAD_SECS", default_value_t = 300)]
    pub checkin_max_ahead_secs: i64,
    /// Seconds between sweeps marking visits still planned after their local day as missed.
    #[arg(
        long,
        env = "SALESGRAPH_MISSED_VISIT_SWEEP_INTERVAL_SECS",
        default_value_t = 900
    )]
    pub missed_visit_sweep_interval_secs: u64,
    /// How far before the read `serverTime` of a visit sync lies, in seconds, so changes still
    /// committing during the read come again in the next sync.
    #[arg(long, env = "SALESGRAPH_SYNC_OVERLAP_SECS", default_value_t = 60)]
    pub sync_overlap_secs: i64,
    /// Days an offline sync may lie behind: a delta from longer ago answers `resyncRequired`
    /// (the log of what left callers' views is kept this long).
    #[arg(long, env = "SALESGRAPH_SYNC_RETENTION_DAYS", default_value_t = 30)]
    pub sync_retention_days: i64,
    /// The most ids one sync delta names in `removedIds`; past it the delta answers
    /// `resyncRequired` instead.
    #[arg(long, env = "SALESGRAPH_SYNC_MAX_REMOVED_IDS", default_value_t = 1000)]
    pub sync_max_removed_ids: u64,
    /// Days past due at which an installment's owner and finance are reminded, once each
    /// (0 = on the due date, -3 = three days before it), comma-separated.
    #[arg(
        long,
        env = "SALESGRAPH_OVERDUE_REMINDER_DAYS",
        default_value = "0,7,30"
    )]
    pub overdue_reminder_days: String,
    /// Seconds between sweeps sending reminders for due and overdue installments.
    #[arg(
        long,
        env = "SALESGRAPH_OVERDUE_SWEEP_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub overdue_sweep_interval_secs: u64,
    /// Minutes before an activity's due time its owner is reminded, when the activity names
    /// no reminder time of its own.
    #[arg(
        long,
        env = "SALESGRAPH_ACTIVITY_REMINDER_MINUTES",
        default_value_t = 15
    )]
    pub activity_reminder_minutes: i64,
    /// Seconds between sweeps sending activity reminders and overdue notices.
    #[arg(
        long,
        env = "SALESGRAPH_ACTIVITY_SWEEP_INTERVAL_SECS",
        default_value_t = 60
    )]
    pub activity_sweep_interval_secs: u64,
    /// Local hour (0–23, in each seller's time zone) after which a workday's daily report
    /// still missing is reminded, once; on Fridays the week's report too.
    #[arg(
        long,
        env = "SALESGRAPH_REPORT_DUE_HOUR",
        default_value_t = 19,
        value_parser = clap::value_parser!(u32).range(0..=23)
    )]
    pub report_due_hour: u32,
    /// Seconds between sweeps reminding sellers of missing daily and weekly reports.
    #[arg(
        long,
        env = "SALESGRAPH_REPORT_SWEEP_INTERVAL_SECS",
        default_value_t = 600
    )]
    pub report_sweep_interval_secs: u64,
    /// Seconds between sweeps indexing changed records for the search box (each search also
    /// indexes a batch first; the first sweep after start-up works off any backlog).
    #[arg(
        long,
        env = "SALESGRAPH_SEARCH_INDEX_INTERVAL_SECS",
        default_value_t = 30
    )]
    pub search_index_interval_secs: u64,
    /// Seconds between sweeps expiring quotes past their last valid day.
    #[arg(
        long,
        env = "SALESGRAPH_QUOTE_SWEEP_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub quote_sweep_interval_secs: u64,
    /// Event bus: `auto` (PostgreSQL `LISTEN/NOTIFY` on PostgreSQL, in-process on SQLite),
    /// `memory` (this process only) or `postgres`.
    #[arg(long, env = "SALESGRAPH_EVENT_BUS", default_value = "auto")]
    pub event_bus: String,
    /// The PostgreSQL `NOTIFY` channel instances of one deployment share.
    #[arg(
        long,
        env = "SALESGRAPH_EVENT_CHANNEL",
        default_value = "salesgraph_events"
    )]
    pub event_channel: String,
    /// Days around a contract's end within which a new contract of the same customer counts
    /// as its renewal (customer retention).
    #[arg(long, env = "SALESGRAPH_RENEWAL_WINDOW_DAYS", default_value_t = 60)]
    pub renewal_window_days: i64,
    /// The pipeline a seller (team, region) should hold against what remains of their target:
    /// `salesPerformance` flags rows whose `pipelineCoverage` is under this multiple.
    #[arg(long, env = "SALESGRAPH_PIPELINE_COVERAGE_MULTIPLE", default_value_t = 3.0, value_parser = parse_multiple)]
    pub pipeline_coverage_multiple: f64,
    /// How many periods `targetPlan` observes conversion rates and deal sizes over: the
    /// planned period and the ones just before it (1 to 24).
    #[arg(long, env = "SALESGRAPH_PLAN_LOOKBACK_PERIODS", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=24))]
    pub plan_lookback_periods: u32,
    /// Outbound webhooks.
    #[command(flatten)]
    pub webhooks: crate::webhook_settings::WebhookConfig,
    /// API keys and web-form intake.
    #[command(flatten)]
    pub api_keys: crate::api_key_settings::ApiKeyConfig,
    /// Tests only: milliseconds an approval decision or withdrawal waits between its reads and
    /// its guarded writes, widening the window in which concurrent calls race. Not a setting:
    /// read only by builds with the `test-hooks` feature (the test targets), 0 otherwise.
    #[arg(skip)]
    pub approval_race_delay_ms: u64,
    /// Apply pending migrations when `serve` starts. Turn off where migrations are their own
    /// deploy step (`salesgraph migrate up`); the server then refuses to start on an outdated
    /// schema.
    #[arg(long, env = "SALESGRAPH_MIGRATE_ON_START", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate_on_start: bool,
    /// Seconds a stopping server (SIGTERM/Ctrl-C) waits for in-flight requests and open
    /// WebSockets to finish before it exits anyway.
    #[arg(long, env = "SALESGRAPH_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
    /// Seconds a connection has to send a request's headers, from the moment the server waits
    /// for them (an idle kept-alive connection is closed after the same time).
    #[arg(long, env = "SALESGRAPH_HEADER_READ_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout_secs: u64,
    /// Argon2id memory cost in KiB (OWASP minimum 19456).
    #[arg(long, env = "SALESGRAPH_ARGON2_MEMORY_KIB", default_value_t = 19_456)]
    pub argon2_memory_kib: u32,
    /// Least number of characters in a new password.
    #[arg(long, env = "SALESGRAPH_PASSWORD_MIN_CHARS", default_value_t = DEFAULT_PASSWORD_MIN_CHARS)]
    pub password_min_chars: usize,
    /// Argon2id iterations.
    #[arg(long, env = "SALESGRAPH_ARGON2_ITERATIONS", default_value_t = 2)]
    pub argon2_iterations: u32,
    /// Days past an order's planned delivery date after which, still not delivered in full,
    /// its contract's owner and their managers are told (once).
    #[arg(long, env = "SALESGRAPH_LATE_DELIVERY_DAYS", default_value_t = 3)]
    pub late_delivery_days: i64,
    /// Seconds between sweeps reporting late deliveries.
    #[arg(
        long,
        env = "SALESGRAPH_LATE_DELIVERY_SWEEP_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub late_delivery_sweep_interval_secs: u64,
    /// Days after its due day a callback may still be made: then it is marked missed, and
    /// older callbacks are not planned at all (a contract signed long ago).
    #[arg(long, env = "SALESGRAPH_CALLBACK_GRACE_DAYS", default_value_t = 7, value_parser = clap::value_parser!(i64).range(0..=365))]
    pub callback_grace_days: i64,
    /// Seconds between callback sweeps (back-fill, overdue notices, missed marks).
    #[arg(long, env = "SALESGRAPH_CALLBACK_SWEEP_INTERVAL_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub callback_sweep_interval_secs: u64,
    /// Seconds between sweeps escalating tickets past their promised time.
    #[arg(long, env = "SALESGRAPH_TICKET_SWEEP_INTERVAL_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub ticket_sweep_interval_secs: u64,
    /// Seconds between sweeps storing customers' computed grades (for filters and sorting)
    /// and telling owners of changes.
    #[arg(long, env = "SALESGRAPH_GRADE_SWEEP_INTERVAL_SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub grade_sweep_interval_secs: u64,
    /// The company name printed at the top of quote documents (none when empty).
    #[arg(long, env = "SALESGRAPH_DOCUMENT_ISSUER", default_value = "")]
    pub document_issuer: String,
    /// Seconds a signed document link (`Quote.pdfUrl`) stays valid.
    #[arg(long, env = "SALESGRAPH_DOCUMENT_LINK_TTL_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub document_link_ttl_secs: u64,
    /// Where attachments' bytes are kept: `file://dir` (a local directory, created on first
    /// start) or `s3://bucket/prefix` (any S3-compatible store; credentials, region and
    /// endpoint from the standard `AWS_*` variables).
    #[arg(
        long,
        env = "SALESGRAPH_STORAGE_URL",
        default_value = "file://salesgraph-files"
    )]
    pub storage_url: String,
    /// Largest attachment in bytes.
    #[arg(long, env = "SALESGRAPH_UPLOAD_MAX_BYTES", default_value_t = 20 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..=1024 * 1024 * 1024))]
    pub upload_max_bytes: u64,
    /// Hours a merge of duplicates may be undone.
    #[arg(long, env = "SALESGRAPH_MERGE_UNDO_HOURS", default_value_t = 24, value_parser = clap::value_parser!(i64).range(0..=24 * 90))]
    pub merge_undo_hours: i64,
    /// Days a deleted record stays in the recycle bin before the sweep purges it.
    #[arg(long, env = "SALESGRAPH_RECYCLE_BIN_DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub recycle_bin_days: i64,
    /// Most data rows an import file may hold.
    #[arg(long, env = "SALESGRAPH_IMPORT_MAX_ROWS", default_value_t = 200_000, value_parser = clap::value_parser!(i64).range(1..=10_000_000))]
    pub import_max_rows: i64,
    /// Most files in one upload request.
    #[arg(long, env = "SALESGRAPH_UPLOAD_MAX_FILES", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=20))]
    pub upload_max_files: u64,
    /// Seconds an upload request may take (a phone on a slow network), instead of the
    /// request timeout.
    #[arg(long, env = "SALESGRAPH_UPLOAD_TIMEOUT_SECS", default_value_t = 300)]
    pub upload_timeout_secs: u64,
    /// Whether a check-in must carry a photo of the visit (`photoIds`) as on-site proof.
    #[arg(long, env = "SALESGRAPH_VISIT_REQUIRE_PHOTO", default_value_t = false, action = clap::ArgAction::Set)]
    pub visit_require_photo: bool,
    /// Seconds after which an attachment whose upload or removal never finished (a crash) is
    /// cleared, row and object; longer than any upload may take.
    #[arg(
        long,
        env = "SALESGRAPH_ATTACHMENT_ORPHAN_SECS",
        default_value_t = 3600
    )]
    pub attachment_orphan_secs: u64,
    /// How often the attachment orphan sweep runs, in seconds.
    #[arg(
        long,
        env = "SALESGRAPH_ATTACHMENT_SWEEP_INTERVAL_SECS",
        default_value_t = 600
    )]
    pub attachment_sweep_interval_secs: u64,
}

/// A coverage multiple: a number above 0, at most 100.
fn parse_multiple(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|m| m.is_finite() && *m > 0.0 && *m <= 100.0)
        .ok_or_else(|| format!("{text:?} is not a multiple above 0 and at most 100"))
}

impl Config {
    /// Defaults plus environment, with no command-line flags.
    pub fn from_env() -> Self {
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        <Wrapper as clap::Parser>::parse_from(["salesgraph"]).config
    }

    /// The built-in defaults alone, whatever the environment holds: tests and tools that must
    /// not pick up the developer's own `SALESGRAPH_*` settings start from these.
    pub fn defaults() -> Self {
        use clap::{Args as _, FromArgMatches as _};
        let command = Self::augment_args(clap::Command::new("salesgraph"))
            .mut_args(|arg| arg.env(None::<&str>));
        let matches = command.get_matches_from(["salesgraph"]);
        match Self::from_arg_matches(&matches) {
            Ok(config) => config,
            // Unreachable with the declared defaults; clap's own exit, as `from_env` would.
            Err(err) => err.exit(),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The largest body of an upload request: its files and the operations beside them.
    pub fn upload_body_limit(&self) -> usize {
        let files = self.upload_max_bytes.saturating_mul(self.upload_max_files);
        usize::try_from(files)
            .unwrap_or(usize::MAX)
            .saturating_add(self.body_limit_bytes)
            // Each part's headers and boundary.
            .saturating_add(64 * 1024)
    }

    /// The company's time zone (`SALESGRAPH_DEFAULT_TIMEZONE`, an IANA name checked at
    /// start-up): periods, due dates, aging and document years count in its days.
    pub fn company_tz(&self) -> chrono_tz::Tz {
        self.default_timezone
    }

    /// The calendar year of `now` in the company's time zone (document numbers count per year).
    pub fn company_year(&self, now: chrono::DateTime<chrono::Utc>) -> i32 {
        chrono::Datelike::year(&self.company_today(now))
    }

    /// Today in the company's time zone: due dates and aging count in it.
    pub fn company_today(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
        crate::calendar::today(self.default_timezone, now)
    }

    /// The reminder levels, ascending and without repeats (unparsable entries are skipped).
    pub fn reminder_levels(&self) -> Vec<i64> {
        let mut levels: Vec<i64> = self
            .overdue_reminder_days
            .split(',')
            .filter_map(|d| d.trim().parse().ok())
            // Up to a year either way: a level past that is a typo, not a reminder.
            .filter(|d| (-366..=366).contains(d))
            .collect();
        levels.sort_unstable();
        levels.dedup();
        levels
    }
}
