//! Refunds: asked for by finance or the seller of a customer's contract, approved by finance
//! then an admin, paid out by finance — from the credit first, then from the allocations of
//! the installments named (which reopen) — never beyond what is there, racing refunds
//! included; the ledger's invariants hold throughout.

use serde_json::{Value, json};

use crate::amendments::{customer_of, planned};
use crate::fixtures::{self, Books};
use crate::helpers::{TestApp, code_and_field, error_code};

const REFUND: &str = "id number status amount reason method reference paidOn \
    customer { id } payment { id } installments { seq } requestedBy { id } paidBy { id } \
    sources { amount paymentId installment { seq } } approval { id status steps { role status } }";

async fn request(app: &TestApp, token: &str, input: Value) -> Value {
    let mut full = json!({"reason": "Goods returned"});
    if let (Some(full), Some(given)) = (full.as_object_mut(), input.as_object()) {
        full.extend(given.clone());
    }
    app.gql(
        Some(token),
        &format!("mutation($input: RequestRefundInput!) {{ requestRefund(input: $input) {{ refund {{ {REFUND} }} request {{ id }} }} }}"),
        json!({"input": full}),
    )
    .await
}

fn refund_of(body: &Value, name: &str) -> Value {
    let refund = body["data"][name]["refund"].clone();
    assert!(refund.is_object(), "{body}");
    refund
}

async fn record(app: &TestApp, token: &str, refund: &Value) -> Value {
    app.gql(
        Some(token),
        &format!("mutation($input: RecordRefundInput!) {{ recordRefund(input: $input) {{ refund {{ {REFUND} }} }} }}"),
        json!({"input": {"id": refund["id"], "method": "BANK_TRANSFER",
            "reference": format!("RF-{}", uuid::Uuid::now_v7().simple())}}),
    )
    .await
}

/// Approves every step of a refund's request: finance (not the requester), then the admin.
async fn approve(app: &TestApp, books: &Books, refund: &Value) {
    let request = &refund["approval"]["id"];
    let requester = refund["requestedBy"]["id"].clone();
    let finance = if requester == json!(books.finance.id) {
        &books.finance2.token
    } else {
        &books.finance.token
    };
    for token in [finance, &app.admin_token] {
        let body = crate::amendments::decide(app, token, request, true).await;
        assert!(body["errors"].is_null(), "{body}");
    }
}

async fn execution(app: &TestApp, token: &str, contract: &str) -> Value {
    app.gql(
        Some(token),
        "query($id: ID!) { contract(id: $id) { executionStatus { paidAmount refundedAmount outstanding } collectionPlan { seq paidAmount outstanding status } } }",
        json!({"id": contract}),
    )
    .await["data"]["contract"]
        .clone()
}

async fn payment(app: &TestApp, token: &str, id: &Value) -> Value {
    app.gql(
        Some(token),
        "query($id: ID!) { node(id: $id) { ... on Payment { amount unallocatedAmount refundedAmount allocations { amount kind } } } }",
        json!({"id": id}),
    )
    .await["data"]["node"]
        .clone()
}

/// What `salesPerformance` says the books' rep collected this month.
async fn collected(app: &TestApp, books: &Books) -> Value {
    let period = salesgraph::clock::Clock::now(&app.clock)
        .format("%Y-%m")
        .to_string();
    let body = app
        .gql(
            Some(&books.manager_token),
            "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupId collectedAmount } }",
            json!({"input": {"period": period, "groupBy": "USER"}}),
        )
        .await;
    body["data"]["salesPerformance"]
        .as_array()
        .and_then(|rows| {
            rows.iter()
                .find(|r| r["groupId"] == json!(books.rep.id))
                .map(|r| r["collectedAmount"].clone())
        })
        .unwrap_or_else(|| panic!("{body}"))
}

/// A signed contract of 1000.00 planned in one installment, paid 1200.00 for it: the
/// contract, its customer and the payment (holding 200.00 of credit).
async fn overpaid(app: &TestApp, books: &Books) -> (String, Value, Value) {
    let contract = planned(app, books, "1000.00", &["1000.00"]).await;
    let customer = customer_of(app, &books.rep.token, &contract).await;
    let paid = fixtures::payment_of(
        &fixtures::pay(
            app,
            &books.finance.token,
            json!({"customerId": customer, "contractId": contract, "amount": "1200.00"}),
        )
        .await,
    );
    assert_eq!(paid["unallocatedAmount"], "200.00");
    (contract, customer, paid)
}

#[tokio::test]
async fn a_refund_of_credit_is_approved_then_paid_out_once() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let (contract, customer, paid) = overpaid(&app, &books).await;
    assert_eq!(paid["unallocatedAmount"], "200.00");
    // The contract's owner asks; finance then an admin decide.
    let asked = request(
        &app,
        &books.rep.token,
        json!({"paymentId": paid["id"], "amount": "150.00"}),
    )
    .await;
    let refund = refund_of(&asked, "requestRefund");
    assert_eq!(
        (
            &refund["status"],
            &refund["amount"],
            &refund["customer"]["id"]
        ),
        (&json!("PENDING_APPROVAL"), &json!("150.00"), &customer)
    );
    assert!(
        refund["number"]
            .as_str()
            .unwrap_or_default()
            .starts_with("RF-"),
        "{refund}"
    );
    assert_eq!(
        refund["approval"]["steps"],
        json!([{"role": "FINANCE", "status": "PENDING"}, {"role": "ADMIN", "status": "WAITING"}])
    );
    let early = record(&app, &books.finance.token, &refund).await;
    assert_eq!(error_code(&early), Some("INVALID_STATE"), "{early}");
    let pending = app
        .gql(
            Some(&books.finance.token),
            "{ myPendingApprovals(first: 5) { nodes { subject { __typename ... on Refund { number } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        pending["data"]["myPendingApprovals"]["nodes"],
        json!([{"subject": {"__typename": "Refund", "number": refund["number"]}}]),
        "{pending}"
    );
    approve(&app, &books, &refund).await;
    // Only finance pays out: the owner who asked and their manager see it, and may not.
    for token in [&books.rep.token, &books.manager_token] {
        let body = record(&app, token, &refund).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let out = refund_of(
        &record(&app, &books.finance.token, &refund).await,
        "recordRefund",
    );
    assert_eq!(
        (&out["status"], &out["method"], &out["paidBy"]["id"]),
        (
            &json!("PAID"),
            &json!("BANK_TRANSFER"),
            &json!(books.finance.id)
        )
    );
    assert!(out["paidOn"].is_string(), "{out}");
    assert_eq!(
        out["sources"],
        json!([{"amount": "150.00", "paymentId": paid["id"], "installment": null}])
    );
    let again = record(&app, &books.finance.token, &refund).await;
    assert_eq!(error_code(&again), Some("INVALID_STATE"), "{again}");
    let money = payment(&app, &books.finance.token, &paid["id"]).await;
    assert_eq!(
        (&money["unallocatedAmount"], &money["refundedAmount"]),
        (&json!("50.00"), &json!("150.00"))
    );
    let status = execution(&app, &books.rep.token, &contract).await;
    assert_eq!(
        status["executionStatus"],
        json!({"paidAmount": "1000.00", "refundedAmount": "150.00", "outstanding": "0.00"})
    );
    // The customer's credit shrank by the refund.
    let receivable = app
        .gql(
            Some(&books.finance.token),
            "query($id: ID!) { customer(id: $id) { receivable { outstanding credit } } }",
            json!({"id": customer}),
        )
        .await;
    assert_eq!(
        receivable["data"]["customer"]["receivable"],
        json!({"outstanding": "0.00", "credit": "50.00"}),
        "{receivable}"
    );
    // The requester heard of the payout.
    let told = app
        .gql(
            Some(&books.rep.token),
            "{ notifications(first: 20) { nodes { kind } } }",
            json!({}),
        )
        .await;
    assert!(
        told["data"]["notifications"]["nodes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|x| x["kind"] == "REFUND_PAID")),
        "{told}"
    );
    // A refunded payment is not reversed.
    let reversed = app
        .gql(
            Some(&books.finance.token),
            "mutation($input: ReversePaymentInput!) { reversePayment(input: $input) { payment { status } } }",
            json!({"input": {"id": paid["id"], "reason": "Bounced"}}),
        )
        .await;
    assert_eq!(error_code(&reversed), Some("INVALID_STATE"), "{reversed}");
    fixtures::ledger_holds(&app).await;
}

#[tokio::test]
async fn beyond_the_credit_a_refund_takes_back_named_allocations_which_reopen() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let contract = planned(&app, &books, "1000.00", &["600.00", "400.00"]).await;
    let customer = customer_of(&app, &books.rep.token, &contract).await;
    let plan = fixtures::plan_of(&app, &books.finance.token, &contract).await;
    let paid = fixtures::payment_of(
        &fixtures::pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "contractId": contract, "amount": "1000.00"}),
        )
        .await,
    );
    assert_eq!(collected(&app, &books).await, "1000.00");
    // No credit: without named installments nothing can be refunded; naming the second
    // covers 400.00; naming both covers the 500.00.
    let none = request(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "500.00"}),
    )
    .await;
    assert_eq!(
        code_and_field(&none),
        (Some("BAD_USER_INPUT"), Some("input.amount")),
        "{none}"
    );
    let one = request(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "500.00", "installmentIds": [plan[1]["id"]]}),
    )
    .await;
    assert_eq!(error_code(&one), Some("BAD_USER_INPUT"), "{one}");
    let both = request(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "500.00", "installmentIds": [plan[1]["id"], plan[0]["id"]]}),
    )
    .await;
    let refund = refund_of(&both, "requestRefund");
    assert_eq!(refund["installments"], json!([{"seq": 2}, {"seq": 1}]));
    approve(&app, &books, &refund).await;
    let out = refund_of(
        &record(&app, &books.finance.token, &refund).await,
        "recordRefund",
    );
    assert_eq!(
        out["sources"],
        json!([
            {"amount": "400.00", "paymentId": paid["id"], "installment": {"seq": 2}},
            {"amount": "100.00", "paymentId": paid["id"], "installment": {"seq": 1}}
        ])
    );
    let status = execution(&app, &books.rep.token, &contract).await;
    assert_eq!(
        status["executionStatus"],
        json!({"paidAmount": "500.00", "refundedAmount": "500.00", "outstanding": "500.00"})
    );
    assert_eq!(
        status["collectionPlan"],
        json!([
            {"seq": 1, "paidAmount": "500.00", "outstanding": "100.00", "status": "PARTIALLY_PAID"},
            {"seq": 2, "paidAmount": "0.00", "outstanding": "400.00", "status": "OPEN"}
        ])
    );
    let money = payment(&app, &books.finance.token, &paid["id"]).await;
    assert_eq!(money["refundedAmount"], "500.00");
    let kinds: Vec<&str> = money["allocations"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, vec!["ALLOCATION", "ALLOCATION", "REFUND", "REFUND"]);
    // Money taken back from the seller's contract is a negative collection.
    assert_eq!(collected(&app, &books).await, "500.00");
    fixtures::ledger_holds(&app).await;
}

#[tokio::test]
async fn refunds_beyond_what_is_there_or_of_someone_else_are_refused_on_their_field() {
    let app = TestApp::spawn().await;
    let (books, team) = fixtures::books_of_team(&app, "East").await;
    let (contract, customer, paid) = overpaid(&app, &books).await;
    let other = planned(&app, &books, "300.00", &["300.00"]).await;
    let other_customer = fixtures::customer(&app, &books, "Other Co").await;
    let theirs = fixtures::payment_of(
        &fixtures::pay(
            &app,
            &books.finance.token,
            json!({"customerId": other_customer, "amount": "50.00"}),
        )
        .await,
    );
    let other_plan = fixtures::plan_of(&app, &books.finance.token, &other).await;
    let fin = &books.finance.token;
    let many: Vec<Value> = (0..51).map(|_| other_plan[0]["id"].clone()).collect();
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"amount": "10.00"}),
            "BAD_USER_INPUT",
            "input.customerId",
        ),
        (
            json!({"customerId": customer, "amount": "0"}),
            "BAD_USER_INPUT",
            "input.amount",
        ),
        (
            json!({"customerId": customer, "paymentId": theirs["id"], "amount": "10.00"}),
            "BAD_USER_INPUT",
            "input.paymentId",
        ),
        (
            json!({"paymentId": paid["id"], "amount": "1200.01"}),
            "BAD_USER_INPUT",
            "input.amount",
        ),
        (
            json!({"paymentId": paid["id"], "amount": "200.01"}),
            "BAD_USER_INPUT",
            "input.amount",
        ),
        (
            json!({"customerId": customer, "amount": "10.00", "installmentIds": [other_plan[0]["id"]]}),
            "BAD_USER_INPUT",
            "input.installmentIds.0",
        ),
        (
            json!({"customerId": customer, "amount": "10.00", "installmentIds": many}),
            "BAD_USER_INPUT",
            "input.installmentIds",
        ),
        (
            json!({"customerId": customer, "amount": "10.00", "reason": " "}),
            "BAD_USER_INPUT",
            "input.reason",
        ),
        (
            json!({"paymentId": contract, "amount": "10.00"}),
            "BAD_USER_INPUT",
            "input.paymentId",
        ),
    ];
    for (input, code, field) in &cases {
        let body = request(&app, fin, input.clone()).await;
        assert_eq!(
            code_and_field(&body),
            (Some(*code), Some(*field)),
            "{input}: {body}"
        );
    }
    // Who may ask: a teammate who sees the customer but sells it nothing may not; an outsider
    // is told it does not exist; a manager of the seller may.
    let teammate = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    fixtures::pass_customer(&app, &books, &customer, &teammate).await;
    for (who, token, code) in [
        ("teammate", &teammate.token, "FORBIDDEN"),
        ("outsider", &outsider.token, "NOT_FOUND"),
    ] {
        let body = request(
            &app,
            token,
            json!({"paymentId": paid["id"], "amount": "10.00"}),
        )
        .await;
        assert_eq!(error_code(&body), Some(code), "{who}: {body}");
    }
    // What is asked is reserved: 150.00 of the 200.00 credit leaves 50.00 to ask for.
    let first = request(
        &app,
        &books.manager_token,
        json!({"paymentId": paid["id"], "amount": "150.00"}),
    )
    .await;
    let first = refund_of(&first, "requestRefund");
    let second = request(
        &app,
        fin,
        json!({"customerId": customer, "amount": "60.00"}),
    )
    .await;
    assert_eq!(
        code_and_field(&second),
        (Some("BAD_USER_INPUT"), Some("input.amount")),
        "{second}"
    );
    // A rejection releases it.
    let rejected = crate::amendments::decide(&app, fin, &first["approval"]["id"], false).await;
    assert!(rejected["errors"].is_null(), "{rejected}");
    let now = request(
        &app,
        fin,
        json!({"customerId": customer, "amount": "200.00"}),
    )
    .await;
    refund_of(&now, "requestRefund");
    // Nothing was taken by any of it.
    let money = payment(&app, fin, &paid["id"]).await;
    assert_eq!(
        (&money["unallocatedAmount"], &money["refundedAmount"]),
        (&json!("200.00"), &json!("0.00"))
    );
    fixtures::ledger_holds(&app).await;
}

#[tokio::test]
async fn refunds_racing_for_the_same_credit_leave_exactly_one_winner() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let books = fixtures::books(&app).await;
    let (_, customer, paid) = overpaid(&app, &books).await;
    // Two finance users ask at once for 150.00 of the 200.00 credit: one is recorded.
    let (a, b) = tokio::join!(
        request(
            &app,
            &books.finance.token,
            json!({"paymentId": paid["id"], "amount": "150.00"})
        ),
        request(
            &app,
            &books.finance2.token,
            json!({"customerId": customer, "amount": "150.00"})
        ),
    );
    let won: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|body| body["errors"].is_null())
        .collect();
    assert_eq!(won.len(), 1, "{a}\n{b}");
    let lost = if a["errors"].is_null() { &b } else { &a };
    assert_eq!(error_code(lost), Some("BAD_USER_INPUT"), "{lost}");
    let refund = refund_of(won[0], "requestRefund");
    approve(&app, &books, &refund).await;
    // Two payouts of it at once: one pays, the other finds it paid.
    let (x, y) = tokio::join!(
        record(&app, &books.finance.token, &refund),
        record(&app, &books.finance2.token, &refund),
    );
    let paid_out = [&x, &y]
        .iter()
        .filter(|body| body["errors"].is_null())
        .count();
    assert_eq!(paid_out, 1, "{x}\n{y}");
    let money = payment(&app, &books.finance.token, &paid["id"]).await;
    assert_eq!(
        (&money["unallocatedAmount"], &money["refundedAmount"]),
        (&json!("50.00"), &json!("150.00"))
    );
    // An approved refund whose credit another contract's plan took meanwhile is refused.
    let late = request(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "50.00"}),
    )
    .await;
    let late = refund_of(&late, "requestRefund");
    approve(&app, &books, &late).await;
    let more = fixtures::signed(&app, &books, customer.as_str().unwrap_or_default(), "80.00").await;
    let plan = fixtures::set_plan(
        &app,
        &books.finance.token,
        &more,
        json!([{"dueDate": "2027-03-01", "amount": "80.00"}]),
    )
    .await;
    assert!(plan["errors"].is_null(), "{plan}");
    let refused = record(&app, &books.finance.token, &late).await;
    assert_eq!(error_code(&refused), Some("INVALID_STATE"), "{refused}");
    let still = app
        .gql(
            Some(&books.finance.token),
            "query($id: ID!) { node(id: $id) { ... on Refund { status sources { amount } } } }",
            json!({"id": late["id"]}),
        )
        .await;
    assert_eq!(
        still["data"]["node"],
        json!({"status": "APPROVED", "sources": []})
    );
    fixtures::ledger_holds(&app).await;
}

#[tokio::test]
async fn approval_events_carry_amendments_and_refunds_to_who_decides_them() {
    use crate::websocket::{connected, json_of, next, send};
    use std::time::Duration;
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let contract = planned(&app, &books, "1000.00", &["1000.00"]).await;
    let customer = customer_of(&app, &books.rep.token, &contract).await;
    let subscription = "subscription { approvalEvents { kind request { status subject { __typename \
        ... on ContractAmendment { number } ... on Refund { number } } } } }";
    let mut sockets = Vec::new();
    for token in [&books.manager_token, &books.finance.token, &books.rep.token] {
        let mut socket = connected(&app, token).await;
        send(
            &mut socket,
            json!({"id": "q", "type": "subscribe", "payload": {"query": subscription}}),
        )
        .await;
        sockets.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let event = |message| json_of(message)["payload"]["data"]["approvalEvents"].clone();
    let version =
        crate::amendments::contract_state(&app, &books.rep.token, &contract).await["version"]
            .clone();
    let asked = crate::amendments::amend(
        &app,
        &books.rep.token,
        &contract,
        &version,
        json!({"amount": "1100.00"}),
    )
    .await;
    let amendment = crate::amendments::amendment_of(&asked);
    assert_eq!(
        event(next(&mut sockets[0]).await),
        json!({"kind": "AWAITING_YOUR_DECISION", "request": {"status": "PENDING",
            "subject": {"__typename": "ContractAmendment", "number": 1}}})
    );
    crate::amendments::decide(
        &app,
        &books.manager_token,
        &amendment["approval"]["id"],
        true,
    )
    .await;
    let to_rep = event(next(&mut sockets[2]).await);
    assert_eq!(
        (&to_rep["kind"], &to_rep["request"]["subject"]["__typename"]),
        (&json!("APPROVED"), &json!("ContractAmendment"))
    );
    // The customer overpays; the rep asks for a refund of the credit: finance hears of it.
    fixtures::pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "1150.00"}),
    )
    .await;
    let refund = refund_of(
        &request(
            &app,
            &books.rep.token,
            json!({"customerId": customer, "amount": "20.00"}),
        )
        .await,
        "requestRefund",
    );
    let to_finance = event(next(&mut sockets[1]).await);
    assert_eq!(
        to_finance,
        json!({"kind": "AWAITING_YOUR_DECISION", "request": {"status": "PENDING",
            "subject": {"__typename": "Refund", "number": refund["number"]}}})
    );
}

#[tokio::test]
async fn oversized_refund_inputs_are_refused_with_their_field_and_retries_apply_once() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let contract = planned(&app, &books, "1000.00", &["1000.00"]).await;
    let customer = customer_of(&app, &books.rep.token, &contract).await;
    fixtures::pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "1200.00"}),
    )
    .await;
    let fin = &books.finance.token;
    let long = request(
        &app,
        fin,
        json!({"customerId": customer, "amount": "1.00", "reason": "退".repeat(1001)}),
    )
    .await;
    assert_eq!(
        code_and_field(&long),
        (Some("BAD_USER_INPUT"), Some("input.reason"))
    );
    let huge = request(
        &app,
        fin,
        json!({"customerId": customer, "amount": "99999999999999999999.99"}),
    )
    .await;
    assert_eq!(
        code_and_field(&huge),
        (Some("BAD_USER_INPUT"), Some("input.amount"))
    );
    let input =
        json!({"customerId": customer, "amount": "10.00", "idempotencyKey": "refund-retry"});
    let once = request(&app, fin, input.clone()).await;
    let twice = request(&app, fin, input).await;
    assert_eq!(
        refund_of(&once, "requestRefund")["id"],
        refund_of(&twice, "requestRefund")["id"]
    );
    let refund = refund_of(&once, "requestRefund");
    // Nobody decides their own request.
    let own = crate::amendments::decide(&app, fin, &refund["approval"]["id"], true).await;
    assert_eq!(error_code(&own), Some("FORBIDDEN"), "{own}");
    approve(&app, &books, &refund).await;
    let payout = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { refund { status } } }";
    for (input, field) in [
        (
            json!({"id": refund["id"], "method": "CASH", "reference": "r".repeat(201)}),
            "input.reference",
        ),
        (
            json!({"id": refund["id"], "method": "CASH", "reference": "OUT-1", "paidOn": "2999-01-01"}),
            "input.paidOn",
        ),
    ] {
        let body = app.gql(Some(fin), payout, json!({"input": input})).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{body}"
        );
    }
    let keyed = json!({"id": refund["id"], "method": "CASH", "reference": "OUT-1", "idempotencyKey": "payout-1"});
    let first = app.gql(Some(fin), payout, json!({"input": keyed})).await;
    let again = app.gql(Some(fin), payout, json!({"input": keyed})).await;
    assert_eq!(first["data"], again["data"], "{first}\n{again}");
    assert_eq!(first["data"]["recordRefund"]["refund"]["status"], "PAID");
    fixtures::ledger_holds(&app).await;
}

#[tokio::test]
async fn refunds_and_amendments_cost_the_same_statements_for_any_number_listed() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    // Two requests: in one, the two root lists share loaders and batch together or apart
    // from run to run on PostgreSQL.
    let refunds_query = "{ refunds(first: 50) { nodes { number status customer { name } \
        payment { reference } installments { seq } sources { amount installment { seq } } \
        requestedBy { id } paidBy { id } approval { status steps { role decidedBy { id } } } } } }";
    let contracts_query = "{ contracts(first: 50) { nodes { number executionStatus { refundedAmount } \
        amendments { number before { amount } after { amount } requestedBy { id } \
        approval { status } contract { number } } } } }";
    let mut costs = Vec::new();
    for round in 0..2 {
        // Round 0 leaves two of each; round 1 adds four more.
        for _ in 0..(if round == 0 { 2 } else { 4 }) {
            let contract = planned(&app, &books, "100.00", &["100.00"]).await;
            let customer = customer_of(&app, &books.rep.token, &contract).await;
            let paid = fixtures::payment_of(
                &fixtures::pay(
                    &app,
                    &books.finance.token,
                    json!({"customerId": customer, "contractId": contract, "amount": "120.00"}),
                )
                .await,
            );
            let refund = refund_of(
                &request(
                    &app,
                    &books.rep.token,
                    json!({"paymentId": paid["id"], "amount": "30.00",
                        "installmentIds": [fixtures::plan_of(&app, &books.finance.token, &contract).await[0]["id"]]}),
                )
                .await,
                "requestRefund",
            );
            approve(&app, &books, &refund).await;
            refund_of(
                &record(&app, &books.finance.token, &refund).await,
                "recordRefund",
            );
            let version = crate::amendments::contract_state(&app, &books.rep.token, &contract)
                .await["version"]
                .clone();
            let asked = crate::amendments::amend(
                &app,
                &books.rep.token,
                &contract,
                &version,
                json!({"terms": "Net 30"}),
            )
            .await;
            crate::amendments::amendment_of(&asked);
        }
        let (refunds_cost, body) = app
            .cheapest_cost(Some(&books.finance.token), refunds_query, json!({}))
            .await;
        let (contracts_cost, contracts) = app
            .cheapest_cost(Some(&books.finance.token), contracts_query, json!({}))
            .await;
        let listed =
            |body: &Value, path: &str| body["data"][path]["nodes"].as_array().map(Vec::len);
        let expected = Some(if round == 0 { 2 } else { 6 });
        assert_eq!(
            (listed(&body, "refunds"), listed(&contracts, "contracts")),
            (expected, expected),
            "{body}\n{contracts}"
        );
        let cost = (refunds_cost, contracts_cost);
        assert_eq!(
            body["data"]["refunds"]["nodes"][0]["sources"],
            json!([{"amount": "20.00", "installment": null}, {"amount": "10.00", "installment": {"seq": 1}}])
        );
        costs.push(cost);
    }
    assert_eq!(
        costs[0], costs[1],
        "statements do not grow with the refunds and amendments listed"
    );
}
