//! Service tickets: a complaint's life from opening to closing, its state machine, its promised
//! time and escalation, and who may do what.

use serde_json::{Value, json};

use crate::fixtures::{self, at};
use crate::helpers::*;

const TICKET: &str = "id number status priority category dueAt resolvedAt closedAt \
    satisfaction escalatedAt version assignee { id } customer { id } contract { id }";

async fn open(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: OpenTicketInput!) {{ openTicket(input: $input) {{ ticket {{ {TICKET} }} }} }}"
        ),
        json!({"input": input}),
    )
    .await
}

async fn change(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: ChangeTicketStatusInput!) {{ changeTicketStatus(input: $input) {{ ticket {{ {TICKET} }} }} }}"
        ),
        json!({"input": input}),
    )
    .await
}

async fn assign(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: AssignTicketInput!) {{ assignTicket(input: $input) {{ ticket {{ {TICKET} }} }} }}"
        ),
        json!({"input": input}),
    )
    .await
}

async fn comment(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        "mutation($input: CommentOnTicketInput!) { commentOnTicket(input: $input) { comment { body visibility author { id } } } }",
        json!({"input": input}),
    )
    .await
}

fn ticket_of(body: &Value, mutation: &str) -> Value {
    let ticket = &body["data"][mutation]["ticket"];
    assert!(ticket.is_object(), "{body}");
    ticket.clone()
}

#[tokio::test]
async fn a_complaint_is_opened_worked_resolved_and_closed_with_its_whole_history() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let lead = app.a_user().role("SUPPORT").create().await;
    let agent = app.a_user().role("SUPPORT").create().await;
    let customer = fixtures::customer(&app, &books, "Unhappy Co").await;
    let contract = fixtures::signed(&app, &books, &customer, "800.00").await;

    let opened = ticket_of(
        &open(
            &app,
            &lead.token,
            json!({"customerId": customer, "contractId": contract, "subject": "Pump leaks",
                "description": "Water on the floor since Monday", "category": "QUALITY",
                "priority": "HIGH", "idempotencyKey": "t-1"}),
        )
        .await,
        "openTicket",
    );
    assert_eq!(opened["number"], "T-2026-000001");
    assert_eq!(opened["status"], "OPEN");
    assert_eq!(
        opened["dueAt"], "2026-12-02T02:00:00.000Z",
        "24 hours for HIGH"
    );
    assert_eq!(opened["assignee"], Value::Null);
    // A retry opens nothing more.
    let again = open(
        &app,
        &lead.token,
        json!({"customerId": customer, "contractId": contract, "subject": "Pump leaks",
            "description": "Water on the floor since Monday", "category": "QUALITY",
            "priority": "HIGH", "idempotencyKey": "t-1"}),
    )
    .await;
    assert_eq!(ticket_of(&again, "openTicket")["id"], opened["id"]);

    let id = opened["id"].clone();
    let assigned = ticket_of(
        &assign(
            &app,
            &lead.token,
            json!({"id": id, "expectedVersion": 1, "assigneeId": agent.id}),
        )
        .await,
        "assignTicket",
    );
    assert_eq!(assigned["assignee"]["id"], agent.id.as_str());
    let steps = [
        ("IN_PROGRESS", None),
        ("WAITING_CUSTOMER", None),
        ("IN_PROGRESS", None),
        ("RESOLVED", Some(4)),
        ("CLOSED", None),
    ];
    for (version, (status, satisfaction)) in (2..).zip(steps) {
        let body = change(
            &app,
            &agent.token,
            json!({"id": id, "expectedVersion": version, "status": status,
                "note": format!("to {status}"), "satisfaction": satisfaction}),
        )
        .await;
        let ticket = ticket_of(&body, "changeTicketStatus");
        assert_eq!(ticket["status"], status);
    }
    let written = comment(
        &app,
        &agent.token,
        json!({"ticketId": id, "body": "Seal replaced", "visibility": "CUSTOMER"}),
    )
    .await;
    assert_eq!(
        written["data"]["commentOnTicket"]["comment"],
        json!({"body": "Seal replaced", "visibility": "CUSTOMER", "author": {"id": agent.id}}),
        "{written}"
    );
    let internal = comment(
        &app,
        &books.rep.token,
        json!({"ticketId": id, "body": "They are a key account"}),
    )
    .await;
    assert!(internal["errors"].is_null(), "{internal}");

    let history = "query($id: ID!) { ticket(id: $id) { status satisfaction resolvedAt closedAt
        events { kind fromStatus toStatus note actor { id } assignee { id } }
        comments { body visibility } } }";
    let read = app.gql(Some(&lead.token), history, json!({"id": id})).await;
    let ticket = &read["data"]["ticket"];
    assert_eq!(ticket["satisfaction"], 4);
    assert_eq!(ticket["closedAt"], "2026-12-01T02:00:00.000Z");
    let events: Vec<(Value, Value, Value)> = ticket["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{read}"))
        .iter()
        .map(|e| {
            (
                e["kind"].clone(),
                e["fromStatus"].clone(),
                e["toStatus"].clone(),
            )
        })
        .collect();
    assert_eq!(
        events,
        vec![
            (json!("OPENED"), Value::Null, json!("OPEN")),
            (json!("ASSIGNED"), Value::Null, Value::Null),
            (json!("STATUS_CHANGED"), json!("OPEN"), json!("IN_PROGRESS")),
            (
                json!("STATUS_CHANGED"),
                json!("IN_PROGRESS"),
                json!("WAITING_CUSTOMER")
            ),
            (
                json!("STATUS_CHANGED"),
                json!("WAITING_CUSTOMER"),
                json!("IN_PROGRESS")
            ),
            (
                json!("STATUS_CHANGED"),
                json!("IN_PROGRESS"),
                json!("RESOLVED")
            ),
            (json!("STATUS_CHANGED"), json!("RESOLVED"), json!("CLOSED")),
        ],
        "{read}"
    );
    assert_eq!(ticket["events"][1]["assignee"]["id"], agent.id.as_str());
    assert_eq!(ticket["events"][2]["note"], "to IN_PROGRESS");
    assert_eq!(ticket["comments"].as_array().map(Vec::len), Some(2));
    // Finance reads what the customer was told, not the internal comments.
    let finance = app
        .gql(Some(&books.finance.token), history, json!({"id": id}))
        .await;
    assert_eq!(
        finance["data"]["ticket"]["comments"],
        json!([{"body": "Seal replaced", "visibility": "CUSTOMER"}]),
        "{finance}"
    );
    // The customer shows its tickets.
    let listed = app
        .gql(
            Some(&books.rep.token),
            "query($id: ID!) { customer(id: $id) { tickets { number status } } }",
            json!({"id": customer}),
        )
        .await;
    assert_eq!(
        listed["data"]["customer"]["tickets"],
        json!([{"number": "T-2026-000001", "status": "CLOSED"}]),
        "{listed}"
    );
}

#[tokio::test]
async fn the_state_machine_refuses_every_jump_it_does_not_list_and_reopening_restarts_the_clock() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let customer = fixtures::customer(&app, &books, "Machine Co").await;
    let statuses = [
        "OPEN",
        "IN_PROGRESS",
        "WAITING_CUSTOMER",
        "RESOLVED",
        "CLOSED",
    ];
    // The path that brings a fresh ticket to each status.
    let paths: [&[&str]; 5] = [
        &[],
        &["IN_PROGRESS"],
        &["WAITING_CUSTOMER"],
        &["RESOLVED"],
        &["CLOSED"],
    ];
    let allowed = |from: &str, to: &str| {
        matches!(
            (from, to),
            (
                "OPEN",
                "IN_PROGRESS" | "WAITING_CUSTOMER" | "RESOLVED" | "CLOSED"
            ) | ("IN_PROGRESS", "WAITING_CUSTOMER" | "RESOLVED" | "CLOSED")
                | ("WAITING_CUSTOMER", "IN_PROGRESS" | "RESOLVED" | "CLOSED")
                | ("RESOLVED", "CLOSED" | "OPEN")
                | ("CLOSED", "OPEN")
        )
    };
    for (from, path) in statuses.iter().zip(paths) {
        for to in statuses {
            let opened = ticket_of(
                &open(
                    &app,
                    &support.token,
                    json!({"customerId": customer, "subject": format!("{from} to {to}"), "priority": "URGENT"}),
                )
                .await,
                "openTicket",
            );
            let id = opened["id"].clone();
            let mut version = 1;
            for step in path {
                let body = change(
                    &app,
                    &support.token,
                    json!({"id": id, "expectedVersion": version, "status": step}),
                )
                .await;
                ticket_of(&body, "changeTicketStatus");
                version += 1;
            }
            let body = change(
                &app,
                &support.token,
                json!({"id": id, "expectedVersion": version, "status": to}),
            )
            .await;
            if allowed(from, to) {
                let ticket = ticket_of(&body, "changeTicketStatus");
                assert_eq!(ticket["status"], to, "{from} → {to}");
            } else {
                assert_eq!(
                    error_code(&body),
                    Some("INVALID_STATE"),
                    "{from} → {to}: {body}"
                );
            }
        }
    }
    // Reopening a closed ticket counts its promised time from now again.
    let opened = ticket_of(
        &open(
            &app,
            &support.token,
            json!({"customerId": customer, "subject": "Again", "priority": "URGENT"}),
        )
        .await,
        "openTicket",
    );
    let closed = change(
        &app,
        &support.token,
        json!({"id": opened["id"], "expectedVersion": 1, "status": "CLOSED"}),
    )
    .await;
    ticket_of(&closed, "changeTicketStatus");
    app.clock.set(at("2026-12-03T02:00:00Z"));
    let token = app.token_for(&support).await;
    let jump = change(
        &app,
        &token,
        json!({"id": opened["id"], "expectedVersion": 2, "status": "IN_PROGRESS"}),
    )
    .await;
    assert_eq!(error_code(&jump), Some("INVALID_STATE"), "{jump}");
    let reopened = ticket_of(
        &change(
            &app,
            &token,
            json!({"id": opened["id"], "expectedVersion": 2, "status": "OPEN", "note": "Still leaking"}),
        )
        .await,
        "changeTicketStatus",
    );
    assert_eq!(
        (
            reopened["dueAt"].clone(),
            reopened["closedAt"].clone(),
            reopened["resolvedAt"].clone()
        ),
        (json!("2026-12-03T06:00:00.000Z"), Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn a_breach_escalates_once_to_the_support_lead_and_the_customer_s_owner() {
    let app = TestApp::spawn_on_file_or_postgres_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let lead = app.a_user().role("SALES_MANAGER").create().await;
    let care = app.a_team("Care", Some(&lead.id)).await;
    let agent = app.a_user().role("SUPPORT").in_team(&care).create().await;
    let customer = fixtures::customer(&app, &books, "Waiting Co").await;
    let opened = ticket_of(
        &open(
            &app,
            &agent.token,
            json!({"customerId": customer, "subject": "No answer", "priority": "URGENT",
                "assigneeId": agent.id}),
        )
        .await,
        "openTicket",
    );
    let (_, second) = app.second_instance().await;
    let sweep = async |state: &std::sync::Arc<salesgraph::state::AppState>, when: &str| {
        salesgraph::tickets::sweep::escalate(state, at(when))
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .affected
    };
    assert_eq!(
        sweep(&app.state, "2026-12-01T05:59:00Z").await,
        0,
        "within 4 hours"
    );
    let (one, two) = tokio::join!(
        sweep(&app.state, "2026-12-01T06:01:00Z"),
        sweep(&second, "2026-12-01T06:01:00Z")
    );
    assert_eq!(one + two, 1, "escalated once");
    assert_eq!(
        sweep(&second, "2026-12-01T08:00:00Z").await,
        0,
        "and only once"
    );
    for token in [&lead.token, &books.rep.token] {
        assert_eq!(
            notified_about(&app, token, "TICKET_ESCALATED").await,
            vec![opened["id"].clone()]
        );
    }
    let read = app
        .gql(
            Some(&agent.token),
            "query($id: ID!) { ticket(id: $id) { escalatedAt events { kind } } }",
            json!({"id": opened["id"]}),
        )
        .await;
    assert_eq!(
        read["data"]["ticket"],
        json!({"escalatedAt": "2026-12-01T06:01:00.000Z",
            "events": [{"kind": "OPENED"}, {"kind": "ASSIGNED"}, {"kind": "ESCALATED"}]}),
        "{read}"
    );
    let breached = app
        .gql(
            Some(&agent.token),
            "{ tickets(filter: {breached: true}) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        breached["data"]["tickets"]["nodes"],
        json!([{"id": opened["id"]}]),
        "{breached}"
    );
}

#[tokio::test]
async fn sellers_open_and_comment_on_their_customers_tickets_and_only_customer_service_works_them()
{
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let stranger = app.a_user().create().await;
    let customer = fixtures::customer(&app, &books, "Own Co").await;
    let opened = ticket_of(
        &open(
            &app,
            &books.rep.token,
            json!({"customerId": customer, "subject": "Late invoice", "category": "BILLING"}),
        )
        .await,
        "openTicket",
    );
    let id = opened["id"].clone();
    // A customer the caller does not see answers as a missing one.
    let hidden = open(
        &app,
        &stranger.token,
        json!({"customerId": customer, "subject": "X"}),
    )
    .await;
    let missing = open(
        &app,
        &stranger.token,
        json!({"customerId": missing_id("Customer"), "subject": "X"}),
    )
    .await;
    assert_eq!(error_code(&hidden), Some("NOT_FOUND"), "{hidden}");
    let essence = |body: &Value| {
        json!([
            body["errors"][0]["extensions"]["code"],
            body["errors"][0]["extensions"]["field"],
            body["errors"][0]["message"]
        ])
    };
    assert_eq!(essence(&hidden), essence(&missing));
    let refused = open(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "subject": "X"}),
    )
    .await;
    assert_eq!(
        error_code(&refused),
        Some("FORBIDDEN"),
        "finance: {refused}"
    );
    // Sellers who see the ticket do not work it.
    for token in [&books.rep.token, &books.manager_token, &books.finance.token] {
        let moved = change(
            &app,
            token,
            json!({"id": id, "expectedVersion": 1, "status": "IN_PROGRESS"}),
        )
        .await;
        assert_eq!(error_code(&moved), Some("FORBIDDEN"), "{moved}");
        let given = assign(
            &app,
            token,
            json!({"id": id, "expectedVersion": 1, "assigneeId": support.id}),
        )
        .await;
        assert_eq!(error_code(&given), Some("FORBIDDEN"), "{given}");
    }
    let by_finance = comment(
        &app,
        &books.finance.token,
        json!({"ticketId": id, "body": "Paid?"}),
    )
    .await;
    assert_eq!(error_code(&by_finance), Some("FORBIDDEN"), "{by_finance}");
    let by_manager = comment(
        &app,
        &books.manager_token,
        json!({"ticketId": id, "body": "Call me"}),
    )
    .await;
    assert!(by_manager["errors"].is_null(), "{by_manager}");
    // Someone who does not see the customer does not see the ticket.
    for body in [
        change(
            &app,
            &stranger.token,
            json!({"id": id, "expectedVersion": 1, "status": "IN_PROGRESS"}),
        )
        .await,
        comment(&app, &stranger.token, json!({"ticketId": id, "body": "Hi"})).await,
    ] {
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    }
    let seen = app
        .gql(
            Some(&stranger.token),
            "{ tickets { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(seen["data"]["tickets"]["nodes"], json!([]), "{seen}");
    // Customer service sees and works every ticket; a seller cannot hand it out.
    let worked = change(
        &app,
        &support.token,
        json!({"id": id, "expectedVersion": 1, "status": "IN_PROGRESS"}),
    )
    .await;
    assert_eq!(ticket_of(&worked, "changeTicketStatus")["version"], 2);
    let handed = open(
        &app,
        &books.rep.token,
        json!({"customerId": customer, "subject": "X", "assigneeId": support.id}),
    )
    .await;
    assert_eq!(error_code(&handed), Some("FORBIDDEN"), "{handed}");
}

#[tokio::test]
async fn bad_ticket_input_is_refused_on_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let customer = fixtures::customer(&app, &books, "Input Co").await;
    let other = fixtures::customer(&app, &books, "Other Co").await;
    let contact = string_at(
        &app.gql(
            Some(&books.rep.token),
            "mutation($input: AddContactInput!) { addContact(input: $input) { contact { id } } }",
            json!({"input": {"customerId": other, "name": "Elsewhere"}}),
        )
        .await,
        &["data", "addContact", "contact", "id"],
    );
    let cases = [
        (
            json!({"customerId": customer, "subject": ""}),
            "input.subject",
        ),
        (
            json!({"customerId": customer, "subject": "x".repeat(201)}),
            "input.subject",
        ),
        (
            json!({"customerId": customer, "subject": "X", "description": "y".repeat(10_001)}),
            "input.description",
        ),
        (
            json!({"customerId": customer, "subject": "X", "contactId": contact}),
            "input.contactId",
        ),
        (
            json!({"customerId": customer, "subject": "X", "assigneeId": books.rep.id}),
            "input.assigneeId",
        ),
    ];
    for (input, field) in cases {
        let body = open(&app, &support.token, input.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{input}: {body}"
        );
    }
    let opened = ticket_of(
        &open(
            &app,
            &support.token,
            json!({"customerId": customer, "subject": "Fine"}),
        )
        .await,
        "openTicket",
    );
    assert_eq!(
        opened["number"], "T-2026-000001",
        "refused tickets took no number"
    );
    let bad_satisfaction = change(
        &app,
        &support.token,
        json!({"id": opened["id"], "expectedVersion": 1, "status": "RESOLVED", "satisfaction": 6}),
    )
    .await;
    assert_eq!(
        bad_satisfaction["errors"][0]["extensions"]["field"], "input.satisfaction",
        "{bad_satisfaction}"
    );
    let stale = change(
        &app,
        &support.token,
        json!({"id": opened["id"], "expectedVersion": 7, "status": "RESOLVED"}),
    )
    .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    for body in [" ".to_owned(), "b".repeat(10_001)] {
        let refused = comment(
            &app,
            &support.token,
            json!({"ticketId": opened["id"], "body": body}),
        )
        .await;
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], "input.body",
            "{refused}"
        );
    }
    let long_note = change(
        &app,
        &support.token,
        json!({"id": opened["id"], "expectedVersion": 1, "status": "RESOLVED", "note": "n".repeat(10_001)}),
    )
    .await;
    assert_eq!(
        long_note["errors"][0]["extensions"]["field"], "input.note",
        "{long_note}"
    );
    let sla = app
        .gql(
            Some(&support.token),
            "mutation { updateTicketSla(input: {targets: [{priority: LOW, hours: 1}]}) { hours } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&sla), Some("FORBIDDEN"), "{sla}");
    let hours = app
        .admin(
            "mutation { updateTicketSla(input: {targets: [{priority: LOW, hours: 0}, {priority: HIGH, hours: 9000}]}) { hours } }",
            json!({}),
        )
        .await;
    let fields: Vec<&Value> = hours["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{hours}"))
        .iter()
        .map(|e| &e["extensions"]["field"])
        .collect();
    assert_eq!(
        fields,
        [
            &json!("input.targets.0.hours"),
            &json!("input.targets.1.hours")
        ]
    );
    let set = app
        .admin(
            "mutation { updateTicketSla(input: {targets: [{priority: LOW, hours: 240}]}) { priority hours } }",
            json!({}),
        )
        .await;
    assert_eq!(
        set["data"]["updateTicketSla"],
        json!([{"priority": "URGENT", "hours": 4}, {"priority": "HIGH", "hours": 24},
            {"priority": "NORMAL", "hours": 72}, {"priority": "LOW", "hours": 240}]),
        "{set}"
    );
}
