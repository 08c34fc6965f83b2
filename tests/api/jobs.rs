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
