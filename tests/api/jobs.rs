//! Background sweeps, run directly with the test's clock.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn housekeeping_forgets_idempotency_keys_after_the_retention_period() {
    let app = TestApp::spawn().await;
    let create = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }";
    let input = json!({"email": "kept@test.local", "displayName": "Kept", "role": "SALES_REP", "password": PASSWORD, "idempotencyKey": "key-1"});
    app.admin(create, json!({"input": input})).await;

    let early =
        salesgraph::jobs::housekeeping(&app.state, salesgraph::clock::Clock::now(&app.clock))
            .await
            .unwrap();
    let keys_early = entity::idempotency_key::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    app.clock.advance(chrono::Duration::days(31));
    let late =
        salesgraph::jobs::housekeeping(&app.state, salesgraph::clock::Clock::now(&app.clock))
            .await
            .unwrap();
    let keys_late = entity::idempotency_key::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();

    assert!(early.ran && late.ran);
    assert_eq!((keys_early, keys_late), (1, 0));
    assert!(late.affected >= 1);
}

#[tokio::test]
async fn housekeeping_deletes_login_failures_outside_the_window() {
    let app = TestApp::spawn().await;
    app.login(ADMIN_EMAIL, "wrong-password").await;
    salesgraph::jobs::housekeeping(&app.state, salesgraph::clock::Clock::now(&app.clock))
        .await
        .unwrap();
    assert_eq!(
        entity::login_failure::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );

    app.clock.advance(chrono::Duration::minutes(20));
    salesgraph::jobs::housekeeping(&app.state, salesgraph::clock::Clock::now(&app.clock))
        .await
        .unwrap();

    assert_eq!(
        entity::login_failure::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
// Meaningful on PostgreSQL (TEST_DATABASE_URL): two in-memory SQLite connections are two databases.
async fn instances_starting_together_migrate_without_tripping_over_each_other() {
    let test_db = TestDb::create_for_test().await;
    let (first, second) = (test_db.connect().await, test_db.connect().await);

    let (a, b) = tokio::join!(
        salesgraph::db::migrate(&first),
        salesgraph::db::migrate(&second)
    );

    assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    use sea_orm::EntityTrait;
    assert!(entity::user::Entity::find().all(&first).await.is_ok());
}

#[tokio::test]
async fn a_sqlite_file_runs_in_wal_mode_with_foreign_keys() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let db = TestDb::sqlite_file();
    let connection = db.connect().await;

    let row = connection
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA journal_mode",
        ))
        .await
        .unwrap()
        .unwrap();
    let keys = connection
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA foreign_keys",
        ))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "wal");
    assert_eq!(keys.try_get_by_index::<i32>(0).unwrap(), 1);
}

/// The names (and, on PostgreSQL, definitions) of `table`'s indexes.
async fn indexes_of(db: &sea_orm::DatabaseConnection, table: &str) -> Vec<(String, String)> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 \
             AND schemaname = current_schema()"
        }
        _ => {
            "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        }
    };
    db.query_all_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (
                row.try_get_by_index::<String>(0).unwrap(),
                row.try_get_by_index::<String>(1).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_report_indexes_carry_the_summed_columns_and_roll_back_to_plain_ones() {
    use migration::MigratorTrait;
    let test_db = TestDb::create_for_test().await;
    let db = test_db.connect().await;
    salesgraph::db::migrate(&db).await.unwrap();
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let named = |indexes: &[(String, String)], name: &str| {
        indexes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.clone())
    };

    let applied = indexes_of(&db, "visit_tasks").await;
    let covering = named(&applied, "idx_visits_local_date_cover").expect("covering index");
    assert_eq!(named(&applied, "idx_visits_local_date"), None);
    if postgres {
        assert!(
            covering.ends_with("(local_date) INCLUDE (assignee_id, status, check_in_on_site)"),
            "{covering}"
        );
        let deals = indexes_of(&db, "opportunities").await;
        let deals = named(&deals, "idx_opportunities_closed_at_cover").expect("deals index");
        assert!(
            deals.contains("(closed_at) INCLUDE (status, owner_id, amount_minor"),
            "{deals}"
        );
    }

    // Roll back this migration and any added after it.
    let migrations = migration::Migrator::migrations();
    let position = migrations
        .iter()
        .position(|m| m.name() == "m20261202_000011_covering_report_indexes")
        .expect("the covering indexes' migration");
    let steps = u32::try_from(migrations.len() - position).unwrap();
    migration::Migrator::down(&db, Some(steps)).await.unwrap();
    let rolled_back = indexes_of(&db, "visit_tasks").await;
    assert!(named(&rolled_back, "idx_visits_local_date").is_some());
    assert_eq!(named(&rolled_back, "idx_visits_local_date_cover"), None);

    migration::Migrator::up(&db, None).await.unwrap();
    let again = indexes_of(&db, "visit_tasks").await;
    assert!(named(&again, "idx_visits_local_date_cover").is_some());
    assert_eq!(named(&again, "idx_visits_local_date"), None);
}
