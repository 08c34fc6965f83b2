//! The morning list: each rep's local day, a fixed statement count, and links the rep may no longer
//! see.

use super::*;

#[tokio::test]
async fn my_visit_tasks_follow_each_reps_local_day() {
    // 01:00 UTC: 09:00 on the 25th in Shanghai, 17:00 on the 24th in Los Angeles.
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let shanghai = app.a_user().timezone("Asia/Shanghai").create().await;
    let los_angeles = app.a_user().timezone("America/Los_Angeles").create().await;
    let starts = [
        "2026-11-24T16:30:00Z", // Shanghai 25th 00:30, Los Angeles 24th 08:30
        "2026-11-25T07:30:00Z", // Shanghai 25th 15:30, Los Angeles 24th 23:30
        "2026-11-25T15:30:00Z", // Shanghai 25th 23:30, Los Angeles 25th 07:30
        "2026-11-25T16:30:00Z", // Shanghai 26th 00:30, Los Angeles 25th 08:30
    ];
    let mut ids = Vec::new();
    for rep in [&shanghai, &los_angeles] {
        let customer = a_located_customer(&app, &rep.token, "Day Co").await;
        let mut mine = Vec::new();
        // Planned in reverse so the order comes from the start time, not creation.
        for start in starts.iter().rev() {
            mine.push(id_of(
                &planned(&app, &rep.token, a_visit(&customer, at(start))).await,
            ));
        }
        mine.reverse();
        ids.push(mine);
    }
    let (sh, la) = (&ids[0], &ids[1]);
    let la_customer = a_located_customer(&app, &los_angeles.token, "Late Co").await;
    let over = plan(
        &app,
        &los_angeles.token,
        a_visit(&la_customer, at("2026-11-24T07:00:00Z")),
    )
    .await;

    assert_eq!(
        my_tasks(&app, &shanghai.token, Some("2026-11-25")).await,
        vec![sh[0].clone(), sh[1].clone(), sh[2].clone()]
    );
    assert_eq!(
        my_tasks(&app, &shanghai.token, Some("2026-11-26")).await,
        vec![sh[3].clone()]
    );
    assert_eq!(
        my_tasks(&app, &los_angeles.token, Some("2026-11-25")).await,
        vec![la[2].clone(), la[3].clone()]
    );
    assert_eq!(
        my_tasks(&app, &los_angeles.token, Some("2026-11-24")).await,
        vec![la[0].clone(), la[1].clone()]
    );
    assert_eq!(
        my_tasks(&app, &shanghai.token, None).await,
        my_tasks(&app, &shanghai.token, Some("2026-11-25")).await,
        "today in Shanghai is the 25th"
    );
    assert_eq!(
        my_tasks(&app, &los_angeles.token, None).await,
        vec![la[0].clone(), la[1].clone()],
        "today in Los Angeles is still the 24th"
    );
    assert_eq!(
        (error_code(&over), error_field(&over)),
        (Some("BAD_USER_INPUT"), Some("input.plannedStart")),
        "the 23rd is over in Los Angeles"
    );
}

#[tokio::test]
async fn my_visit_tasks_costs_the_same_statements_for_1_20_and_200_tasks() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let mut customers = Vec::new();
    for i in 0..10 {
        let customer = a_located_customer(&app, &rep.token, &format!("Route Stop {i}")).await;
        let contact = a_contact(&app, &rep.token, &customer).await;
        let deal = a_deal_with(&app, &rep.token, &customer).await;
        app.gql(
            Some(&rep.token),
            "mutation($input: LogFollowUpInput!) { logFollowUp(input: $input) { followUp { id } } }",
            json!({"input": {"subjectId": customer, "kind": "CALL", "content": format!("Call {i}")}}),
        )
        .await;
        customers.push((customer, contact, deal));
    }
    // One task on the 26th, 20 on the 27th, 200 on the 28th (Shanghai days).
    for (day, count) in [("2026-11-26", 1), ("2026-11-27", 20), ("2026-11-28", 200)] {
        let day_start = at(&format!("{day}T00:00:00Z"));
        for i in 0..count {
            let (customer, contact, deal) = &customers[i % customers.len()];
            let start = day_start + Duration::minutes(i as i64 * 2);
            planned(
                &app,
                &rep.token,
                with(
                    a_visit(customer, start),
                    json!({"contactId": contact, "opportunityId": deal}),
                ),
            )
            .await;
        }
    }
    let query = "query($d: Date!) { myVisitTasks(date: $d) { id purpose plannedStart status address location { lat lng } \
        customer { name address storedGrade location { lat lng } lastFollowUp { content occurredAt } } \
        contact { name phone } opportunity { name stage { name } } } }";

    let mut costs = Vec::new();
    for (day, count) in [("2026-11-26", 1), ("2026-11-27", 20), ("2026-11-28", 200)] {
        let (cost, body) = app
            .cheapest_cost(Some(&rep.token), query, json!({"d": day}))
            .await;
        costs.push(cost);
        let tasks = body["data"]["myVisitTasks"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(tasks.len(), count);
        let first = &tasks[0];
        assert_eq!(first["customer"]["lastFollowUp"]["content"], "Call 0");
        assert_eq!(first["contact"]["name"], "Li Lei");
        assert_eq!(first["opportunity"]["stage"]["name"], "Initial contact");
        assert!(
            tasks
                .windows(2)
                .all(|w| time(&w[0]["plannedStart"]) <= time(&w[1]["plannedStart"]))
        );
    }

    eprintln!("myVisitTasks SQL statements for 1, 20 and 200 tasks: {costs:?}");
    assert_eq!(costs[0], costs[1]);
    assert_eq!(costs[1], costs[2]);
    // One list level: the tasks and everything nested under them come in one joined statement.
    assert_eq!(costs[2], 1, "statements per myVisitTasks");
    // The computed grade and health add one batch of their own, whatever the list's length.
    let computed = query.replace("storedGrade", "grade health { score }");
    let mut with_health = Vec::new();
    for day in ["2026-11-27", "2026-11-28"] {
        let (cost, body) = app
            .cheapest_cost(Some(&rep.token), &computed, json!({"d": day}))
            .await;
        assert!(body["errors"].is_null(), "{body}");
        with_health.push(cost);
    }
    assert_eq!(with_health[0], with_health[1], "{with_health:?}");
}

#[tokio::test]
async fn the_morning_list_hides_links_the_rep_may_no_longer_see() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Field East", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let peer = app.a_user().in_team(&team).create().await;
    let manager_token = app.token_for(&manager).await;
    let kept = a_located_customer(&app, &rep.token, "Kept Co").await;
    let handed_over = a_located_customer(&app, &rep.token, "Handed Over Co").await;
    let mut deals = Vec::new();
    for (i, customer) in [&kept, &handed_over].into_iter().enumerate() {
        let contact = a_contact(&app, &rep.token, customer).await;
        let deal = a_deal_with(&app, &rep.token, customer).await;
        deals.push(deal.clone());
        planned(
            &app,
            &rep.token,
            with(
                a_visit(
                    customer,
                    at("2026-11-25T03:00:00Z") + Duration::hours(i as i64),
                ),
                json!({"contactId": contact, "opportunityId": deal}),
            ),
        )
        .await;
    }
    // The manager hands the second customer (not its deal) over to a peer.
    let moved = app
        .gql(
            Some(&manager_token),
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } } }",
            json!({"input": {"id": handed_over, "expectedVersion": 1, "ownerId": peer.id}}),
        )
        .await;
    assert!(moved["errors"].is_null(), "{moved}");

    let query = "{ myVisitTasks { customer { name lastFollowUp { content } } contact { name } opportunity { id stage { name } } } }";
    let body = app.gql(Some(&rep.token), query, json!({})).await;
    let tasks = body["data"]["myVisitTasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(tasks.len(), 2, "{body}");
    assert_eq!(tasks[0]["customer"]["name"], "Kept Co");
    assert_eq!(tasks[0]["contact"]["name"], "Li Lei");
    // The customer and its contact are the peer's now; the rep's own deal stays visible.
    assert!(tasks[1]["customer"].is_null(), "{body}");
    assert!(tasks[1]["contact"].is_null(), "{body}");
    assert_eq!(tasks[1]["opportunity"]["id"], deals[1].as_str());
    assert_eq!(tasks[1]["opportunity"]["stage"]["name"], "Initial contact");
    // The manager sees both customers through the same list of the rep's day.
    let managed = app
        .gql(
            Some(&manager_token),
            "query($id: ID!) { visitTasks(filter: {assigneeId: $id}) { nodes { customer { name } } } }",
            json!({"id": rep.id}),
        )
        .await;
    let names: Vec<&str> = managed["data"]["visitTasks"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{managed}"))
        .iter()
        .filter_map(|n| n["customer"]["name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{managed}");
}
