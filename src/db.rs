//! Database connections: the embedded SQLite default and PostgreSQL for scale-out.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::Config;

/// How long a SQLite writer waits for the lock held by another writer before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the configured database. SQLite files are created if missing and run in WAL mode,
/// so readers never block the writer and concurrent writers queue on the busy timeout.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    connect_url(
        &config.database_url,
        config.db_max_connections,
        Duration::from_secs(config.db_statement_timeout_secs),
        Some(config.database_schema.as_str()).filter(|schema| !schema.is_empty()),
    )
    .await
}

/// Opens `url`; `search_path` pins PostgreSQL to one schema (used for isolated test databases).
pub async fn connect_url(
    url: &str,
    max_connections: u32,
    statement_timeout: Duration,
    search_path: Option<&str>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite") {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        // An in-memory database lives in its one connection.
        options.max_connections(if in_memory { 1 } else { max_connections.max(1) });
        options.map_sqlx_sqlite_opts(move |opts| {
            let opts = opts
                .create_if_missing(true)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT);
            if in_memory {
                opts
            } else {
                opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
            }
        });
    } else {
        options
            .max_connections(max_connections.max(1))
            .statement_timeout(statement_timeout)
            .set_application_name("salesgraph");
        if let Some(schema) = search_path {
            options.set_schema_search_path(schema.to_owned());
        }
    }
    Database::connect(options).await
}

/// Advisory-lock class under which PostgreSQL instances take turns migrating; the second key is
/// the schema being migrated, so only instances sharing one schema wait for each other.
const MIGRATION_LOCK: i32 = 0x5341_4c45;

/// Applies every pending migration. On PostgreSQL, instances starting together on one schema
/// take turns under an advisory lock, and each migration run is one transaction (PostgreSQL DDL
/// is transactional).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TransactionTrait};
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let txn = db.begin().await?;
    txn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
        [MIGRATION_LOCK.into()],
    ))
    .await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing when a
/// read would have to upgrade to a write; PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Writes `changes` to the row whose `id_column` is `id` only while its `version_column` is still
/// `expected_version`; false when someone changed it first (optimistic concurrency).
pub async fn update_if_version<E>(
    db: &impl sea_orm::ConnectionTrait,
    changes: E::ActiveModel,
    id_column: E::Column,
    id: uuid::Uuid,
    version_column: E::Column,
    expected_version: i32,
) -> Result<bool, DbErr>
where
    E: sea_orm::EntityTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter};
    let result = E::update_many()
        .set(changes)
        .filter(id_column.eq(id))
        .filter(version_column.eq(expected_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Adds every column of `F` to `query`, each named `{prefix}{column}`, so one joined statement
/// can carry several entities side by side (read them back with [`read_prefixed`]).
pub fn select_prefixed<F: sea_orm::EntityTrait>(
    query: &mut sea_orm::sea_query::SelectStatement,
    prefix: &str,
) {
    use sea_orm::{ColumnTrait, IdenStatic, Iterable};
    for column in <F::Column as Iterable>::iter() {
        query.expr_as(
            column.select_as(column.into_expr()),
            sea_orm::sea_query::Alias::new(format!("{prefix}{}", column.as_str())),
        );
    }
}

/// `LEFT JOIN entity ON entity.id = key AND also`, selecting the joined entity's columns under
/// `prefix` (read them back with [`read_prefixed`]): a one-to-one link fetched in its parent's
/// statement, `also` restricting it (to what the viewer may see, say).
pub fn left_join_prefixed<E: sea_orm::EntityTrait>(
    query: &mut sea_orm::sea_query::SelectStatement,
    entity: E,
    key: sea_orm::sea_query::Expr,
    also: sea_orm::Condition,
    prefix: &str,
) {
    left_join_needed(query, entity, key, also, prefix, crate::columns::Needs::ALL);
}

/// [`left_join_prefixed`] selecting only the columns `needs` holds ([`select_needed`]).
pub fn left_join_needed<E: sea_orm::EntityTrait>(
    query: &mut sea_orm::sea_query::SelectStatement,
    entity: E,
    key: sea_orm::sea_query::Expr,
    also: sea_orm::Condition,
    prefix: &str,
    needs: crate::columns::Needs,
) {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType};
    query.join(
        JoinType::LeftJoin,
        entity,
        sea_orm::Condition::all()
            .add(Expr::col((entity, Alias::new("id"))).eq(key))
            .add(also),
    );
    select_needed::<E>(query, prefix, needs);
}

/// Reads an entity selected by [`select_prefixed`] through an outer join: `None` when the join
/// matched no row (its `id` is null).
pub fn read_prefixed<M: sea_orm::FromQueryResult>(
    row: &sea_orm::QueryResult,
    prefix: &str,
) -> Result<Option<M>, DbErr> {
    let id: Option<uuid::Uuid> = row.try_get(prefix, "id")?;
    id.map(|_| M::from_query_result(row, prefix)).transpose()
}

/// A model read by position from a run of consecutive columns, as [`select_prefixed`] lays
/// them out: no column name is built or looked up per row. Implemented with [`read_at!`].
pub trait ReadAt: Sized {
    /// The model's columns in the order [`ReadAt::read_at`] reads them.
    const FIELDS: &'static [&'static str];

    /// The model from the columns `at`, `at + 1`, … of `row`.
    fn read_at(row: &sea_orm::QueryResult, at: usize) -> Result<Self, DbErr>;

    /// The model from the columns `needs` holds, selected in [`ReadAt::FIELDS`] order from
    /// `at` on (see [`select_needed`]); every other field holds its type's default, which the
    /// selection that asked for `needs` never reads.
    fn read_needed(
        row: &sea_orm::QueryResult,
        at: usize,
        needs: crate::columns::Needs,
    ) -> Result<Self, DbErr>;
}

/// Implements [`ReadAt`] for a model, naming its fields in the order they are selected; each
/// field is read from the column bearing its name (checked by [`needed_at`] once per result).
#[macro_export]
macro_rules! read_at {
    ($model:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::db::ReadAt for $model {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn read_at(
                row: &sea_orm::QueryResult,
                at: usize,
            ) -> Result<Self, sea_orm::DbErr> {
                let mut next = at;
                let mut position = || {
                    next += 1;
                    next - 1
                };
                Ok(Self {
                    $($field: row.try_get_by_index(position())?),+
                })
            }

            fn read_needed(
                row: &sea_orm::QueryResult,
                at: usize,
                needs: $crate::columns::Needs,
            ) -> Result<Self, sea_orm::DbErr> {
                let mut next = at;
                let mut index = 0_usize;
                let mut wanted = || {
                    index += 1;
                    needs.has(index - 1).then(|| {
                        next += 1;
                        next - 1
                    })
                };
                Ok(Self {
                    $($field: match wanted() {
                        Some(position) => row.try_get_by_index(position)?,
                        None => Default::default(),
                    }),+
                })
            }
        }
    };
}

/// Adds the columns of `F` that `needs` holds to `query`, each named `{prefix}{column}`, in
/// the order [`ReadAt::read_needed`] reads them.
pub fn select_needed<F: sea_orm::EntityTrait>(
    query: &mut sea_orm::sea_query::SelectStatement,
    prefix: &str,
    needs: crate::columns::Needs,
) {
    use sea_orm::{ColumnTrait, IdenStatic, Iterable};
    for (index, column) in <F::Column as Iterable>::iter().enumerate() {
        if needs.has(index) {
            query.expr_as(
                column.select_as(column.into_expr()),
                sea_orm::sea_query::Alias::new(format!("{prefix}{}", column.as_str())),
            );
        }
    }
}

/// Where the columns of `M` that `needs` holds, selected under `prefix` by [`select_needed`],
/// start among `names`: every one must follow in order from `id`.
pub fn needed_at<M: ReadAt>(
    names: &[String],
    prefix: &str,
    needs: crate::columns::Needs,
) -> Option<usize> {
    let named = |index: usize, field: &str| {
        names
            .get(index)
            .and_then(|name| name.strip_prefix(prefix))
            .is_some_and(|name| name == field)
    };
    if M::FIELDS.first() != Some(&"id") || !needs.has(0) {
        return None;
    }
    let start = (0..names.len()).find(|index| named(*index, "id"))?;
    M::FIELDS
        .iter()
        .enumerate()
        .filter(|(index, _)| needs.has(*index))
        .enumerate()
        .all(|(offset, (_, field))| named(start + offset, field))
        .then_some(start)
}

/// An entity joined under `prefix` with the columns `needs` holds ([`select_needed`]), read
/// from `at` ([`needed_at`]); `None` when the outer join matched no row.
pub fn read_needed_joined<M: ReadAt>(
    row: &sea_orm::QueryResult,
    at: usize,
    needs: crate::columns::Needs,
) -> Result<Option<M>, DbErr> {
    let id: Option<uuid::Uuid> = row.try_get_by_index(at)?;
    id.map(|_| M::read_needed(row, at, needs)).transpose()
}

/// A report's statement. On PostgreSQL its values are written into the SQL text: a prepared
/// statement run a few times switches to a generic plan that cannot see the period or the
/// sellers it aggregates, and measured 2–3× slower on the benchmark data; a statement without
/// parameters keeps the plan made for its literal values. (sea-query escapes every literal.)
/// SQLite keeps bound values (it stores ids as blobs a text literal would not match).
pub fn report_statement(
    backend: sea_orm::DbBackend,
    query: &sea_orm::sea_query::SelectStatement,
) -> sea_orm::Statement {
    match backend {
        sea_orm::DbBackend::Postgres => sea_orm::Statement::from_string(
            backend,
            query.to_string(sea_orm::sea_query::PostgresQueryBuilder),
        ),
        _ => backend.build(query),
    }
}

/// How often an instance that knows its database is down tries it again.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// How long such a try may take.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Whether the database answers, as this instance last saw it. While it is known to be down,
/// requests are answered `SERVICE_UNAVAILABLE` at once instead of each waiting for a
/// connection, and one request a second probes it (for at most half a second) to find it back.
#[derive(Debug, Default)]
pub struct Health {
    down: AtomicBool,
    last_probe: Mutex<Option<Instant>>,
}

impl Health {
    /// A request failed to reach the database.
    pub fn mark_down(&self) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!("database unreachable: answering SERVICE_UNAVAILABLE until it is back");
        }
    }

    /// Whether a request may go on to the database: always while it is up; while it is down,
    /// only the one probe a second, and only when that probe reaches it.
    pub async fn admit(&self, db: &DatabaseConnection) -> bool {
        if !self.down.load(Ordering::Relaxed) {
            return true;
        }
        {
            let mut last = self
                .last_probe
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.is_some_and(|at| at.elapsed() < PROBE_EVERY) {
                return false;
            }
            *last = Some(Instant::now());
        }
        let alive = matches!(
            tokio::time::timeout(PROBE_TIMEOUT, db.ping()).await,
            Ok(Ok(()))
        );
        if alive && self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("database reachable again");
        }
        alive
    }
}
