//! At the customer: check-in distances, every move of the state machine, and what a check-out logs
//! and plans.

use super::*;

#[tokio::test]
async fn check_in_measures_the_distance_and_decides_on_site() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = a_located_customer(&app, &rep.token, "Geo Co").await;
    let nowhere = crate::fixtures::a_customer(&app, &rep.token, "Nowhere Co").await;
    let start = at("2026-11-25T02:00:00Z");
    let device = now(&app) - Duration::minutes(2);
    // 0.003° and 0.006° of latitude north of the customer: about 334 m and 667 m.
    let metres_per_degree = 2.0 * std::f64::consts::PI * 6_371_008.8 / 360.0;
    let cases = [
        (0.003, 10.0, Some(true)),
        (0.006, 50.0, Some(false)),
        (0.006, 300.0, Some(true)), // the accuracy widens the radius by at most 200 m
        (0.010, 5_000.0, Some(false)),
    ];
    for (offset, accuracy, expected) in cases {
        let task = planned(&app, &rep.token, a_visit(&customer, start)).await;
        let body = check_in(
            &app,
            &rep.token,
            check_in_input(&task["id"], SQUARE.0 + offset, SQUARE.1, accuracy, device),
        )
        .await;
        let visit = visit_of(&body, "checkInVisit");
        let distance = visit["checkIn"]["distanceMeters"].as_f64().unwrap();
        assert!(
            (distance - offset * metres_per_degree).abs() < 1.0,
            "{offset}: {distance}"
        );
        assert_eq!(
            visit["checkIn"]["onSite"].as_bool(),
            expected,
            "{offset} ± {accuracy}"
        );
        assert_eq!(visit["checkIn"]["verified"], true);
        assert_eq!(
            time(&visit["checkIn"]["at"]),
            now(&app),
            "the server's own time"
        );
        assert_eq!(
            time(&visit["checkIn"]["deviceTime"]),
            device,
            "and the device's"
        );
        assert_eq!(visit["checkIn"]["accuracyMeters"], accuracy);
    }

    let unknown = planned(&app, &rep.token, a_visit(&nowhere, start)).await;
    assert!(unknown["location"].is_null());
    let unverified = check_in(
        &app,
        &rep.token,
        check_in_input(&unknown["id"], SQUARE.0, SQUARE.1, 5.0, device),
    )
    .await;
    let unverified = visit_of(&unverified, "checkInVisit");
    assert_eq!(unverified["status"], "IN_PROGRESS", "accepted all the same");
    assert_eq!(unverified["checkIn"]["verified"], false);
    assert!(unverified["checkIn"]["onSite"].is_null());
    assert!(unverified["checkIn"]["distanceMeters"].is_null());

    let task = planned(&app, &rep.token, a_visit(&customer, start)).await;
    let refused = [
        (
            now(&app) - Duration::hours(7),
            SQUARE.0,
            5.0,
            "input.deviceTime",
        ),
        (
            now(&app) + Duration::minutes(10),
            SQUARE.0,
            5.0,
            "input.deviceTime",
        ),
        (now(&app), SQUARE.0, -1.0, "input.location.accuracyMeters"),
        (now(&app), 95.0, 5.0, "input.location"),
    ];
    for (device, lat, accuracy, field) in refused {
        let body = check_in(
            &app,
            &rep.token,
            check_in_input(&task["id"], lat, SQUARE.1, accuracy, device),
        )
        .await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{body}"
        );
    }
    let still = visit(&app, &rep.token, &task["id"]).await;
    assert_eq!(still["data"]["visitTask"]["status"], "PLANNED");
    let late_but_allowed = check_in(
        &app,
        &rep.token,
        check_in_input(
            &task["id"],
            SQUARE.0,
            SQUARE.1,
            5.0,
            now(&app) - Duration::hours(5),
        ),
    )
    .await;
    assert_eq!(
        visit_of(&late_but_allowed, "checkInVisit")["status"],
        "IN_PROGRESS"
    );
}

#[tokio::test]
async fn every_move_of_the_state_machine_through_the_api() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = a_located_customer(&app, &rep.token, "State Co").await;
    let start = at("2026-11-25T02:00:00Z");
    let device = now(&app);
    let move_to = |id: &Value, version: i64| json!({"id": id, "plannedStart": "2026-11-25T06:00:00Z", "plannedEnd": "2026-11-25T07:00:00Z", "expectedVersion": version});
    let out = |id: &Value| json!({"id": id, "summary": "Met the buyer", "outcome": "NEUTRAL"});
    let invalid = |body: &Value| {
        assert_eq!(error_code(body), Some("INVALID_STATE"), "{body}");
    };

    // PLANNED: no check-out yet.
    let task = planned(&app, &rep.token, a_visit(&customer, start)).await;
    let id = task["id"].clone();
    invalid(&check_out(&app, &rep.token, out(&id)).await);
    let moved = visit_of(
        &reschedule(&app, &rep.token, move_to(&id, 1)).await,
        "rescheduleVisit",
    );
    assert_eq!(moved["status"], "PLANNED");
    assert_eq!(time(&moved["plannedStart"]), at("2026-11-25T06:00:00Z"));

    // PLANNED → IN_PROGRESS: nothing but check-out.
    let started = check_in(
        &app,
        &rep.token,
        check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device),
    )
    .await;
    assert_eq!(visit_of(&started, "checkInVisit")["status"], "IN_PROGRESS");
    invalid(
        &check_in(
            &app,
            &rep.token,
            check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device),
        )
        .await,
    );
    invalid(&cancel(&app, &rep.token, json!({"id": id, "expectedVersion": 3})).await);
    invalid(&reschedule(&app, &rep.token, move_to(&id, 3)).await);

    // IN_PROGRESS → COMPLETED: final.
    let done = check_out(&app, &rep.token, out(&id)).await;
    assert_eq!(visit_of(&done, "checkOutVisit")["status"], "COMPLETED");
    invalid(&check_out(&app, &rep.token, out(&id)).await);
    invalid(
        &check_in(
            &app,
            &rep.token,
            check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device),
        )
        .await,
    );
    invalid(&cancel(&app, &rep.token, json!({"id": id, "expectedVersion": 4})).await);

    // PLANNED → CANCELLED: final.
    let task = planned(&app, &rep.token, a_visit(&customer, start)).await;
    let id = task["id"].clone();
    let cancelled = cancel(
        &app,
        &rep.token,
        json!({"id": id, "expectedVersion": 1, "reason": "Customer asked"}),
    )
    .await;
    let cancelled = visit_of(&cancelled, "cancelVisit");
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["cancelReason"], "Customer asked");
    invalid(
        &check_in(
            &app,
            &rep.token,
            check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device),
        )
        .await,
    );
    invalid(&reschedule(&app, &rep.token, move_to(&id, 2)).await);
    invalid(&cancel(&app, &rep.token, json!({"id": id, "expectedVersion": 2})).await);

    // PLANNED → MISSED (by the sweep): final.
    let task = planned(&app, &rep.token, a_visit(&customer, start)).await;
    let id = task["id"].clone();
    salesgraph::visits::missed::mark_missed(&app.state, at("2026-11-25T16:00:00Z"))
        .await
        .unwrap();
    let missed = visit(&app, &rep.token, &id).await;
    assert_eq!(missed["data"]["visitTask"]["status"], "MISSED");
    invalid(
        &check_in(
            &app,
            &rep.token,
            check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, device),
        )
        .await,
    );
    invalid(&cancel(&app, &rep.token, json!({"id": id, "expectedVersion": 2})).await);
    invalid(&reschedule(&app, &rep.token, move_to(&id, 2)).await);
}

#[tokio::test]
async fn check_out_logs_a_follow_up_renews_the_lead_and_plans_the_next_visit() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = a_located_customer(&app, &rep.token, "Follow Co").await;
    let contact = a_contact(&app, &rep.token, &customer).await;
    let lead = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id poolDeadline } } }",
            json!({"input": {"name": "Upsell at Follow Co", "company": "Follow Co", "source": "REFERRAL"}}),
        )
        .await;
    let lead_id = lead["data"]["createLead"]["lead"]["id"].clone();
    let task = planned(
        &app,
        &rep.token,
        with(
            a_visit(&customer, at("2026-11-25T02:00:00Z")),
            json!({"contactId": contact, "leadId": lead_id}),
        ),
    )
    .await;
    assert_eq!(
        task["lead"]["id"], lead_id,
        "the visit's lead, as an object"
    );
    let id = task["id"].clone();
    let arrived = now(&app);
    check_in(
        &app,
        &rep.token,
        check_in_input(&id, SQUARE.0, SQUARE.1, 5.0, arrived),
    )
    .await;
    app.clock.advance(Duration::minutes(40));
    let token = app.token_for(&rep).await;
    let left = now(&app) - Duration::minutes(5);
    let next_at = at("2026-11-27T02:00:00Z");
    let early = check_out(
        &app,
        &token,
        json!({"id": id, "summary": "Walked the site", "outcome": "POSITIVE", "deviceTime": arrived - Duration::minutes(1)}),
    )
    .await;

    let body = check_out(
        &app,
        &token,
        json!({"id": id, "summary": "Walked the site with the buyer", "outcome": "POSITIVE",
            "nextStep": "Bring the signed quote", "nextVisitAt": next_at, "deviceTime": left,
            "idempotencyKey": "out-1"}),
    )
    .await;
    let replay = check_out(
        &app,
        &token,
        json!({"id": id, "summary": "Walked the site with the buyer", "outcome": "POSITIVE",
            "nextStep": "Bring the signed quote", "nextVisitAt": next_at, "deviceTime": left,
            "idempotencyKey": "out-1"}),
    )
    .await;
    let after = app
        .gql(
            Some(&token),
            "query($c: ID!, $l: ID!) { customer(id: $c) { lastFollowUp { kind content occurredAt nextFollowUpAt author { id } } visits { nodes { id } } } lead(id: $l) { poolDeadline followUpCount status } }",
            json!({"c": customer, "l": lead_id}),
        )
        .await;

    assert_eq!(
        (error_code(&early), error_field(&early)),
        (Some("BAD_USER_INPUT"), Some("input.deviceTime")),
        "a visit cannot end before its check-in"
    );
    let visit = visit_of(&body, "checkOutVisit");
    assert_eq!(visit["status"], "COMPLETED");
    assert_eq!(visit["checkOut"]["outcome"], "POSITIVE");
    assert_eq!(visit["checkOut"]["nextStep"], "Bring the signed quote");
    assert_eq!(
        visit["checkOut"]["durationMinutes"], 35.0,
        "device time on site"
    );
    assert_eq!(time(&visit["checkOut"]["deviceTime"]), left);
    assert_eq!(time(&visit["checkOut"]["at"]), now(&app));
    let next = &visit["nextVisit"];
    assert_eq!(next["status"], "PLANNED");
    assert_eq!(next["purpose"], "Bring the signed quote");
    assert_eq!(time(&next["plannedStart"]), next_at);
    assert_eq!(time(&next["plannedEnd"]), next_at + Duration::hours(1));
    assert_eq!(next["customer"]["id"], customer.as_str());
    assert_eq!(next["contact"]["id"], contact.as_str());
    assert_eq!(
        visit_of(&replay, "checkOutVisit"),
        visit,
        "a replay changes nothing"
    );
    let customer_view = &after["data"]["customer"];
    assert_eq!(
        customer_view["visits"]["nodes"].as_array().unwrap().len(),
        2,
        "{after}"
    );
    let follow_up = &customer_view["lastFollowUp"];
    assert_eq!(follow_up["kind"], "VISIT");
    assert_eq!(
        follow_up["content"],
        "Walked the site with the buyer\nNext step: Bring the signed quote"
    );
    assert_eq!(time(&follow_up["occurredAt"]), left);
    assert_eq!(time(&follow_up["nextFollowUpAt"]), next_at);
    assert_eq!(follow_up["author"]["id"], rep.id.as_str());
    let lead_view = &after["data"]["lead"];
    assert_eq!(lead_view["followUpCount"], 1);
    assert_eq!(lead_view["status"], "CONTACTED");
    assert_eq!(
        lead_view["poolDeadline"].as_str().map(at),
        Some(now(&app) + Duration::days(7)),
        "the visit renewed the lead's pool deadline"
    );
}
