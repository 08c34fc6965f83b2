//! After-sales callbacks: planned once per rule and contract when it is signed, moved by
//! deliveries, back-filled by the sweep, made by their assignee.

use serde_json::{Value, json};

use crate::fixtures::{self, Books, at};
use crate::helpers::*;

const CALLBACK: &str = "id status dueDate anchor anchorDate version outcome satisfaction \
    rule { name offsetDays } assignee { id } contact { id } customer { id } contract { id }";

async fn callbacks_of(app: &TestApp, token: &str, contract: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            &format!(
                "query($id: ID!) {{ callbacks(filter: {{contractId: $id}}, first: 50) {{ nodes {{ {CALLBACK} }} }} }}"
            ),
            json!({"id": contract}),
        )
        .await;
    body["data"]["callbacks"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

fn due_dates(callbacks: &[Value]) -> Vec<&str> {
    callbacks
        .iter()
        .map(|c| c["dueDate"].as_str().unwrap_or_default())
        .collect()
}

async fn complete(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CompleteCallbackInput!) {{ completeCallback(input: $input) {{ callback {{ {CALLBACK} notes doneAt doneBy {{ id }} }} }} }}"
        ),
        json!({"input": input}),
    )
    .await
}

/// A signed contract (signed on 2026-11-30) of `books`' rep, with a contact on its customer.
async fn signed_contract(app: &TestApp, books: &Books) -> (String, String, String) {
    let customer = fixtures::customer(app, books, "Aftercare Co").await;
    let contact = string_at(
        &app.gql(
            Some(&books.rep.token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": customer, "name": "Ms Li"}}),
        )
        .await,
        &["data", "addContact", "contact", "id"],
    );
    let contract = fixtures::signed(app, books, &customer, "1000.00").await;
    (customer, contact, contract)
}

#[tokio::test]
async fn signing_plans_a_callback_per_rule_for_customer_service_once() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let busy = app.a_user().role("SUPPORT").create().await;
    let free = app.a_user().role("SUPPORT").create().await;
    let (customer, contact, contract) = signed_contract(&app, &books).await;

    let planned = callbacks_of(&app, &books.rep.token, &contract).await;
    assert_eq!(
        due_dates(&planned),
        ["2026-12-07", "2026-12-30", "2027-02-28"],
        "7, 30 and 90 days after the signing"
    );
    for callback in &planned {
        assert_eq!(callback["status"], "PLANNED");
        assert_eq!(callback["anchor"], "SIGNED");
        assert_eq!(callback["anchorDate"], "2026-11-30");
        assert_eq!(callback["contact"]["id"], contact.as_str());
        assert_eq!(callback["customer"]["id"], customer.as_str());
    }
    // Customer service shares them out, the least loaded first: two and one.
    let mut counts = std::collections::BTreeMap::new();
    for callback in &planned {
        *counts
            .entry(callback["assignee"]["id"].as_str().unwrap_or_default())
            .or_insert(0) += 1;
    }
    assert_eq!(
        counts
            .keys()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        [busy.id.as_str(), free.id.as_str()].into_iter().collect(),
        "{planned:?}"
    );
    let mut shares: Vec<i32> = counts.values().copied().collect();
    shares.sort_unstable();
    assert_eq!(shares, [1, 2]);

    // The sweep finds nothing to add, however often it runs.
    for _ in 0..2 {
        salesgraph::aftersales::sweep::sweep(&app.state, at("2026-12-01T03:00:00Z"))
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
    assert_eq!(
        callbacks_of(&app, &books.rep.token, &contract).await.len(),
        3
    );
}

#[tokio::test]
async fn without_customer_service_the_owner_makes_the_callbacks_and_a_rule_can_say_so() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let (_, _, contract) = signed_contract(&app, &books).await;
    let planned = callbacks_of(&app, &books.rep.token, &contract).await;
    assert_eq!(planned.len(), 3);
    assert!(
        planned
            .iter()
            .all(|c| c["assignee"]["id"] == books.rep.id.as_str()),
        "{planned:?}"
    );
    // My day: the first one, on its day, with the older planned ones.
    let mine = app
        .gql(
            Some(&books.rep.token),
            "{ myCallbacks(date: \"2026-12-07\") { dueDate } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["data"]["myCallbacks"],
        json!([{"dueDate": "2026-12-07"}]),
        "{mine}"
    );
}

#[tokio::test]
async fn a_delivery_moves_the_planned_callbacks_and_leaves_made_ones() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let (_, _, contract) = signed_contract(&app, &books).await;
    let first = callbacks_of(&app, &books.rep.token, &contract).await[0].clone();
    // The week's call is made early.
    let made = complete(
        &app,
        &books.rep.token,
        json!({"id": first["id"], "outcome": "REACHED", "satisfaction": 5, "notes": "All good"}),
    )
    .await;
    assert_eq!(
        made["data"]["completeCallback"]["callback"]["status"], "DONE",
        "{made}"
    );

    app.clock.set(at("2026-12-10T02:00:00Z"));
    let rep = app.token_for(&books.rep).await;
    let ordered = app
        .gql(
            Some(&rep),
            "mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id lines { id } } } }",
            json!({"input": {"contractId": contract}}),
        )
        .await;
    let order = &ordered["data"]["createOrder"]["order"];
    let delivered = app
        .gql(
            Some(&rep),
            "mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { delivery { id } } }",
            json!({"input": {"orderId": order["id"], "deliveredOn": "2026-12-09",
                "lines": [{"lineId": order["lines"][0]["id"], "amount": "400.00"}]}}),
        )
        .await;
    assert!(delivered["errors"].is_null(), "{delivered}");

    let after = callbacks_of(&app, &rep, &contract).await;
    let summary: Vec<(Value, Value, Value)> = after
        .iter()
        .map(|c| {
            (
                c["status"].clone(),
                c["anchor"].clone(),
                c["dueDate"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (json!("DONE"), json!("SIGNED"), json!("2026-12-07")),
            (json!("PLANNED"), json!("DELIVERED"), json!("2027-01-08")),
            (json!("PLANNED"), json!("DELIVERED"), json!("2027-03-09")),
        ],
        "30 and 90 days from the delivery; the made one stays"
    );
}

#[tokio::test]
async fn the_sweep_back_fills_contracts_signed_before_their_rules_once_across_instances() {
    let app = TestApp::spawn_on_file_or_postgres_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    // No rules while the contract is signed.
    let cleared = app
        .admin(
            "mutation { updateCallbackRules(input: {rules: []}) { id } }",
            json!({}),
        )
        .await;
    assert!(cleared["errors"].is_null(), "{cleared}");
    let (_, _, contract) = signed_contract(&app, &books).await;
    assert!(
        callbacks_of(&app, &books.rep.token, &contract)
            .await
            .is_empty()
    );
    // Two rules arrive later: a week and a year.
    let rules = app
        .admin(
            "mutation { updateCallbackRules(input: {rules: [
                {name: \"Week\", offsetDays: 7},
                {name: \"Year\", offsetDays: 365, assignTo: OWNER}]}) { name active offsetDays assignTo } }",
            json!({}),
        )
        .await;
    assert_eq!(
        rules["data"]["updateCallbackRules"],
        json!([
            {"name": "Week", "active": true, "offsetDays": 7, "assignTo": "SUPPORT"},
            {"name": "Year", "active": true, "offsetDays": 365, "assignTo": "OWNER"},
            {"name": "One week after", "active": false, "offsetDays": 7, "assignTo": "SUPPORT"},
            {"name": "One month after", "active": false, "offsetDays": 30, "assignTo": "SUPPORT"},
            {"name": "Three months after", "active": false, "offsetDays": 90, "assignTo": "SUPPORT"},
        ]),
        "{rules}"
    );
    let (_, second) = app.second_instance().await;
    let now = at("2026-12-01T03:00:00Z");
    let (one, two) = tokio::join!(
        salesgraph::aftersales::sweep::sweep(&app.state, now),
        salesgraph::aftersales::sweep::sweep(&second, now)
    );
    let (one, two) = (
        one.unwrap_or_else(|e| panic!("{e:?}")),
        two.unwrap_or_else(|e| panic!("{e:?}")),
    );
    assert_eq!(one.affected + two.affected, 2, "{one:?} {two:?}");
    let again = salesgraph::aftersales::sweep::sweep(&second, now)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(again.affected, 0, "a re-run adds nothing");
    let filled = callbacks_of(&app, &books.rep.token, &contract).await;
    assert_eq!(due_dates(&filled), ["2026-12-07", "2027-11-30"]);
    assert_eq!(
        filled[1]["rule"],
        json!({"name": "Year", "offsetDays": 365})
    );
}

#[tokio::test]
async fn an_old_contract_gets_only_the_callbacks_still_to_be_made() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let customer = fixtures::customer(&app, &books, "Old Co").await;
    let id = fixtures::approved(&app, &books, &customer, "500.00").await;
    // Signed 32 days ago: the week's call is past its 7 grace days, the month's is not.
    let version = app
        .gql(
            Some(&books.rep.token),
            "query($id: ID!) { contract(id: $id) { version } }",
            json!({"id": id}),
        )
        .await["data"]["contract"]["version"]
        .clone();
    let signed = app
        .gql(
            Some(&books.finance.token),
            "mutation($input: MarkContractSignedInput!) { markContractSigned(input: $input) { contract { status } } }",
            json!({"input": {"id": id, "expectedVersion": version, "signedDate": "2026-10-30"}}),
        )
        .await;
    assert!(signed["errors"].is_null(), "{signed}");
    assert_eq!(
        due_dates(&callbacks_of(&app, &books.rep.token, &id).await),
        ["2026-11-29", "2027-01-28"],
        "the month's (two days late) and the quarter's"
    );
}

#[tokio::test]
async fn overdue_callbacks_are_told_once_and_missed_after_the_grace_days() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let (_, _, contract) = signed_contract(&app, &books).await;
    let sweep = |when: &str| {
        let now = at(when);
        let state = app.state.clone();
        async move {
            salesgraph::aftersales::sweep::sweep(&state, now)
                .await
                .unwrap_or_else(|e| panic!("{e:?}"))
                .affected
        }
    };
    assert_eq!(
        sweep("2026-12-07T02:00:00Z").await,
        0,
        "due today is not late"
    );
    assert_eq!(sweep("2026-12-08T02:00:00Z").await, 1, "a day late: told");
    assert_eq!(sweep("2026-12-09T02:00:00Z").await, 0, "once");
    let told = app
        .gql(
            Some(&support.token),
            "{ notifications(first: 10) { nodes { kind subjectId } } }",
            json!({}),
        )
        .await;
    let planned = callbacks_of(&app, &support.token, &contract).await;
    assert_eq!(
        told["data"]["notifications"]["nodes"],
        json!([{"kind": "CALLBACK_OVERDUE", "subjectId": planned[0]["id"]}]),
        "{told}"
    );
    assert_eq!(
        sweep("2026-12-14T02:00:00Z").await,
        0,
        "within the 7 grace days"
    );
    assert_eq!(sweep("2026-12-15T02:00:00Z").await, 1, "missed");
    let after = callbacks_of(&app, &support.token, &contract).await;
    assert_eq!(after[0]["status"], "MISSED");
    assert_eq!(after[0]["version"], 2);
    // A missed call may still be made.
    app.clock.set(at("2026-12-15T03:00:00Z"));
    let made = complete(
        &app,
        &app.token_for(&support).await,
        json!({"id": after[0]["id"], "outcome": "NO_ANSWER"}),
    )
    .await;
    assert_eq!(
        made["data"]["completeCallback"]["callback"]["status"], "DONE",
        "{made}"
    );
}

#[tokio::test]
async fn completing_checks_satisfaction_and_the_assignee_and_a_retry_changes_nothing() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let other = app.a_user().role("SUPPORT").create().await;
    let (_, _, contract) = signed_contract(&app, &books).await;
    let planned = callbacks_of(&app, &support.token, &contract).await;
    let mine = planned
        .iter()
        .find(|c| c["assignee"]["id"] == support.id.as_str())
        .unwrap_or_else(|| panic!("{planned:?}"))
        .clone();

    for (satisfaction, outcome) in [(0, "REACHED"), (6, "REACHED"), (3, "NO_ANSWER")] {
        let refused = complete(
            &app,
            &support.token,
            json!({"id": mine["id"], "outcome": outcome, "satisfaction": satisfaction}),
        )
        .await;
        assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"), "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], "input.satisfaction",
            "{refused}"
        );
    }
    // Someone else's callback, seen by a colleague, the account's owner, their manager or
    // finance: none of them makes or moves it.
    for token in [
        &other.token,
        &books.rep.token,
        &books.manager_token,
        &books.finance.token,
    ] {
        let moved = app
            .gql(
                Some(token),
                "mutation($input: RescheduleCallbackInput!) { rescheduleCallback(input: $input) { callback { id } } }",
                json!({"input": {"id": mine["id"], "expectedVersion": 1, "dueDate": "2026-12-20"}}),
            )
            .await;
        assert_eq!(error_code(&moved), Some("FORBIDDEN"), "{moved}");
        let refused = complete(&app, token, json!({"id": mine["id"], "outcome": "REACHED"})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    }
    // Invisible to a rep of another team: as if missing.
    let stranger = app.a_user().create().await;
    let hidden = complete(
        &app,
        &stranger.token,
        json!({"id": mine["id"], "outcome": "REACHED"}),
    )
    .await;
    let missing = complete(
        &app,
        &stranger.token,
        json!({"id": missing_id("Callback"), "outcome": "REACHED"}),
    )
    .await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
    assert_eq!(
        hidden["errors"][0]["message"], missing["errors"][0]["message"],
        "{hidden} {missing}"
    );
    assert_eq!(
        callbacks_of(&app, &support.token, &contract).await[0]["status"],
        "PLANNED"
    );

    let input = json!({"id": mine["id"], "outcome": "REACHED", "satisfaction": 4,
        "notes": "Happy", "idempotencyKey": "cb-1",
        "nextAction": {"title": "Offer the service plan", "dueAt": "2026-12-03T02:00:00Z"}});
    let first = complete(&app, &support.token, input.clone()).await;
    let again = complete(&app, &support.token, input).await;
    assert_eq!(first, again, "a retry answers the first result");
    let made = &first["data"]["completeCallback"]["callback"];
    assert_eq!(
        (
            made["status"].clone(),
            made["satisfaction"].clone(),
            made["doneBy"]["id"].clone()
        ),
        (json!("DONE"), json!(4), json!(support.id)),
        "{first}"
    );
    let agenda = app
        .gql(
            Some(&support.token),
            "{ activities(first: 10) { nodes { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        agenda["data"]["activities"]["nodes"],
        json!([{"title": "Offer the service plan"}]),
        "one next action, however often retried: {agenda}"
    );
    let twice = complete(
        &app,
        &support.token,
        json!({"id": mine["id"], "outcome": "REACHED"}),
    )
    .await;
    assert_eq!(error_code(&twice), Some("INVALID_STATE"), "{twice}");
}

#[tokio::test]
async fn a_low_satisfaction_warns_the_owner_and_their_manager_and_gives_the_owner_a_call() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let (_, _, contract) = signed_contract(&app, &books).await;
    let planned = callbacks_of(&app, &support.token, &contract).await;
    let made = complete(
        &app,
        &support.token,
        json!({"id": planned[0]["id"], "outcome": "REACHED", "satisfaction": 2, "notes": "Late parts"}),
    )
    .await;
    assert!(made["errors"].is_null(), "{made}");
    for token in [&books.rep.token, &books.manager_token] {
        assert_eq!(
            notified_about(&app, token, "LOW_SATISFACTION").await,
            vec![planned[0]["id"].clone()]
        );
    }
    let calls = app
        .gql(
            Some(&books.rep.token),
            "{ activities(first: 10) { nodes { kind title dueAt } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        calls["data"]["activities"]["nodes"],
        json!([{"kind": "CALL", "title": "Call Aftercare Co: satisfaction 2 of 5",
            "dueAt": "2026-12-02T02:00:00.000Z"}]),
        "{calls}"
    );
}

#[tokio::test]
async fn rescheduling_moves_a_callback_for_its_assignee_or_an_admin() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let (_, _, contract) = signed_contract(&app, &books).await;
    let planned = callbacks_of(&app, &support.token, &contract).await;
    let reschedule = async |token: &str, input: Value| {
        app.gql(
            Some(token),
            "mutation($input: RescheduleCallbackInput!) { rescheduleCallback(input: $input) { callback { dueDate version assignee { id } } } }",
            json!({"input": input}),
        )
        .await
    };
    let past = reschedule(
        &support.token,
        json!({"id": planned[0]["id"], "expectedVersion": 1, "dueDate": "2026-11-30"}),
    )
    .await;
    assert_eq!(
        past["errors"][0]["extensions"]["field"], "input.dueDate",
        "{past}"
    );
    let foreign = reschedule(
        &books.rep.token,
        json!({"id": planned[0]["id"], "expectedVersion": 1, "dueDate": "2026-12-09"}),
    )
    .await;
    assert_eq!(error_code(&foreign), Some("FORBIDDEN"), "{foreign}");
    let to_finance = reschedule(
        &support.token,
        json!({"id": planned[0]["id"], "expectedVersion": 1, "dueDate": "2026-12-09",
            "assigneeId": books.finance.id}),
    )
    .await;
    assert_eq!(
        to_finance["errors"][0]["extensions"]["field"], "input.assigneeId",
        "{to_finance}"
    );
    let moved = reschedule(
        &support.token,
        json!({"id": planned[0]["id"], "expectedVersion": 1, "dueDate": "2026-12-09",
            "assigneeId": books.rep.id}),
    )
    .await;
    assert_eq!(
        moved["data"]["rescheduleCallback"]["callback"],
        json!({"dueDate": "2026-12-09", "version": 2, "assignee": {"id": books.rep.id}}),
        "{moved}"
    );
    let stale = reschedule(
        &app.admin_token,
        json!({"id": planned[0]["id"], "expectedVersion": 1, "dueDate": "2026-12-10"}),
    )
    .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
}

#[tokio::test]
async fn rules_are_checked_and_only_admins_change_them() {
    let app = TestApp::spawn().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let update = "mutation($input: UpdateCallbackRulesInput!) { updateCallbackRules(input: $input) { name } }";
    let refused = app
        .gql(
            Some(&manager.token),
            update,
            json!({"input": {"rules": [{"name": "X", "offsetDays": 3}]}}),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let bad = app
        .admin(
            update,
            json!({"input": {"rules": [
                {"name": "Same", "offsetDays": 0},
                {"name": "same", "offsetDays": 3651},
                {"id": missing_id("CallbackRule"), "name": "Ok", "offsetDays": 3}]}}),
        )
        .await;
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{bad}"))
        .iter()
        .filter_map(|e| e["extensions"]["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "input.rules.0.offsetDays",
            "input.rules.1.name",
            "input.rules.1.offsetDays"
        ],
        "{bad}"
    );
    let unknown = app
        .admin(
            update,
            json!({"input": {"rules": [{"id": missing_id("CallbackRule"), "name": "Ok", "offsetDays": 3}]}}),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"), "{unknown}");
    let listed = app
        .gql(
            Some(&manager.token),
            "{ callbackRules { name active } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["callbackRules"],
        json!([
            {"name": "One week after", "active": true},
            {"name": "One month after", "active": true},
            {"name": "Three months after", "active": true},
        ]),
        "nothing changed: {listed}"
    );
}

#[tokio::test]
async fn sellers_see_the_callbacks_of_the_contracts_they_see() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let (_, _, contract) = signed_contract(&app, &books).await;
    let stranger = app.a_user().create().await;
    assert!(
        callbacks_of(&app, &stranger.token, &contract)
            .await
            .is_empty()
    );
    assert_eq!(
        callbacks_of(&app, &books.manager_token, &contract)
            .await
            .len(),
        3
    );
    let id = callbacks_of(&app, &books.rep.token, &contract).await[0]["id"].clone();
    let node = app
        .gql(
            Some(&stranger.token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(node["data"]["node"], Value::Null, "{node}");
}

#[tokio::test]
async fn a_page_of_callbacks_costs_the_same_statements_whatever_its_length() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let page = format!(
        "{{ callbacks(first: 50) {{ nodes {{ {CALLBACK} doneBy {{ id }} contract {{ number customer {{ name }} }} }} }} }}"
    );
    let count = async || {
        app.quiet().await;
        let body = app.gql(Some(&support.token), &page, json!({})).await;
        app.quiet().await;
        let rows = body["data"]["callbacks"]["nodes"]
            .as_array()
            .map_or(0, Vec::len);
        (rows, app.take_statement_count())
    };
    signed_contract(&app, &books).await;
    let (three, few) = count().await;
    for _ in 0..3 {
        signed_contract(&app, &books).await;
    }
    let (twelve, same) = count().await;
    assert_eq!((three, twelve), (3, 12));
    assert_eq!(same, few, "statements do not grow with the rows");
}

#[tokio::test]
async fn hostile_callback_inputs_are_refused_on_their_field() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let (_, _, contract) = signed_contract(&app, &books).await;
    let id = callbacks_of(&app, &support.token, &contract).await[0]["id"].clone();
    let cases = [
        (
            json!({"id": id, "outcome": "REACHED", "notes": "n".repeat(4001)}),
            "input.notes",
        ),
        (
            json!({"id": id, "outcome": "REACHED", "nextAction": {"title": "", "dueAt": "2026-12-02T00:00:00Z"}}),
            "input.nextAction.title",
        ),
        (
            json!({"id": id, "outcome": "REACHED", "nextAction": {"title": "t".repeat(201), "dueAt": "2026-12-02T00:00:00Z"}}),
            "input.nextAction.title",
        ),
    ];
    for (input, field) in cases {
        let body = complete(&app, &support.token, input).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert_eq!(
        callbacks_of(&app, &support.token, &contract).await[0]["status"],
        "PLANNED",
        "nothing was written"
    );
    let update = "mutation($input: UpdateCallbackRulesInput!) { updateCallbackRules(input: $input) { name } }";
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"name": format!("Rule {i}"), "offsetDays": i + 1}))
        .collect();
    let too_many = app.admin(update, json!({"input": {"rules": many}})).await;
    assert_eq!(
        too_many["errors"][0]["extensions"]["field"], "input.rules",
        "{too_many}"
    );
    let long = app
        .admin(
            update,
            json!({"input": {"rules": [{"name": "r".repeat(101), "offsetDays": 7}]}}),
        )
        .await;
    assert_eq!(
        long["errors"][0]["extensions"]["field"], "input.rules.0.name",
        "{long}"
    );
}

#[tokio::test]
async fn two_completions_racing_make_one_callback_once() {
    let app = TestApp::spawn_on_file_or_postgres_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let (_, _, contract) = signed_contract(&app, &books).await;
    let id = callbacks_of(&app, &support.token, &contract).await[0]["id"].clone();
    let attempt = |key: &'static str| {
        complete(
            &app,
            &support.token,
            json!({"id": id, "outcome": "REACHED", "idempotencyKey": key,
                "nextAction": {"title": format!("Follow up {key}"), "dueAt": "2026-12-03T02:00:00Z"}}),
        )
    };
    let (one, two) = tokio::join!(attempt("a"), attempt("b"));
    let codes: Vec<Option<&str>> = [&one, &two].iter().map(|b| error_code(b)).collect();
    let made = codes.iter().filter(|c| c.is_none()).count();
    assert_eq!(made, 1, "{one} {two}");
    assert!(
        codes
            .iter()
            .flatten()
            .all(|c| *c == "INVALID_STATE" || *c == "CONFLICT"),
        "{one} {two}"
    );
    let agenda = app
        .gql(
            Some(&support.token),
            "{ activities(first: 10) { nodes { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        agenda["data"]["activities"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "one next action: {agenda}"
    );
}
