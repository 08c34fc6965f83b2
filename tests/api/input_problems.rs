//! Every problem of one input is reported at once, each on its field, for the inputs of
//! contracts, billing, field visits, follow-ups and users (the records a rep creates and
//! updates are in `client_contract`).

use serde_json::{Value, json};

use crate::fixtures::{approved, books, customer, installments, set_plan};
use crate::helpers::*;

/// The fields of the errors of `body`, in order, after checking each is `BAD_USER_INPUT`.
fn fields(body: &Value) -> Vec<String> {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        errors
            .iter()
            .all(|e| e["extensions"]["code"] == "BAD_USER_INPUT"),
        "{body}"
    );
    errors
        .iter()
        .map(|e| {
            e["extensions"]["field"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

async fn ask(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let input_type = format!("{}{}Input", mutation[..1].to_uppercase(), &mutation[1..]);
    let query =
        format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ __typename }} }}");
    app.gql(Some(token), &query, json!({ "input": input }))
        .await
}

#[tokio::test]
async fn contract_and_billing_inputs_report_every_problem_at_once() {
    let app = TestApp::spawn().await;
    let books = books(&app).await;
    let client = customer(&app, &books, "Problems Ltd").await;
    let contract = approved(&app, &books, &client, "1000").await;
    let plan = set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2027-01-31", "amount": "1000"}]),
    )
    .await;
    let installment = installments(&plan)[0]["id"].clone();
    let draft = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
            json!({"input": {"customerId": client, "title": "Draft", "amount": "10"}}),
        )
        .await;
    let draft = string_at(&draft, &["data", "createContract", "contract", "id"]);
    let long = "x".repeat(501);
    let rep = books.rep.token.as_str();
    let finance = books.finance.token.as_str();

    for (token, mutation, input, expected) in [
        (
            rep,
            "createContract",
            json!({"customerId": client, "title": " ", "amount": "0",
                   "startDate": "2027-02-01", "endDate": "2027-01-01"}),
            vec!["input.title", "input.endDate", "input.amount"],
        ),
        (
            rep,
            "createContract",
            json!({"title": "Neither customer nor deal"}),
            vec!["input.customerId", "input.amount"],
        ),
        (
            rep,
            "updateContract",
            json!({"id": draft, "expectedVersion": 1, "title": "", "amount": "-5",
                   "startDate": "2027-02-01", "endDate": "2027-01-01"}),
            vec!["input.title", "input.amount", "input.endDate"],
        ),
        (
            finance,
            "recordPayment",
            json!({"customerId": client, "amount": "0", "receivedDate": "2099-01-01",
                   "method": "BANK_TRANSFER", "reference": " "}),
            vec!["input.amount", "input.reference", "input.receivedDate"],
        ),
        (
            finance,
            "issueInvoice",
            json!({"contractId": contract, "installmentId": installment, "amount": "0",
                   "issueDate": "2027-01-10", "dueDate": "2027-01-01", "taxRate": "2"}),
            vec!["input.amount", "input.taxRate", "input.dueDate"],
        ),
        (
            finance,
            "requestWaiver",
            json!({"installmentId": installment, "amount": "0", "reason": " "}),
            vec!["input.amount", "input.reason"],
        ),
        (
            finance,
            "setCollectionPlan",
            json!({"contractId": contract, "installments": [
                {"dueDate": "2027-01-31"}, {"dueDate": "2027-02-28"}]}),
            vec!["input.installments.0", "input.installments.1"],
        ),
        (
            finance,
            "setCollectionPlan",
            json!({"contractId": contract, "installments": [
                {"dueDate": "2027-03-31", "amount": "500", "note": long},
                {"dueDate": "2027-02-28", "amount": "500"}]}),
            vec!["input.installments.0.note", "input.installments.1.dueDate"],
        ),
    ] {
        let body = ask(&app, token, mutation, input).await;
        assert_eq!(fields(&body), expected, "{mutation}: {body}");
    }
    // Nothing was written: the draft is as it was, the plan still has its one installment.
    let after = app
        .gql(
            Some(rep),
            "query($id: ID!, $c: ID!) { contract(id: $id) { title version } plan: contract(id: $c) { collectionPlan { seq } } }",
            json!({"id": draft, "c": contract}),
        )
        .await;
    assert_eq!(after["data"]["contract"]["title"], "Draft", "{after}");
    assert_eq!(after["data"]["contract"]["version"], 1);
    assert_eq!(
        after["data"]["plan"]["collectionPlan"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn field_follow_up_and_user_inputs_report_every_problem_at_once() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let client = crate::fixtures::a_customer(&app, &rep.token, "Visited").await;
    let now = salesgraph::clock::Clock::now(&app.clock);
    let start = now + chrono::Duration::hours(1);
    let planned = app
        .gql(
            Some(&rep.token),
            "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"input": {"customerId": client, "purpose": "Demo", "plannedStart": start,
                             "plannedEnd": start + chrono::Duration::hours(1)}}),
        )
        .await;
    let visit = string_at(&planned, &["data", "planVisit", "visit", "id"]);
    let token = rep.token.as_str();

    for (mutation, input, expected) in [
        (
            "checkInVisit",
            json!({"id": visit, "deviceTime": now - chrono::Duration::days(30),
                   "location": {"lat": 31.2, "lng": 121.4, "accuracyMeters": -1.0}}),
            vec!["input.location.accuracyMeters", "input.deviceTime"],
        ),
        (
            "checkOutVisit",
            json!({"id": visit, "summary": " ", "outcome": "POSITIVE",
                   "nextVisitAt": now - chrono::Duration::hours(1)}),
            vec!["input.summary", "input.nextVisitAt"],
        ),
        (
            "logFollowUp",
            json!({"subjectId": client, "kind": "CALL", "content": "",
                   "occurredAt": now + chrono::Duration::days(2),
                   "nextFollowUpAt": now + chrono::Duration::days(1)}),
            vec!["input.content", "input.occurredAt", "input.nextFollowUpAt"],
        ),
    ] {
        let body = ask(&app, token, mutation, input).await;
        assert_eq!(fields(&body), expected, "{mutation}: {body}");
    }
    let stages = app
        .admin(
            "mutation($input: UpdatePipelineStagesInput!) { updatePipelineStages(input: $input) { __typename } }",
            json!({"input": {"stages": [
                {"name": "", "probability": 10, "kind": "OPEN"},
                {"name": "Won", "probability": 101, "kind": "WON", "maxDaysInStage": 0}]}}),
        )
        .await;
    assert_eq!(
        fields(&stages),
        [
            "input.stages.0.name",
            "input.stages.1.probability",
            "input.stages.1.maxDaysInStage",
            "input.stages"
        ],
        "{stages}"
    );
    let user = app
        .admin(
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }",
            json!({"input": {"id": rep.id, "expectedVersion": 1, "displayName": " ",
                             "timezone": "Mars/Olympus"}}),
        )
        .await;
    assert_eq!(
        fields(&user),
        ["input.displayName", "input.timezone"],
        "{user}"
    );
    // Nothing was written.
    let after = app
        .gql(
            Some(token),
            "query($id: ID!) { visitTask(id: $id) { status version } me { displayName } }",
            json!({"id": visit}),
        )
        .await;
    assert_eq!(after["data"]["visitTask"]["status"], "PLANNED", "{after}");
    assert_eq!(after["data"]["visitTask"]["version"], 1);
    assert_ne!(after["data"]["me"]["displayName"], " ");
}
