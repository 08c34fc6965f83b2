//! The service report against hand-computed fixtures: tickets by priority and by customer
//! grade, callbacks by rule.

use serde_json::{Value, json};

use crate::fixtures::{self, at};
use crate::helpers::*;

const REPORT: &str = "query($input: ServiceReportInput!) { serviceReport(input: $input) {
    groups { key tickets { opened resolved medianResolutionHours p90ResolutionHours slaBreaches averageSatisfaction } }
    total { opened resolved medianResolutionHours p90ResolutionHours slaBreaches averageSatisfaction }
    callbacks { rule { name } due done missed completionRate averageSatisfaction } } }";

async fn open(app: &TestApp, token: &str, customer: &str, priority: &str, to: Value) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id } } }",
            json!({"input": {"customerId": customer, "subject": "Broken", "priority": priority,
                "assigneeId": to}}),
        )
        .await;
    string_at(&body, &["data", "openTicket", "ticket", "id"])
}

async fn resolve(app: &TestApp, token: &str, id: &str, satisfaction: i32) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { ticket { status } } }",
            json!({"input": {"id": id, "expectedVersion": 1, "status": "RESOLVED", "satisfaction": satisfaction}}),
        )
        .await;
    assert_eq!(
        body["data"]["changeTicketStatus"]["ticket"]["status"], "RESOLVED",
        "{body}"
    );
}

#[tokio::test]
async fn the_service_report_counts_tickets_by_group_and_callbacks_by_rule() {
    let app = TestApp::spawn_at(at("2026-12-01T02:00:00Z")).await;
    let books = fixtures::books(&app).await;
    let support = app.a_user().role("SUPPORT").create().await;
    let stranger = app.a_user().create().await;
    let graded = string_at(
        &app.gql(
            Some(&books.rep.token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": "Graded Co"}}),
        )
        .await,
        &["data", "createCustomer", "customer", "id"],
    );
    // Its manager pins it A; the other one has no stored grade yet (no grade sweep ran).
    let pinned = app
        .gql(
            Some(&books.manager_token),
            "mutation($input: PinCustomerGradeInput!) { pinCustomerGrade(input: $input) { customer { grade } } }",
            json!({"input": {"id": graded, "grade": "A", "reason": "Key account"}}),
        )
        .await;
    assert_eq!(
        pinned["data"]["pinCustomerGrade"]["customer"]["grade"], "A",
        "{pinned}"
    );
    let plain = fixtures::customer(&app, &books, "Plain Co").await;
    let contract = fixtures::signed(&app, &books, &plain, "100.00").await;
    // Opened at 02:00: a HIGH on the graded customer, a HIGH on the other, an URGENT on the
    // graded one that nobody resolves.
    let first = open(&app, &support.token, &graded, "HIGH", json!(support.id)).await;
    let second = open(&app, &support.token, &plain, "HIGH", Value::Null).await;
    open(&app, &support.token, &graded, "URGENT", Value::Null).await;
    app.clock.set(at("2026-12-01T04:00:00Z"));
    resolve(&app, &app.token_for(&support).await, &first, 4).await;
    salesgraph::tickets::sweep::escalate(&app.state, at("2026-12-01T07:00:00Z"))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    app.clock.set(at("2026-12-01T12:00:00Z"));
    let token = app.token_for(&support).await;
    resolve(&app, &token, &second, 2).await;
    // The week's callback is made, satisfied; the month's is not yet.
    let week = app
        .gql(
            Some(&token),
            "query($id: ID!) { callbacks(filter: {contractId: $id}) { nodes { id } } }",
            json!({"id": contract}),
        )
        .await["data"]["callbacks"]["nodes"][0]["id"]
        .clone();
    let made = app
        .gql(
            Some(&token),
            "mutation($input: CompleteCallbackInput!) { completeCallback(input: $input) { callback { status } } }",
            json!({"input": {"id": week, "outcome": "REACHED", "satisfaction": 5}}),
        )
        .await;
    assert!(made["errors"].is_null(), "{made}");

    let by = |group: &str| json!({"input": {"from": "2026-12-01", "to": "2026-12-31", "groupBy": group}});
    let report = app.gql(Some(&token), REPORT, by("PRIORITY")).await;
    let report = &report["data"]["serviceReport"];
    let figures = |opened, resolved, median: Value, p90: Value, breaches, satisfaction: Value| {
        json!({"opened": opened, "resolved": resolved, "medianResolutionHours": median,
            "p90ResolutionHours": p90, "slaBreaches": breaches, "averageSatisfaction": satisfaction})
    };
    assert_eq!(
        report["groups"],
        json!([
            {"key": "HIGH", "tickets": figures(2, 2, json!(2.0), json!(10.0), 0, json!(3.0))},
            {"key": "URGENT", "tickets": figures(1, 0, Value::Null, Value::Null, 1, Value::Null)},
        ]),
        "{report}"
    );
    assert_eq!(
        report["total"],
        figures(3, 2, json!(2.0), json!(10.0), 1, json!(3.0))
    );
    assert_eq!(
        report["callbacks"],
        json!([
            {"rule": {"name": "One week after"}, "due": 1, "done": 1, "missed": 0,
                "completionRate": 1.0, "averageSatisfaction": 5.0},
            {"rule": {"name": "One month after"}, "due": 1, "done": 0, "missed": 0,
                "completionRate": 0.0, "averageSatisfaction": null},
        ]),
        "the quarter's callback is due after the span"
    );
    let by_grade = app.gql(Some(&token), REPORT, by("CUSTOMER_GRADE")).await;
    assert_eq!(
        by_grade["data"]["serviceReport"]["groups"],
        json!([
            {"key": null, "tickets": figures(1, 1, json!(10.0), json!(10.0), 0, json!(2.0))},
            {"key": "A", "tickets": figures(2, 1, json!(2.0), json!(2.0), 1, json!(4.0))},
        ]),
        "{by_grade}"
    );
    let by_assignee = app
        .gql(
            Some(&token),
            "query($input: ServiceReportInput!) { serviceReport(input: $input) {
                groups { key assignee { id } tickets { opened resolved slaBreaches averageSatisfaction } } } }",
            by("ASSIGNEE"),
        )
        .await;
    assert_eq!(
        by_assignee["data"]["serviceReport"]["groups"],
        json!([
            {"key": null, "assignee": null, "tickets": {"opened": 2, "resolved": 1,
                "slaBreaches": 1, "averageSatisfaction": 2.0}},
            {"key": support.id, "assignee": {"id": support.id}, "tickets": {"opened": 1,
                "resolved": 1, "slaBreaches": 0, "averageSatisfaction": 4.0}},
        ]),
        "{by_assignee}"
    );
    // A seller counts only the tickets of the customers they see.
    let theirs = app
        .gql(
            Some(&app.token_for(&stranger).await),
            REPORT,
            by("CATEGORY"),
        )
        .await;
    assert_eq!(
        theirs["data"]["serviceReport"]["total"],
        figures(0, 0, Value::Null, Value::Null, 0, Value::Null),
        "{theirs}"
    );
    let backwards = app
        .gql(
            Some(&token),
            REPORT,
            json!({"input": {"from": "2026-12-31", "to": "2026-12-01", "groupBy": "CATEGORY"}}),
        )
        .await;
    assert_eq!(
        backwards["errors"][0]["extensions"]["field"], "input.to",
        "{backwards}"
    );
}
