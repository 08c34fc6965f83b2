//! Field visits: planning, the morning list, check-in and check-out, offline safety, sync,
//! the missed-visit sweep and statistics.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

const FIELDS: &str = "id version status purpose plannedStart plannedEnd localDate address \
    location { lat lng } leadId cancelledAt cancelReason missedAt updatedAt \
    checkIn { at deviceTime accuracyMeters distanceMeters onSite verified location { lat lng } } \
    checkOut { at deviceTime summary outcome nextStep durationMinutes } \
    assignee { id } createdBy { id } customer { id name } contact { id name } \
    opportunity { id name stage { name } } \
    nextVisit { id purpose status plannedStart plannedEnd customer { id } contact { id } }";

/// People's Square, Shanghai.
const SQUARE: (f64, f64) = (31.2304, 121.4737);

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A `DateTime` the server wrote.
fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .parse()
        .unwrap()
}

fn now(app: &TestApp) -> DateTime<Utc> {
    salesgraph::clock::Clock::now(&app.clock)
}

fn mutation(name: &str, input_type: &str) -> String {
    format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ visit {{ {FIELDS} }} }} }}"
    )
}

async fn run(app: &TestApp, token: &str, name: &str, input_type: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &mutation(name, input_type),
        json!({ "input": input }),
    )
    .await
}

/// The visit a successful mutation returned, or a panic with the body.
fn visit_of(body: &Value, name: &str) -> Value {
    let visit = body["data"][name]["visit"].clone();
    assert!(visit.is_object(), "{body}");
    visit
}

async fn plan(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "planVisit", "PlanVisitInput", input).await
}

async fn planned(app: &TestApp, token: &str, input: Value) -> Value {
    visit_of(&plan(app, token, input).await, "planVisit")
}

/// A plan input for `customer` starting at `start`, one hour long.
fn a_visit(customer: &str, start: DateTime<Utc>) -> Value {
    json!({
        "customerId": customer,
        "purpose": "Present the new price list",
        "plannedStart": start,
        "plannedEnd": start + Duration::hours(1),
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    base.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    base
}

async fn a_located_customer(app: &TestApp, token: &str, name: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": name, "address": "120 Renmin Avenue", "grade": "A",
                "location": {"lat": SQUARE.0, "lng": SQUARE.1}}}),
        )
        .await;
    body["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn a_contact(app: &TestApp, token: &str, customer: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": "Li Lei", "phone": format!("+86 139 {:04} {:04}", rand_digits(), rand_digits())}}),
        )
        .await;
    body["data"]["addContact"]["contact"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

fn rand_digits() -> u32 {
    (uuid::Uuid::now_v7().as_u128() % 10_000) as u32
}

async fn a_deal_with(app: &TestApp, token: &str, customer: &str) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Fleet renewal", "amount": "5000", "expectedCloseDate": "2026-12-31"}}),
        )
        .await;
    body["data"]["createOpportunity"]["opportunity"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

fn check_in_input(id: &Value, lat: f64, lng: f64, accuracy: f64, device: DateTime<Utc>) -> Value {
    json!({"id": id, "location": {"lat": lat, "lng": lng, "accuracyMeters": accuracy}, "deviceTime": device})
}

async fn check_in(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "checkInVisit", "CheckInVisitInput", input).await
}

async fn check_out(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "checkOutVisit", "CheckOutVisitInput", input).await
}

async fn reschedule(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "rescheduleVisit", "RescheduleVisitInput", input).await
}

async fn cancel(app: &TestApp, token: &str, input: Value) -> Value {
    run(app, token, "cancelVisit", "CancelVisitInput", input).await
}

async fn visit(app: &TestApp, token: &str, id: &Value) -> Value {
    let query = format!("query($id: ID!) {{ visitTask(id: $id) {{ {FIELDS} }} }}");
    app.gql(Some(token), &query, json!({"id": id})).await
}

async fn my_tasks(app: &TestApp, token: &str, date: Option<&str>) -> Vec<String> {
    let body = app
        .gql(
            Some(token),
            "query($d: Date) { myVisitTasks(date: $d) { id } }",
            json!({"d": date}),
        )
        .await;
    body["data"]["myVisitTasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(visit: &Value) -> String {
    visit["id"].as_str().unwrap().to_owned()
}

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
            "query($c: ID!, $o: ID!) { customer(id: $c) { visits { id } } opportunity(id: $o) { visits { id } } }",
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
    let customer_visits: Vec<&Value> = nested["data"]["customer"]["visits"]
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
        nested["data"]["opportunity"]["visits"],
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
async fn check_in_measures_the_distance_and_decides_on_site() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let rep = app.a_user().create().await;
    let customer = a_located_customer(&app, &rep.token, "Geo Co").await;
    let nowhere = crate::customers::a_customer(&app, &rep.token, "Nowhere Co").await;
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
            "query($c: ID!, $l: ID!) { customer(id: $c) { lastFollowUp { kind content occurredAt nextFollowUpAt author { id } } visits { id } } lead(id: $l) { poolDeadline followUpCount status } }",
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
        customer_view["visits"].as_array().unwrap().len(),
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
        customer { name address grade location { lat lng } lastFollowUp { content occurredAt } } \
        contact { name phone } opportunity { name stage { name } } } }";

    let mut costs = Vec::new();
    for (day, count) in [("2026-11-26", 1), ("2026-11-27", 20), ("2026-11-28", 200)] {
        app.take_statement_count();
        let body = app.gql(Some(&rep.token), query, json!({"d": day})).await;
        costs.push(app.take_statement_count());
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
