//! Planning visits: where they show, what planning checks, and who plans and sees whose visits.

use super::*;

#[tokio::test]
async fn a_planned_visit_takes_the_customers_place_and_shows_on_customer_and_deal() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = a_located_customer(&app, &rep.token, "Harbour Logistics").await;
    let contact = a_contact(&app, &rep.token, &customer).await;
    let deal = a_deal_with(&app, &rep.token, &customer).await;

    let body = plan(
        &app,
        &rep.token,
        with(
            a_visit(&customer, at("2026-11-25T02:00:00Z")),
            json!({"contactId": contact, "opportunityId": deal, "idempotencyKey": "plan-1"}),
        ),
    )
    .await;
    let replay = plan(
        &app,
        &rep.token,
        with(
            a_visit(&customer, at("2026-11-25T02:00:00Z")),
            json!({"contactId": contact, "opportunityId": deal, "idempotencyKey": "plan-1"}),
        ),
    )
    .await;
    let elsewhere = planned(
        &app,
        &rep.token,
        with(
            a_visit(&customer, at("2026-11-25T05:00:00Z")),
            json!({"address": "Trade fair, hall 3", "location": {"lat": 31.19, "lng": 121.31}}),
        ),
    )
    .await;
    let nested = app
        .gql(
            Some(&rep.token),
            "query($c: ID!, $o: ID!) { customer(id: $c) { visits { nodes { id } } } opportunity(id: $o) { visits { nodes { id } } } }",
            json!({"c": customer, "o": deal}),
        )
        .await;

    let visit = visit_of(&body, "planVisit");
    assert_eq!(visit["status"], "PLANNED");
    assert_eq!(visit["version"], 1);
    assert_eq!(visit["address"], "120 Renmin Avenue");
    assert_eq!(visit["location"], json!({"lat": SQUARE.0, "lng": SQUARE.1}));
    assert_eq!(visit["localDate"], "2026-11-25", "10:00 in Shanghai");
    assert_eq!(visit["assignee"]["id"], rep.id.as_str());
    assert_eq!(visit["createdBy"]["id"], rep.id.as_str());
    assert_eq!(visit["contact"]["id"], contact.as_str());
    assert_eq!(visit["opportunity"]["stage"]["name"], "Initial contact");
    assert_eq!(
        visit_of(&replay, "planVisit")["id"],
        visit["id"],
        "a retry plans nothing new"
    );
    assert_eq!(elsewhere["address"], "Trade fair, hall 3");
    assert_eq!(elsewhere["location"], json!({"lat": 31.19, "lng": 121.31}));
    let customer_visits: Vec<&Value> = nested["data"]["customer"]["visits"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["id"])
        .collect();
    assert_eq!(
        customer_visits,
        vec![&elsewhere["id"], &visit["id"]],
        "latest first"
    );
    assert_eq!(
        nested["data"]["opportunity"]["visits"]["nodes"],
        json!([{"id": visit["id"]}])
    );
}

#[tokio::test]
async fn planning_checks_its_links_its_times_and_who_plans_for_whom() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Field East", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let other_rep = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let manager_token = app.token_for(&manager).await;
    let customer = a_located_customer(&app, &rep.token, "Rep's Customer").await;
    let other_customer = a_located_customer(&app, &other_rep.token, "Other Customer").await;
    let other_contact = a_contact(&app, &other_rep.token, &other_customer).await;
    let second_customer = a_located_customer(&app, &rep.token, "Second Customer").await;
    let foreign_contact = a_contact(&app, &rep.token, &second_customer).await;
    let base = a_visit(&customer, at("2026-11-25T03:00:00Z"));

    let cases = [
        (
            &rep.token,
            a_visit(&other_customer, at("2026-11-25T03:00:00Z")),
            "NOT_FOUND",
            Some("input.customerId"),
        ),
        (
            &rep.token,
            with(base.clone(), json!({"contactId": foreign_contact})),
            "BAD_USER_INPUT",
            Some("input.contactId"),
        ),
        (
            &rep.token,
            with(base.clone(), json!({"contactId": other_contact})),
            "NOT_FOUND",
            Some("input.contactId"),
        ),
        (
            &rep.token,
            with(base.clone(), json!({"plannedEnd": "2026-11-25T02:00:00Z"})),
            "BAD_USER_INPUT",
            Some("input.plannedEnd"),
        ),
        (
            &rep.token,
            with(base.clone(), json!({"purpose": "  "})),
            "BAD_USER_INPUT",
            Some("input.purpose"),
        ),
        (
            &rep.token,
            a_visit(&customer, at("2026-11-24T10:00:00Z")),
            "BAD_USER_INPUT",
            Some("input.plannedStart"),
        ),
        (
            &rep.token,
            with(base.clone(), json!({"location": {"lat": 91.0, "lng": 0.0}})),
            "BAD_USER_INPUT",
            Some("input.location"),
        ),
        (
            &rep.token,
            with(base.clone(), json!({"assigneeId": other_rep.id})),
            "FORBIDDEN",
            None,
        ),
        (
            &manager_token,
            with(base.clone(), json!({"assigneeId": other_rep.id})),
            "BAD_USER_INPUT",
            Some("input.assigneeId"),
        ),
        (&finance.token, base.clone(), "FORBIDDEN", None),
    ];
    for (token, input, code, field) in cases {
        let body = plan(&app, token, input.clone()).await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some(code), field),
            "{input}: {body}"
        );
    }
    let anonymous = app
        .gql(
            None,
            &mutation("planVisit", "PlanVisitInput"),
            json!({"input": base}),
        )
        .await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));

    let for_rep = planned(
        &app,
        &manager_token,
        with(base.clone(), json!({"assigneeId": rep.id})),
    )
    .await;
    assert_eq!(for_rep["assignee"]["id"], rep.id.as_str());
    assert_eq!(for_rep["createdBy"]["id"], manager.id.as_str());
    assert_eq!(
        my_tasks(&app, &rep.token, Some("2026-11-25")).await,
        vec![id_of(&for_rep)]
    );
    assert!(
        my_tasks(&app, &manager_token, Some("2026-11-25"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn visits_follow_the_role_matrix_and_a_rep_never_sees_another_reps_tasks() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let other_manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Field North", Some(&manager.id)).await;
    app.a_team("Field South", Some(&other_manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let peer = app.a_user().in_team(&team).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let manager_token = app.token_for(&manager).await;
    let other_manager_token = app.token_for(&other_manager).await;
    let customer = a_located_customer(&app, &rep.token, "Matrix Co").await;
    let task = planned(
        &app,
        &rep.token,
        a_visit(&customer, at("2026-11-25T03:00:00Z")),
    )
    .await;
    let id = task["id"].clone();
    let list = "{ visitTasks { totalCount nodes { id } } }";
    let node = "query($id: ID!) { node(id: $id) { id } }";

    // Who reads the task: (token, sees it).
    let readers = [
        (&rep.token, true),
        (&manager_token, true),
        (&app.admin_token, true),
        (&peer.token, false),
        (&other_manager_token, false),
        (&finance.token, false),
    ];
    for (token, sees) in readers {
        let by_id = visit(&app, token, &id).await;
        let listed = app.gql(Some(token), list, json!({})).await;
        let as_node = app.gql(Some(token), node, json!({"id": id})).await;
        let count = listed["data"]["visitTasks"]["totalCount"].as_i64().unwrap();
        if sees {
            assert_eq!(by_id["data"]["visitTask"]["id"], id, "{by_id}");
            assert_eq!(count, 1);
            assert_eq!(as_node["data"]["node"]["id"], id);
        } else {
            assert_eq!(error_code(&by_id), Some("NOT_FOUND"), "{by_id}");
            assert_eq!(count, 0, "{listed}");
            assert!(as_node["data"]["node"].is_null(), "{as_node}");
        }
    }
    assert!(
        my_tasks(&app, &peer.token, Some("2026-11-25"))
            .await
            .is_empty()
    );

    // Who may act on it: outsiders find nothing, the manager may plan but not be on site.
    let device = now(&app);
    for token in [&peer.token, &other_manager_token] {
        for body in [
            check_in(&app, token, check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device)).await,
            reschedule(&app, token, json!({"id": id, "plannedStart": "2026-11-25T04:00:00Z", "plannedEnd": "2026-11-25T05:00:00Z", "expectedVersion": 1})).await,
            cancel(&app, token, json!({"id": id, "expectedVersion": 1})).await,
        ] {
            assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
        }
    }
    for body in [
        check_in(
            &app,
            &finance.token,
            check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device),
        )
        .await,
        cancel(
            &app,
            &finance.token,
            json!({"id": id, "expectedVersion": 1}),
        )
        .await,
        check_in(
            &app,
            &manager_token,
            check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device),
        )
        .await,
        check_in(
            &app,
            &app.admin_token,
            check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device),
        )
        .await,
    ] {
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let moved = reschedule(&app, &manager_token, json!({"id": id, "plannedStart": "2026-11-25T04:00:00Z", "plannedEnd": "2026-11-25T05:00:00Z", "expectedVersion": 1})).await;
    assert_eq!(visit_of(&moved, "rescheduleVisit")["version"], 2);
    let checked_in = check_in(
        &app,
        &rep.token,
        check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device),
    )
    .await;
    assert_eq!(
        visit_of(&checked_in, "checkInVisit")["status"],
        "IN_PROGRESS"
    );
    let out = json!({"id": id, "summary": "Done", "outcome": "POSITIVE"});
    let out_by_manager = check_out(&app, &manager_token, out.clone()).await;
    let out_by_admin = check_out(&app, &app.admin_token, out.clone()).await;
    let out_by_finance = check_out(&app, &finance.token, out.clone()).await;
    let out_by_peer = check_out(&app, &peer.token, out.clone()).await;
    let out_by_rep = check_out(&app, &rep.token, out).await;
    assert_eq!(error_code(&out_by_manager), Some("FORBIDDEN"));
    assert_eq!(error_code(&out_by_admin), Some("FORBIDDEN"));
    assert_eq!(error_code(&out_by_finance), Some("FORBIDDEN"));
    assert_eq!(error_code(&out_by_peer), Some("NOT_FOUND"));
    assert_eq!(
        visit_of(&out_by_rep, "checkOutVisit")["status"],
        "COMPLETED"
    );

    // Admins and the team's manager plan, move and call off a rep's visits; finance never.
    let for_rep = |start: &str| with(a_visit(&customer, at(start)), json!({"assigneeId": rep.id}));
    let by_admin = planned(&app, &app.admin_token, for_rep("2026-11-26T03:00:00Z")).await;
    let by_manager = planned(&app, &manager_token, for_rep("2026-11-26T05:00:00Z")).await;
    let by_finance = plan(&app, &finance.token, for_rep("2026-11-26T07:00:00Z")).await;
    let move_by_finance = reschedule(&app, &finance.token, json!({"id": by_admin["id"], "plannedStart": "2026-11-26T04:00:00Z", "plannedEnd": "2026-11-26T05:00:00Z", "expectedVersion": 1})).await;
    let move_by_admin = reschedule(&app, &app.admin_token, json!({"id": by_admin["id"], "plannedStart": "2026-11-26T04:00:00Z", "plannedEnd": "2026-11-26T05:00:00Z", "expectedVersion": 1})).await;
    let cancel_by_manager = cancel(
        &app,
        &manager_token,
        json!({"id": by_manager["id"], "expectedVersion": 1}),
    )
    .await;
    let cancel_by_admin = cancel(
        &app,
        &app.admin_token,
        json!({"id": by_admin["id"], "expectedVersion": 2}),
    )
    .await;
    assert_eq!(by_admin["assignee"]["id"], json!(rep.id));
    assert_eq!(by_manager["assignee"]["id"], json!(rep.id));
    assert_eq!(error_code(&by_finance), Some("FORBIDDEN"));
    assert_eq!(error_code(&move_by_finance), Some("FORBIDDEN"));
    assert_eq!(visit_of(&move_by_admin, "rescheduleVisit")["version"], 2);
    assert_eq!(
        visit_of(&cancel_by_manager, "cancelVisit")["status"],
        "CANCELLED"
    );
    assert_eq!(
        visit_of(&cancel_by_admin, "cancelVisit")["status"],
        "CANCELLED"
    );
}
