//! `TestApp`: a real server on a random port over a fresh database (SQLite in memory, or a
//! fresh PostgreSQL database copied from a migrated template when `TEST_DATABASE_URL` is set),
//! plus fixture builders.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use salesgraph::clock::ManualClock;
use salesgraph::{AppState, Config, build_router, build_state, db};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@test.local";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const PASSWORD: &str = "user-password-123";

/// Serves `state` on a free loopback port through the binary's own accept loop, for as long as
/// the test runs; its address.
async fn serve_in_background(state: &Arc<AppState>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let header_read_timeout = Duration::from_secs(state.config.header_read_timeout_secs);
    tokio::spawn(salesgraph::server::serve(
        listener,
        build_router(state.clone()),
        header_read_timeout,
        std::future::pending(),
    ));
    addr
}

/// A database that exists for one test only.
pub struct TestDb {
    pub url: String,
    /// On PostgreSQL: the server's URL (any database) and this test's database, dropped after.
    database: Option<(String, String)>,
}

impl TestDb {
    /// A SQLite file with a pool of several connections, as `serve` runs it (deleted afterwards).
    pub fn sqlite_file() -> Self {
        let path = std::env::temp_dir().join(format!(
            "salesgraph-test-{}.db",
            uuid::Uuid::now_v7().simple()
        ));
        Self {
            url: format!("sqlite://{}", path.display()),
            database: None,
        }
    }

    /// An empty database (no migration applied), for tests of migrating.
    pub async fn create_for_test() -> Self {
        Self::create_with(false).await
    }

    async fn create() -> Self {
        Self::create_with(true).await
    }

    async fn create_with(migrated: bool) -> Self {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            None => Self {
                url: "sqlite::memory:".into(),
                database: None,
            },
            Some(base) => Self::postgres(base, migrated).await,
        }
    }

    /// A fresh database on the PostgreSQL server at `base`: copied from a template that holds
    /// every migration (made once per set of migrations, by whichever test process comes
    /// first), so tests never migrate concurrently; or empty when `migrated` is false.
    async fn postgres(base: String, migrated: bool) -> Self {
        let admin = Database::connect(base.clone())
            .await
            .expect("connect to PostgreSQL");
        let name = format!("sg_test_{}", uuid::Uuid::now_v7().simple());
        let create = if migrated {
            let template = ensure_template(&admin, &base).await;
            format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")
        } else {
            format!("CREATE DATABASE \"{name}\"")
        };
        admin
            .execute_unprepared(&create)
            .await
            .expect("create test database");
        let _ = admin.close().await;
        Self {
            url: database_url(&base, &name),
            database: Some((base, name)),
        }
    }

    pub async fn connect(&self) -> sea_orm::DatabaseConnection {
        db::connect_url(&self.url, 5, Duration::from_secs(15), None)
            .await
            .expect("connect test database")
    }
}

/// `base` (a PostgreSQL URL) naming the database `name` instead.
fn database_url(base: &str, name: &str) -> String {
    let mut url = url::Url::parse(base).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The template database holding every migration, made when missing: migrated under another
/// name, then renamed, so no test copies a half-built one. Its name follows the migrations'
/// names (migrations are append-only: a new one makes a new template).
async fn ensure_template(admin: &DatabaseConnection, base: &str) -> String {
    use migration::MigratorTrait;
    use sea_orm::Statement;
    use sha2::Digest;
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let digest = sha2::Sha256::digest(names.join("\n").as_bytes());
    let template = format!("sg_template_{}", &format!("{digest:x}")[..16]);
    let exists = async |name: &str| {
        admin
            .query_one_raw(Statement::from_sql_and_values(
                admin.get_database_backend(),
                "SELECT 1 FROM pg_database WHERE datname = $1",
                [name.into()],
            ))
            .await
            .expect("look for the template")
            .is_some()
    };
    if exists(&template).await {
        return template;
    }
    // One builder at a time; the others wait here, then find it made.
    let lock = Database::connect(base.to_owned())
        .await
        .expect("connect to PostgreSQL");
    lock.execute_unprepared("SELECT pg_advisory_lock(5341454)")
        .await
        .expect("take the template lock");
    if !exists(&template).await {
        let building = format!("{template}_building");
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
            ))
            .await
            .expect("clear a half-built template");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{building}\""))
            .await
            .expect("create the template");
        let connection = db::connect_url(
            &database_url(base, &building),
            1,
            Duration::from_secs(120),
            None,
        )
        .await
        .expect("connect to the template");
        db::migrate(&connection)
            .await
            .expect("migrate the template");
        let _ = connection.close().await;
        admin
            .execute_unprepared(&format!(
                "ALTER DATABASE \"{building}\" RENAME TO \"{template}\""
            ))
            .await
            .expect("name the template");
    }
    let _ = lock.close().await;
    template
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // A test's SQLite file goes with it (and its WAL and shared-memory files); on Unix an
        // open file may be unlinked, its last handle frees it.
        if let Some(path) = self.url.strip_prefix("sqlite://") {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        let Some((base, name)) = self.database.take() else {
            return;
        };
        // Drop runs outside async context: use a private runtime on its own thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let admin = Database::connect(base).await.ok()?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
    }
}

/// `TEST_DATABASE_URL`, else the local PostgreSQL every development and CI machine runs.
pub fn postgres_base_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// The `host:port` of a PostgreSQL URL as written, and as an address to connect to.
pub fn postgres_address(url: &str) -> (String, String) {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let after_user = after_scheme
        .rsplit_once('@')
        .map_or(after_scheme, |(_, rest)| rest);
    let authority = after_user
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .to_owned();
    let address = if authority.contains(':') {
        authority.clone()
    } else {
        format!("{authority}:5432")
    };
    (authority, address)
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    pub clock: ManualClock,
    pub admin_token: String,
    statements: Arc<AtomicUsize>,
    /// The SQL text of every statement while recording ([`TestApp::record_sql`]).
    sql: Arc<std::sync::Mutex<Option<Vec<String>>>>,
    _db: TestDb,
}

/// A user created through the API, signed in.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub password: String,
    pub token: String,
    pub refresh_token: String,
}

pub fn test_config() -> Config {
    // Not the developer's environment: a stray `SALESGRAPH_*` variable must not change tests.
    let mut config = Config::defaults();
    config.admin_email = ADMIN_EMAIL.into();
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.jwt_secret = Some("test-secret-that-is-long-enough-for-hs256".into());
    // Cheap hashing keeps tests fast; production defaults are in Config.
    config.argon2_memory_kib = 1024;
    config.argon2_iterations = 1;
    config.ws_init_timeout_secs = 2;
    config.storage_url = test_storage_url();
    config
}

/// Where the tests' local stores lie.
fn test_files_root() -> std::path::PathBuf {
    std::env::temp_dir().join("salesgraph-test-files")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // A test's local store goes with it (never a directory a test named itself).
        if let Some(dir) = self.state.config.storage_url.strip_prefix("file://") {
            let dir = std::path::Path::new(dir);
            if dir.starts_with(test_files_root()) {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}

/// A store of its own for each test: under `TEST_STORAGE_URL` (an `s3://bucket` of the
/// S3-compatible server CI starts) when set, else a fresh local directory.
pub fn test_storage_url() -> String {
    let unique = uuid::Uuid::now_v7();
    match std::env::var("TEST_STORAGE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(base) => format!("{}/test-{unique}", base.trim_end_matches('/')),
        None => format!(
            "file://{}",
            test_files_root().join(unique.to_string()).display()
        ),
    }
}

/// The upload every test sends, with the fields tests look at.
pub const UPLOAD_DOCUMENT: &str = "mutation($input: UploadAttachmentInput!) { uploadAttachment(input: $input) { attachment { id kind subjectType fileName contentType byteSize sha256 width height takenAt location { lat lng } checkInProof url createdAt uploadedBy { id } } } }";

/// The smallest PNG header of a `width`×`height` image (enough for type and size checks).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);
    bytes
}

/// The harness's sign-in.
const LOGIN_DOCUMENT: &str = "mutation($email: String!, $password: String!) { login(input: {email: $email, password: $password}) { accessToken refreshToken accessTokenExpiresAt user { id email role } } }";

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(TestDb::create().await, configure).await
    }

    /// With the clock standing at `at` from the start (tokens are issued at that time).
    pub async fn spawn_at(at: chrono::DateTime<chrono::Utc>) -> Self {
        Self::spawn_on_at(TestDb::create().await, |_| {}, at).await
    }

    /// On PostgreSQL whatever the run: `TEST_DATABASE_URL`, else the local server every
    /// development and CI machine runs. For what only exists on PostgreSQL (several instances).
    pub async fn spawn_on_postgres() -> Self {
        Self::spawn_on_postgres_with(|_| {}).await
    }

    /// On PostgreSQL reached through `127.0.0.1:{port}` (a proxy the test controls) instead of
    /// the server's own address; the test database is made and dropped directly.
    pub async fn spawn_on_postgres_through(port: u16, configure: impl FnOnce(&mut Config)) -> Self {
        let base = postgres_base_url();
        let mut db = TestDb::postgres(base.clone(), true).await;
        let (authority, _) = postgres_address(&base);
        db.url = db.url.replacen(&authority, &format!("127.0.0.1:{port}"), 1);
        Self::spawn_on(db, configure).await
    }

    /// [`TestApp::spawn_on_postgres`] with a changed configuration.
    pub async fn spawn_on_postgres_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(TestDb::postgres(postgres_base_url(), true).await, configure).await
    }

    /// On a SQLite file (when no PostgreSQL is configured for tests), with a real pool.
    pub async fn spawn_on_file_or_postgres() -> Self {
        Self::spawn_on_file_or_postgres_with(|_| {}).await
    }

    /// [`spawn_on_file_or_postgres`](Self::spawn_on_file_or_postgres) with the clock at `at`.
    pub async fn spawn_on_file_or_postgres_at(at: chrono::DateTime<chrono::Utc>) -> Self {
        let db = match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(_) => TestDb::create().await,
            None => TestDb::sqlite_file(),
        };
        Self::spawn_on_at(db, |_| {}, at).await
    }

    pub async fn spawn_on_file_or_postgres_with(configure: impl FnOnce(&mut Config)) -> Self {
        let db = match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(_) => TestDb::create().await,
            None => TestDb::sqlite_file(),
        };
        Self::spawn_on(db, configure).await
    }

    async fn spawn_on(test_db: TestDb, configure: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on_at(test_db, configure, chrono::Utc::now()).await
    }

    async fn spawn_on_at(
        test_db: TestDb,
        configure: impl FnOnce(&mut Config),
        start: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let mut connection = test_db.connect().await;
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let sql: Arc<std::sync::Mutex<Option<Vec<String>>>> = Arc::default();
        let log = sql.clone();
        connection.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut log) = log.lock()
                && let Some(log) = log.as_mut()
            {
                log.push(info.statement.sql.clone());
            }
        });
        db::migrate(&connection)
            .await
            .expect("migrate test database");
        let mut config = test_config();
        config.database_url = test_db.url.clone();
        if let Some((_, name)) = &test_db.database {
            // Each test its own event channel, as its own database.
            config.event_channel = format!("events_{name}");
        }
        configure(&mut config);
        let clock = ManualClock::new(start);
        let state = build_state(connection, config, Arc::new(clock.clone()))
            .await
            .expect("build state");
        let addr = serve_in_background(&state).await;
        let client = reqwest::Client::new();
        let mut app = Self {
            addr,
            client,
            state,
            clock,
            admin_token: String::new(),
            statements,
            sql,
            _db: test_db,
        };
        if app.state.config.trusted_documents == "require" {
            // Where only registered documents run, the harness's sign-in is one of them, as
            // a deployment registers its app's documents.
            let documents = std::collections::BTreeMap::from([(
                salesgraph::trusted_documents::hash_of(LOGIN_DOCUMENT),
                LOGIN_DOCUMENT.to_owned(),
            )]);
            salesgraph::trusted_documents::register(&app.state.db, &documents, start)
                .await
                .expect("register the sign-in document");
        }
        let login = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        app.admin_token = login["data"]["login"]["accessToken"]
            .as_str()
            .expect("admin token")
            .to_owned();
        app
    }

    /// A second instance of the server on this test's database (same secret, same event
    /// channel), as a load balancer would spread clients over several.
    pub async fn second_instance(&self) -> (SocketAddr, Arc<AppState>) {
        let connection = db::connect_url(&self._db.url, 5, Duration::from_secs(15), None)
            .await
            .expect("connect second instance");
        let mut config = (*self.state.config).clone();
        config.database_url = self._db.url.clone();
        let state = build_state(connection, config, Arc::new(self.clock.clone()))
            .await
            .expect("second state");
        let addr = serve_in_background(&state).await;
        (addr, state)
    }

    /// The database URL this test works in, and its schema (none: the database's own).
    pub fn database(&self) -> (String, Option<String>) {
        (self._db.url.clone(), None)
    }

    /// SQL statements run by the server since the last call (transaction control included).
    pub fn take_statement_count(&self) -> usize {
        self.statements.swap(0, Ordering::SeqCst)
    }

    /// Starts recording the SQL text of every statement the server runs (until
    /// [`TestApp::recorded_sql`]).
    pub fn record_sql(&self) {
        *self.sql.lock().expect("sql log") = Some(Vec::new());
    }

    /// The SQL recorded since [`TestApp::record_sql`], and stops recording.
    pub fn recorded_sql(&self) -> Vec<String> {
        self.sql.lock().expect("sql log").take().unwrap_or_default()
    }

    /// Waits until the server runs no statement of its own for a while (events of earlier
    /// requests published in the background, at most two seconds), so that a count that
    /// follows holds only the statements of the request measured.
    pub async fn quiet(&self) {
        let mut still = 0;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            still = if self.take_statement_count() == 0 {
                still + 1
            } else {
                0
            };
            if still == 3 {
                return;
            }
        }
    }

    /// The fewest statements one request costs over three runs, and the last answer. A loader
    /// reached from two places at the same depth gets one batch when both lists come back
    /// before it runs and two otherwise (on PostgreSQL, whose connections run concurrently,
    /// that varies from run to run); the cheapest of three runs is the usual cost.
    pub async fn cheapest_cost(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (usize, Value) {
        let mut cheapest = usize::MAX;
        let mut last = Value::Null;
        for _ in 0..3 {
            self.quiet().await;
            last = self.gql(token, query, variables.clone()).await;
            cheapest = cheapest.min(self.take_statement_count());
        }
        (cheapest, last)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POSTs a GraphQL request and returns the JSON body (any status).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post_json(token, &json!({ "query": query, "variables": variables }))
            .await
            .1
    }

    pub async fn post_json(
        &self,
        token: Option<&str>,
        body: &Value,
    ) -> (reqwest::StatusCode, Value) {
        let mut request = self.client.post(self.url("/graphql")).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("send request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A request with one file, as the GraphQL multipart request spec (and Apollo's upload link)
    /// sends it: `operations`, `map` placing the file at `variables.input.file`, then the file.
    pub async fn upload_request(
        &self,
        token: Option<&str>,
        query: &str,
        input: Value,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> (reqwest::StatusCode, Value) {
        let mut input = input;
        input["file"] = Value::Null;
        let operations = json!({ "query": query, "variables": { "input": input } });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": ["variables.input.file"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
            );
        let mut request = self.client.post(self.url("/graphql")).multipart(form);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("send upload");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `uploadAttachment` with `input` and the file; the response body.
    pub async fn upload(
        &self,
        token: &str,
        input: Value,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Value {
        self.upload_request(Some(token), UPLOAD_DOCUMENT, input, file_name, bytes)
            .await
            .1
    }

    /// POSTs `body` as the admin and returns the JSON body (any status).
    pub async fn admin_request(&self, body: Value) -> Value {
        self.post_json(Some(&self.admin_token), &body).await.1
    }

    pub async fn admin(&self, query: &str, variables: Value) -> Value {
        self.gql(Some(&self.admin_token), query, variables).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.gql(
            None,
            LOGIN_DOCUMENT,
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// A fresh access token for `user` (after moving the clock past token expiry).
    pub async fn token_for(&self, user: &TestUser) -> String {
        let body = self.login(&user.email, &user.password).await;
        body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    }

    pub fn a_user(&self) -> UserBuilder<'_> {
        UserBuilder {
            app: self,
            role: "SALES_REP",
            team_id: None,
            email: None,
            timezone: None,
            name: None,
        }
    }

    /// Creates a team (as admin) and returns its id.
    pub async fn a_team(&self, name: &str, manager_id: Option<&str>) -> String {
        let body = self
            .admin(
                "mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }",
                json!({ "input": { "name": name, "managerId": manager_id } }),
            )
            .await;
        body["data"]["createTeam"]["team"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("team not created: {body}"))
            .to_owned()
    }
}

pub struct UserBuilder<'a> {
    app: &'a TestApp,
    role: &'static str,
    team_id: Option<String>,
    email: Option<String>,
    timezone: Option<&'static str>,
    name: Option<String>,
}

impl UserBuilder<'_> {
    /// The display name (default "Test User").
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    pub fn role(mut self, role: &'static str) -> Self {
        self.role = role;
        self
    }

    pub fn in_team(mut self, team_id: &str) -> Self {
        self.team_id = Some(team_id.to_owned());
        self
    }

    pub fn timezone(mut self, timezone: &'static str) -> Self {
        self.timezone = Some(timezone);
        self
    }

    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.to_owned());
        self
    }

    /// Creates the user through `createUser` and signs them in.
    pub async fn create(self) -> TestUser {
        let email = self
            .email
            .unwrap_or_else(|| format!("{}@test.local", uuid::Uuid::now_v7().simple()));
        let body = self
            .app
            .admin(
                "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
                json!({ "input": {
                    "email": email, "displayName": self.name.as_deref().unwrap_or("Test User"), "role": self.role,
                    "password": PASSWORD, "teamId": self.team_id, "timezone": self.timezone
                } }),
            )
            .await;
        let id = body["data"]["createUser"]["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("user not created: {body}"))
            .to_owned();
        let login = self.app.login(&email, PASSWORD).await;
        TestUser {
            id,
            email,
            password: PASSWORD.into(),
            token: login["data"]["login"]["accessToken"]
                .as_str()
                .expect("token")
                .to_owned(),
            refresh_token: login["data"]["login"]["refreshToken"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        }
    }
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

pub fn error_field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}

/// A well-formed global id of `kind` (`"Customer"`, `"User"`, …) that names nothing.
/// The first error's code and field together, for refusals checked on both.
pub fn code_and_field(body: &Value) -> (Option<&str>, Option<&str>) {
    (error_code(body), error_field(body))
}

pub fn missing_id(kind: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{kind}:0193e6b0-0000-7000-8000-000000000000"))
}

/// The string at `path` in a response body; panics with the body when there is none.
pub fn string_at(body: &Value, path: &[&str]) -> String {
    let mut value = body;
    for key in path {
        value = &value[*key];
    }
    value
        .as_str()
        .unwrap_or_else(|| panic!("no {path:?}: {body}"))
        .to_owned()
}

/// A default win reason ("Other"), by its UUID (ids accept bare UUIDs).
pub const WIN_REASON: &str = "0193a000-0000-7000-8000-000000000505";
/// A default loss reason ("Other").
pub const LOSS_REASON: &str = "0193a000-0000-7000-8000-000000000407";

/// The subject ids of the caller's notifications of `kind` (among their latest 50), newest
/// first.
pub async fn notified_about(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let told = app
        .gql(
            Some(token),
            "{ notifications(first: 50) { nodes { kind subjectId } } }",
            serde_json::json!({}),
        )
        .await;
    told["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{told}"))
        .iter()
        .filter(|n| n["kind"] == kind)
        .map(|n| n["subjectId"].clone())
        .collect()
}
