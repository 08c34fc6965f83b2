//! Flaky networks: replays, stale versions that overwrite nothing, and incremental sync with
//! tombstones.

use super::*;

#[tokio::test]
async fn ten_concurrent_replays_of_one_check_in_check_in_once_even_hours_later() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let rep = app.a_user().create().await;
    let customer = a_located_customer(&app, &rep.token, "Replay Co").await;
    let task = planned(
        &app,
        &rep.token,
        a_visit(&customer, now(&app) + Duration::minutes(30)),
    )
    .await;
    let id = task["id"].clone();
    let input = with(
        check_in_input(&id, SQUARE.0, SQUARE.1, 8.0, now(&app)),
        json!({"idempotencyKey": "check-in-1"}),
    );

    let results =
        futures_util::future::join_all((0..10).map(|_| check_in(&app, &rep.token, input.clone())))
            .await;
    app.clock.advance(Duration::hours(7));
    let token = app.token_for(&rep).await;
    let hours_later = check_in(&app, &token, input.clone()).await;
    let other_key = check_in(
        &app,
        &token,
        with(
            check_in_input(&id, SQUARE.0, SQUARE.1, 8.0, now(&app)),
            json!({"idempotencyKey": "check-in-2"}),
        ),
    )
    .await;
    let reused = check_in(
        &app,
        &token,
        with(
            input.clone(),
            json!({"location": {"lat": 0.0, "lng": 0.0, "accuracyMeters": 8.0}}),
        ),
    )
    .await;
    let audits = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq("visit.checked_in"))
            .count(&app.state.db)
            .await
            .unwrap()
    };

    let first = visit_of(&results[0], "checkInVisit");
    for result in &results {
        assert_eq!(
            visit_of(result, "checkInVisit")["checkIn"],
            first["checkIn"],
            "{result}"
        );
        assert_eq!(visit_of(result, "checkInVisit")["version"], 2);
    }
    assert_eq!(
        visit_of(&hours_later, "checkInVisit")["checkIn"],
        first["checkIn"]
    );
    assert_eq!(error_code(&other_key), Some("INVALID_STATE"));
    assert_eq!(error_code(&reused), Some("IDEMPOTENCY_KEY_REUSED"));
    assert_eq!(audits, 1, "exactly one check-in was written");

    // Checked out since, the phone's queued check-in still gets the answer it missed.
    let out = check_out(
        &app,
        &token,
        json!({"id": id, "summary": "Done", "outcome": "POSITIVE", "idempotencyKey": "out-1"}),
    )
    .await;
    let after_check_out = check_in(&app, &token, input).await;
    assert_eq!(visit_of(&out, "checkOutVisit")["status"], "COMPLETED");
    assert_eq!(visit_of(&after_check_out, "checkInVisit"), first);
}

#[tokio::test]
async fn every_visit_mutation_replays_its_first_answer_and_refuses_a_stale_version() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = a_located_customer(&app, &rep.token, "Queue Co").await;
    let visit_at = |hour: u32| at(&format!("2026-11-25T{hour:02}:00:00Z"));
    let plan_input = with(
        a_visit(&customer, visit_at(3)),
        json!({"idempotencyKey": "plan-1"}),
    );
    let first_plan = plan(&app, &rep.token, plan_input.clone()).await;
    let id = visit_of(&first_plan, "planVisit")["id"].clone();
    let move_input = json!({"id": id, "plannedStart": visit_at(4), "plannedEnd": visit_at(5), "expectedVersion": 1, "idempotencyKey": "move-1"});
    let first_move = reschedule(&app, &rep.token, move_input.clone()).await;
    let stale_check_in = check_in(
        &app,
        &rep.token,
        with(
            check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, now(&app)),
            json!({"expectedVersion": 1}),
        ),
    )
    .await;
    let checked_in = check_in(
        &app,
        &rep.token,
        with(
            check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, now(&app)),
            json!({"expectedVersion": 2}),
        ),
    )
    .await;
    let stale_check_out = check_out(
        &app,
        &rep.token,
        json!({"id": id, "summary": "Late", "outcome": "NEUTRAL", "expectedVersion": 2}),
    )
    .await;
    let plan_again = plan(&app, &rep.token, plan_input).await;
    let move_again = reschedule(&app, &rep.token, move_input).await;
    let other = planned(&app, &rep.token, a_visit(&customer, visit_at(6))).await;
    let cancel_input = json!({"id": other["id"], "expectedVersion": 1, "reason": "Closed", "idempotencyKey": "cancel-1"});
    let first_cancel = cancel(&app, &rep.token, cancel_input.clone()).await;
    let cancel_again = cancel(&app, &rep.token, cancel_input).await;
    let tasks = app
        .gql(Some(&rep.token), "{ visitTasks { totalCount } }", json!({}))
        .await;

    assert_eq!(
        visit_of(&plan_again, "planVisit"),
        visit_of(&first_plan, "planVisit")
    );
    assert_eq!(visit_of(&first_plan, "planVisit")["version"], 1);
    assert_eq!(
        visit_of(&move_again, "rescheduleVisit"),
        visit_of(&first_move, "rescheduleVisit")
    );
    assert_eq!(
        visit_of(&move_again, "rescheduleVisit")["status"],
        "PLANNED"
    );
    assert_eq!(
        visit_of(&cancel_again, "cancelVisit"),
        visit_of(&first_cancel, "cancelVisit")
    );
    assert_eq!(error_code(&stale_check_in), Some("CONFLICT"));
    assert_eq!(
        stale_check_in["errors"][0]["extensions"]["currentVersion"],
        2
    );
    assert_eq!(visit_of(&checked_in, "checkInVisit")["version"], 3);
    assert_eq!(error_code(&stale_check_out), Some("CONFLICT"));
    assert_eq!(
        stale_check_out["errors"][0]["extensions"]["currentVersion"],
        3
    );
    assert_eq!(tasks["data"]["visitTasks"]["totalCount"], 2, "{tasks}");
}

#[tokio::test]
async fn an_offline_reschedule_against_an_old_version_conflicts_and_overwrites_nothing() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Offline", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let manager_token = app.token_for(&manager).await;
    let customer = a_located_customer(&app, &rep.token, "Offline Co").await;
    let task = planned(
        &app,
        &rep.token,
        a_visit(&customer, at("2026-11-25T02:00:00Z")),
    )
    .await;
    let id = task["id"].clone();

    let online = reschedule(&app, &manager_token, json!({"id": id, "plannedStart": "2026-11-25T08:00:00Z", "plannedEnd": "2026-11-25T09:00:00Z", "expectedVersion": 1})).await;
    let offline = reschedule(&app, &rep.token, json!({"id": id, "plannedStart": "2026-11-25T05:00:00Z", "plannedEnd": "2026-11-25T06:00:00Z", "expectedVersion": 1, "idempotencyKey": "offline-1"})).await;
    let stale_cancel = cancel(&app, &rep.token, json!({"id": id, "expectedVersion": 1})).await;
    let current = visit(&app, &rep.token, &id).await;

    assert_eq!(visit_of(&online, "rescheduleVisit")["version"], 2);
    assert_eq!(error_code(&offline), Some("CONFLICT"));
    assert_eq!(offline["errors"][0]["extensions"]["currentVersion"], 2);
    assert_eq!(error_code(&stale_cancel), Some("CONFLICT"));
    let current = &current["data"]["visitTask"];
    assert_eq!(
        time(&current["plannedStart"]),
        at("2026-11-25T08:00:00Z"),
        "the newer time stands"
    );
    assert_eq!(
        (current["version"].as_i64(), current["status"].as_str()),
        (Some(2), Some("PLANNED"))
    );
}

#[tokio::test]
async fn incremental_sync_returns_exactly_the_changes_since_the_given_time_with_tombstones() {
    let t0 = at("2026-11-25T01:00:00Z");
    let app = TestApp::spawn_at(t0).await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let customer = a_located_customer(&app, &rep.token, "Sync Co").await;
    let other_customer = a_located_customer(&app, &other.token, "Other Sync Co").await;
    let start = at("2026-11-25T06:00:00Z");
    let a = planned(&app, &rep.token, a_visit(&customer, start)).await;
    let b = planned(&app, &rep.token, a_visit(&customer, start)).await;
    let c = planned(&app, &rep.token, a_visit(&customer, start)).await;
    let sync = "query($since: DateTime, $after: String) { visitTasks(filter: {updatedSince: $since}, first: 2, after: $after) { serverTime totalCount pageInfo { hasNextPage endCursor } nodes { id status version cancelledAt } } }";
    let read_all = |token: String, since: Value| {
        let app = &app;
        async move {
            let mut nodes = Vec::new();
            let mut after = Value::Null;
            let mut server_time = Value::Null;
            loop {
                let body = app
                    .gql(Some(&token), sync, json!({"since": since, "after": after}))
                    .await;
                let page = &body["data"]["visitTasks"];
                assert!(page.is_object(), "{body}");
                server_time = if server_time.is_null() {
                    page["serverTime"].clone()
                } else {
                    server_time
                };
                nodes.extend(page["nodes"].as_array().unwrap().iter().cloned());
                if page["pageInfo"]["hasNextPage"] != true {
                    return (nodes, server_time);
                }
                after = page["pageInfo"]["endCursor"].clone();
            }
        }
    };

    app.clock.advance(Duration::minutes(5));
    let (first, since) = read_all(rep.token.clone(), Value::Null).await;
    app.clock.advance(Duration::minutes(5));
    let token = app.token_for(&rep).await;
    cancel(&app, &token, json!({"id": a["id"], "expectedVersion": 1})).await;
    reschedule(&app, &token, json!({"id": b["id"], "plannedStart": "2026-11-25T07:00:00Z", "plannedEnd": "2026-11-25T08:00:00Z", "expectedVersion": 1})).await;
    let d = planned(&app, &token, a_visit(&customer, start)).await;
    let other_token = app.token_for(&other).await;
    planned(&app, &other_token, a_visit(&other_customer, start)).await;
    app.clock.advance(Duration::minutes(5));
    let token = app.token_for(&rep).await;
    let (delta, next_since) = read_all(token.clone(), since.clone()).await;
    let (nothing, _) = read_all(token, next_since.clone()).await;

    let ids = |nodes: &[Value]| nodes.iter().map(|n| n["id"].clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&first),
        vec![a["id"].clone(), b["id"].clone(), c["id"].clone()]
    );
    assert_eq!(
        time(&since),
        t0 + Duration::minutes(4),
        "a minute before the read"
    );
    assert_eq!(
        ids(&delta),
        vec![a["id"].clone(), b["id"].clone(), d["id"].clone()],
        "the unchanged task and the other rep's stay out"
    );
    assert_eq!(
        delta[0]["status"], "CANCELLED",
        "a tombstone for the phone to drop"
    );
    assert!(delta[0]["cancelledAt"].is_string());
    assert_eq!(delta[1]["version"], 2);
    assert!(nothing.is_empty(), "{nothing:?}");
}
