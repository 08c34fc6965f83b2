//! The missed-visit sweep, and visit statistics within visibility.

use super::*;

#[tokio::test]
async fn the_missed_sweep_marks_tasks_after_their_local_day_once_and_tells_the_manager() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Sweep", Some(&manager.id)).await;
    let rep = app
        .a_user()
        .in_team(&team)
        .timezone("America/Los_Angeles")
        .create()
        .await;
    let manager_token = app.token_for(&manager).await;
    let customer = a_located_customer(&app, &rep.token, "Sweep Co").await;
    // The 24th in Los Angeles ends at 08:00 UTC on the 25th.
    let yesterday = at("2026-11-24T20:00:00Z");
    let forgotten = planned(&app, &rep.token, a_visit(&customer, yesterday)).await;
    let also_forgotten = planned(&app, &rep.token, a_visit(&customer, yesterday)).await;
    let made = planned(&app, &rep.token, a_visit(&customer, yesterday)).await;
    let called_off = planned(&app, &rep.token, a_visit(&customer, yesterday)).await;
    let tomorrow = planned(
        &app,
        &rep.token,
        a_visit(&customer, at("2026-11-25T18:00:00Z")),
    )
    .await;
    check_in(
        &app,
        &rep.token,
        check_in_input(&made["id"], SQUARE.0, SQUARE.1, 5.0, now(&app)),
    )
    .await;
    cancel(
        &app,
        &rep.token,
        json!({"id": called_off["id"], "expectedVersion": 1}),
    )
    .await;

    let before = salesgraph::visits::missed::mark_missed(&app.state, at("2026-11-25T07:59:59Z"))
        .await
        .unwrap();
    let (one, two) = tokio::join!(
        salesgraph::visits::missed::mark_missed(&app.state, at("2026-11-25T08:00:00Z")),
        salesgraph::visits::missed::mark_missed(&app.state, at("2026-11-25T08:00:00Z")),
    );
    let again = salesgraph::visits::missed::mark_missed(&app.state, at("2026-11-25T09:00:00Z"))
        .await
        .unwrap();
    let notices = app
        .gql(
            Some(&manager_token),
            "{ notifications { nodes { kind subjectId } } }",
            json!({}),
        )
        .await;
    let rep_notices = app
        .gql(
            Some(&rep.token),
            "{ notifications { nodes { kind } } }",
            json!({}),
        )
        .await;

    assert_eq!(before.affected, 0, "the day is not over yet");
    assert_eq!(
        one.unwrap().affected + two.unwrap().affected,
        2,
        "each task once"
    );
    assert_eq!(again.affected, 0);
    for (task, status) in [
        (&forgotten, "MISSED"),
        (&also_forgotten, "MISSED"),
        (&made, "IN_PROGRESS"),
        (&called_off, "CANCELLED"),
        (&tomorrow, "PLANNED"),
    ] {
        let body = visit(&app, &rep.token, &task["id"]).await;
        assert_eq!(body["data"]["visitTask"]["status"], status, "{body}");
    }
    let missed = visit(&app, &rep.token, &forgotten["id"]).await;
    assert_eq!(
        time(&missed["data"]["visitTask"]["missedAt"]),
        at("2026-11-25T08:00:00Z")
    );
    let mut subjects: Vec<Value> = notices["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "VISIT_MISSED")
        .map(|n| n["subjectId"].clone())
        .collect();
    subjects.sort_by_key(|s| s.to_string());
    let mut expected = vec![forgotten["id"].clone(), also_forgotten["id"].clone()];
    expected.sort_by_key(|s| s.to_string());
    assert_eq!(subjects, expected);
    assert!(
        rep_notices["data"]["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] != "VISIT_MISSED"),
        "the manager is told, not the rep"
    );
}

#[tokio::test]
async fn visit_stats_count_per_rep_within_visibility() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Stats", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let manager_token = app.token_for(&manager).await;
    let customer = a_located_customer(&app, &rep.token, "Stats Co").await;
    let outsider_customer = a_located_customer(&app, &outsider.token, "Outside Co").await;
    let start = at("2026-11-25T03:00:00Z");
    let device = now(&app);
    // Completed on site (30 min) and off site (60 min), one cancelled, one missed, one ongoing.
    for (offset, minutes) in [(0.0, 30), (0.05, 60)] {
        let task = planned(&app, &rep.token, a_visit(&customer, start)).await;
        check_in(
            &app,
            &rep.token,
            check_in_input(
                &task["id"],
                SQUARE.0 + offset,
                SQUARE.1,
                5.0,
                device - Duration::minutes(90),
            ),
        )
        .await;
        let out = check_out(&app, &rep.token, json!({"id": task["id"], "summary": "Done", "outcome": "NEUTRAL", "deviceTime": device - Duration::minutes(90 - minutes)})).await;
        assert!(out["errors"].is_null(), "{out}");
    }
    let cancelled = planned(&app, &rep.token, a_visit(&customer, start)).await;
    cancel(
        &app,
        &rep.token,
        json!({"id": cancelled["id"], "expectedVersion": 1}),
    )
    .await;
    planned(
        &app,
        &rep.token,
        a_visit(&customer, at("2026-11-25T02:00:00Z")),
    )
    .await;
    salesgraph::visits::missed::mark_missed(&app.state, at("2026-11-25T16:00:00Z"))
        .await
        .unwrap();
    let ongoing = planned(
        &app,
        &rep.token,
        a_visit(&customer, at("2026-11-26T03:00:00Z")),
    )
    .await;
    check_in(
        &app,
        &rep.token,
        check_in_input(&ongoing["id"], SQUARE.0, SQUARE.1, 5.0, device),
    )
    .await;
    planned(&app, &outsider.token, a_visit(&outsider_customer, start)).await;
    let query = "query($input: VisitStatsInput!) { visitStats(input: $input) { user { id } planned completed missed cancelled inProgress onSiteRate averageDurationMinutes } }";
    let stats = |token: &str, input: Value| {
        let token = token.to_owned();
        let app = &app;
        async move { app.gql(Some(&token), query, json!({"input": input})).await }
    };
    let period = json!({"from": "2026-11-25", "to": "2026-11-26", "scope": "COMPANY"});

    let by_manager = stats(&manager_token, period.clone()).await;
    let by_admin = stats(&app.admin_token, period.clone()).await;
    let by_rep = stats(&rep.token, with(period.clone(), json!({"scope": "ME"}))).await;
    let rep_peeks = stats(
        &rep.token,
        with(
            period.clone(),
            json!({"scope": "ME", "userId": outsider.id}),
        ),
    )
    .await;
    let by_finance = stats(&finance.token, period.clone()).await;
    let team_by_admin = stats(
        &app.admin_token,
        with(period.clone(), json!({"scope": "TEAM", "teamId": team})),
    )
    .await;
    let first_day = stats(
        &manager_token,
        with(period.clone(), json!({"to": "2026-11-25"})),
    )
    .await;
    let empty = stats(
        &manager_token,
        with(
            period.clone(),
            json!({"from": "2026-12-01", "to": "2026-12-31"}),
        ),
    )
    .await;
    let backwards = stats(
        &manager_token,
        with(
            period.clone(),
            json!({"from": "2026-11-26", "to": "2026-11-25"}),
        ),
    )
    .await;

    let rep_row = json!({"user": {"id": rep.id}, "planned": 5, "completed": 2, "missed": 1,
        "cancelled": 1, "inProgress": 1, "onSiteRate": 2.0 / 3.0, "averageDurationMinutes": 45.0});
    assert_eq!(
        by_manager["data"]["visitStats"],
        json!([rep_row.clone()]),
        "{by_manager}"
    );
    assert_eq!(by_rep["data"]["visitStats"], json!([rep_row.clone()]));
    assert_eq!(
        team_by_admin["data"]["visitStats"],
        json!([rep_row.clone()]),
        "the team's rep only, not the outsider: {team_by_admin}"
    );
    let admin_rows = by_admin["data"]["visitStats"].as_array().unwrap();
    assert_eq!(admin_rows.len(), 2);
    assert_eq!(admin_rows[0], rep_row, "busiest first");
    assert_eq!(admin_rows[1]["planned"], 1);
    assert!(
        admin_rows[1]["onSiteRate"].is_null(),
        "no check-in, no rate"
    );
    assert!(admin_rows[1]["averageDurationMinutes"].is_null());
    assert_eq!(rep_peeks["data"]["visitStats"], json!([]));
    assert_eq!(by_finance["data"]["visitStats"], json!([]));
    assert_eq!(first_day["data"]["visitStats"][0]["planned"], 4);
    assert_eq!(first_day["data"]["visitStats"][0]["inProgress"], 0);
    assert_eq!(empty["data"]["visitStats"], json!([]));
    assert_eq!(
        (error_code(&backwards), error_field(&backwards)),
        (Some("BAD_USER_INPUT"), Some("input.to"))
    );
}
