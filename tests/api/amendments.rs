//! Contract amendments: asked for on a signed contract, decided by the approval engine with the
//! contract policy on the amended amount (always the manager), applied only when approved —
//! the contract's version rises and its collection plan is re-balanced — and refused below
//! what is already ordered, invoiced or paid. A pending amendment locks the contract.

use serde_json::{Value, json};

use crate::fixtures::{self, Books};
use crate::helpers::{TestApp, code_and_field, error_code};

const AMENDMENT: &str = "id number status reason decidedAt createdAt \
    changes { amount endDate terms } before { amount endDate terms } \
    after { amount endDate terms } requestedBy { id } contract { id } \
    approval { id status steps { role status } }";

pub(crate) async fn amend(
    app: &TestApp,
    token: &str,
    contract: &str,
    version: &Value,
    changes: Value,
) -> Value {
    let query = format!(
        "mutation($input: AmendContractInput!) {{ amendContract(input: $input) {{ \
         amendment {{ {AMENDMENT} }} request {{ id status }} contract {{ amount version }} }} }}"
    );
    app.gql(
        Some(token),
        &query,
        json!({"input": {"id": contract, "expectedVersion": version, "changes": changes,
            "reason": "The customer asked"}}),
    )
    .await
}

pub(crate) fn amendment_of(body: &Value) -> Value {
    let amendment = body["data"]["amendContract"]["amendment"].clone();
    assert!(amendment.is_object(), "{body}");
    amendment
}

pub(crate) async fn contract_state(app: &TestApp, token: &str, contract: &str) -> Value {
    let query = format!(
        "query($id: ID!) {{ contract(id: $id) {{ amount endDate terms version status \
         amendments {{ {AMENDMENT} }} \
         collectionPlan {{ seq amount paidAmount outstanding status }} }} }}"
    );
    let body = app.gql(Some(token), &query, json!({"id": contract})).await;
    let contract = body["data"]["contract"].clone();
    assert!(contract.is_object(), "{body}");
    contract
}

pub(crate) async fn decide(app: &TestApp, token: &str, request: &Value, approve: bool) -> Value {
    let (name, input) = if approve {
        ("approveRequest", json!({"requestId": request}))
    } else {
        (
            "rejectRequest",
            json!({"requestId": request, "comment": "Not this quarter"}),
        )
    };
    let input_type = if approve {
        "ApproveRequestInput"
    } else {
        "RejectRequestInput"
    };
    app.gql(
        Some(token),
        &format!(
            "mutation($input: {input_type}!) {{ {name}(input: $input) {{ request {{ status }} }} }}"
        ),
        json!({"input": input}),
    )
    .await
}

/// A signed contract of `amount` with a collection plan of `plan` (amounts, due a month
/// apart); the contract's id.
pub(crate) async fn planned(app: &TestApp, books: &Books, amount: &str, plan: &[&str]) -> String {
    let customer = fixtures::customer(app, books, "Amended Co").await;
    let contract = fixtures::signed(app, books, &customer, amount).await;
    let lines: Vec<Value> = plan
        .iter()
        .enumerate()
        .map(|(i, a)| json!({"dueDate": format!("2027-0{}-01", i + 1), "amount": a}))
        .collect();
    let body = fixtures::set_plan(app, &books.finance.token, &contract, json!(lines)).await;
    assert!(body["errors"].is_null(), "{body}");
    contract
}

pub(crate) async fn customer_of(app: &TestApp, token: &str, contract: &str) -> Value {
    app.gql(
        Some(token),
        "query($id: ID!) { contract(id: $id) { customer { id } } }",
        json!({"id": contract}),
    )
    .await["data"]["contract"]["customer"]["id"]
        .clone()
}

#[tokio::test]
async fn an_approved_amendment_changes_the_contract_and_rebalances_its_plan() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let contract = planned(&app, &books, "1000.00", &["600.00", "400.00"]).await;
    let customer = customer_of(&app, &books.rep.token, &contract).await;
    let paid = fixtures::pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "contractId": contract, "amount": "600.00"}),
    )
    .await;
    assert!(paid["errors"].is_null(), "{paid}");
    let before = contract_state(&app, &books.rep.token, &contract).await;
    let asked = amend(
        &app,
        &books.rep.token,
        &contract,
        &before["version"],
        json!({"amount": "800.00", "endDate": "2027-12-31"}),
    )
    .await;
    let amendment = amendment_of(&asked);
    assert_eq!(
        (
            &amendment["number"],
            &amendment["status"],
            &amendment["before"]["amount"],
            &amendment["after"]["amount"],
            &amendment["after"]["endDate"],
            &amendment["changes"]["terms"],
        ),
        (
            &json!(1),
            &json!("PENDING"),
            &json!("1000.00"),
            &json!("800.00"),
            &json!("2027-12-31"),
            &Value::Null
        )
    );
    // The contract policy on the amended amount: below 100,000 the manager alone.
    assert_eq!(
        amendment["approval"]["steps"],
        json!([{"role": "SALES_MANAGER", "status": "PENDING"}])
    );
    // Nothing changes until approved.
    let waiting = &asked["data"]["amendContract"]["contract"];
    assert_eq!(
        (&waiting["amount"], &waiting["version"]),
        (&json!("1000.00"), &before["version"])
    );
    // The contract is locked meanwhile: its plan, its completion, another amendment.
    let replan = fixtures::set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2027-01-01", "amount": "600.00"}, {"dueDate": "2027-02-01", "amount": "400.00"}]),
    )
    .await;
    assert_eq!(error_code(&replan), Some("INVALID_STATE"), "{replan}");
    let again = amend(
        &app,
        &books.manager_token,
        &contract,
        &before["version"],
        json!({"terms": "Net 60"}),
    )
    .await;
    assert_eq!(error_code(&again), Some("INVALID_STATE"), "{again}");
    let complete = app
        .gql(
            Some(&books.finance.token),
            "mutation($input: CompleteContractInput!) { completeContract(input: $input) { contract { status } } }",
            json!({"input": {"id": contract, "expectedVersion": before["version"]}}),
        )
        .await;
    assert_eq!(error_code(&complete), Some("INVALID_STATE"), "{complete}");
    // The manager finds it among their pending approvals, with its subject.
    let pending = app
        .gql(
            Some(&books.manager_token),
            "{ myPendingApprovals(first: 5) { nodes { id subject { __typename ... on ContractAmendment { number after { amount } } } } } }",
            json!({}),
        )
        .await;
    let nodes = &pending["data"]["myPendingApprovals"]["nodes"];
    assert_eq!(
        nodes,
        &json!([{"id": amendment["approval"]["id"], "subject": {"__typename": "ContractAmendment", "number": 1, "after": {"amount": "800.00"}}}]),
        "{pending}"
    );
    // The requester does not decide their own amendment.
    let own = decide(&app, &books.rep.token, &amendment["approval"]["id"], true).await;
    assert_eq!(error_code(&own), Some("FORBIDDEN"), "{own}");
    let approved = decide(
        &app,
        &books.manager_token,
        &amendment["approval"]["id"],
        true,
    )
    .await;
    assert_eq!(
        approved["data"]["approveRequest"]["request"]["status"], "APPROVED",
        "{approved}"
    );
    let after = contract_state(&app, &books.rep.token, &contract).await;
    assert_eq!(
        (&after["amount"], &after["endDate"], &after["status"]),
        (&json!("800.00"), &json!("2027-12-31"), &json!("SIGNED"))
    );
    assert_eq!(
        after["version"].as_i64(),
        before["version"].as_i64().map(|v| v + 1)
    );
    let history = &after["amendments"][0];
    assert_eq!(
        (
            &history["status"],
            &history["before"]["amount"],
            &history["after"]["amount"]
        ),
        (&json!("APPROVED"), &json!("1000.00"), &json!("800.00"))
    );
    assert!(history["decidedAt"].is_string(), "{history}");
    // The decrease came off the last installment; the paid one is untouched.
    assert_eq!(
        after["collectionPlan"],
        json!([
            {"seq": 1, "amount": "600.00", "paidAmount": "600.00", "outstanding": "0.00", "status": "PAID"},
            {"seq": 2, "amount": "200.00", "paidAmount": "0.00", "outstanding": "200.00", "status": "OPEN"}
        ])
    );
    // The seller's numbers count the change from the approval's day.
    let period = salesgraph::clock::Clock::now(&app.clock)
        .format("%Y-%m")
        .to_string();
    let report = app
        .gql(
            Some(&books.manager_token),
            "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupId amendedAmount } }",
            json!({"input": {"period": period, "groupBy": "USER"}}),
        )
        .await;
    let row = report["data"]["salesPerformance"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["groupId"] == json!(books.rep.id)))
        .cloned()
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(row["amendedAmount"], "-200.00", "{report}");
    // Unlocked again: the next amendment is number 2.
    let next = amend(
        &app,
        &books.rep.token,
        &contract,
        &after["version"],
        json!({"terms": "Net 45"}),
    )
    .await;
    assert_eq!(amendment_of(&next)["number"], 2);
    fixtures::ledger_holds(&app).await;
}

#[tokio::test]
async fn an_increase_lands_on_what_is_owed_or_a_new_installment_that_takes_the_credit() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let contract = planned(&app, &books, "1000.00", &["1000.00"]).await;
    let customer = customer_of(&app, &books.rep.token, &contract).await;
    // 1,200.00 arrives: 1,000.00 settles the plan, 200.00 stays as credit.
    let paid = fixtures::pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "contractId": contract, "amount": "1200.00"}),
    )
    .await;
    assert_eq!(fixtures::payment_of(&paid)["unallocatedAmount"], "200.00");
    let version = contract_state(&app, &books.rep.token, &contract).await["version"].clone();
    let asked = amend(
        &app,
        &books.rep.token,
        &contract,
        &version,
        json!({"amount": "1150.00"}),
    )
    .await;
    let request = amendment_of(&asked)["approval"]["id"].clone();
    let approved = decide(&app, &books.manager_token, &request, true).await;
    assert!(approved["errors"].is_null(), "{approved}");
    let after = contract_state(&app, &books.rep.token, &contract).await;
    assert_eq!(after["amount"], "1150.00");
    // Every installment was settled: the 150.00 is a new one, paid at once from the credit.
    assert_eq!(
        after["collectionPlan"],
        json!([
            {"seq": 1, "amount": "1000.00", "paidAmount": "1000.00", "outstanding": "0.00", "status": "PAID"},
            {"seq": 2, "amount": "150.00", "paidAmount": "150.00", "outstanding": "0.00", "status": "PAID"}
        ])
    );
    fixtures::ledger_holds(&app).await;
    // With something still owed, an increase goes onto the last installment that owes.
    let open = planned(&app, &books, "300.00", &["100.00", "200.00"]).await;
    let version = contract_state(&app, &books.rep.token, &open).await["version"].clone();
    let asked = amend(
        &app,
        &books.rep.token,
        &open,
        &version,
        json!({"amount": "350.00"}),
    )
    .await;
    let request = amendment_of(&asked)["approval"]["id"].clone();
    assert!(decide(&app, &books.manager_token, &request, true).await["errors"].is_null());
    let plan = contract_state(&app, &books.rep.token, &open).await["collectionPlan"].clone();
    assert_eq!(plan[1]["amount"], "250.00", "{plan}");
    fixtures::ledger_holds(&app).await;
}

#[tokio::test]
async fn an_amendment_below_what_is_held_or_malformed_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let contract = planned(&app, &books, "1000.00", &["1000.00"]).await;
    let customer = customer_of(&app, &books.rep.token, &contract).await;
    let version = contract_state(&app, &books.rep.token, &contract).await["version"].clone();
    let rep = &books.rep.token;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "BAD_USER_INPUT", "input.changes"),
        (
            json!({"amount": "0"}),
            "BAD_USER_INPUT",
            "input.changes.amount",
        ),
        (
            json!({"amount": "12.345"}),
            "BAD_USER_INPUT",
            "input.changes.amount",
        ),
        (
            json!({"terms": "   "}),
            "BAD_USER_INPUT",
            "input.changes.terms",
        ),
        (
            json!({"amount": "1000.00"}),
            "BAD_USER_INPUT",
            "input.changes",
        ),
    ];
    for (changes, code, field) in &cases {
        let body = amend(&app, rep, &contract, &version, changes.clone()).await;
        assert_eq!(
            code_and_field(&body),
            (Some(*code), Some(*field)),
            "{changes}: {body}"
        );
    }
    let no_reason = app
        .gql(
            Some(rep),
            "mutation($input: AmendContractInput!) { amendContract(input: $input) { amendment { id } } }",
            json!({"input": {"id": contract, "expectedVersion": version, "changes": {"terms": "x"}, "reason": " "}}),
        )
        .await;
    assert_eq!(
        code_and_field(&no_reason),
        (Some("BAD_USER_INPUT"), Some("input.reason"))
    );
    let stale = amend(
        &app,
        rep,
        &contract,
        &json!(version.as_i64().unwrap_or(0) - 1),
        json!({"terms": "Net 60"}),
    )
    .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    // Below what is paid, ordered, or invoiced.
    let paid = fixtures::pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "contractId": contract, "amount": "300.00"}),
    )
    .await;
    assert!(paid["errors"].is_null(), "{paid}");
    let below = |amount: &'static str, what: &'static str| {
        let (app, contract, version) = (&app, &contract, &version);
        async move {
            let body = amend(app, rep, contract, version, json!({"amount": amount})).await;
            assert_eq!(
                code_and_field(&body),
                (Some("INVALID_STATE"), Some("input.changes.amount")),
                "{amount}: {body}"
            );
            let message = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains(what), "{amount}: {message}");
        }
    };
    below("200.00", "paid").await;
    let ordered = app
        .gql(
            Some(rep),
            "mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }",
            json!({"input": {"contractId": contract, "amount": "700.00"}}),
        )
        .await;
    assert!(ordered["errors"].is_null(), "{ordered}");
    below("650.00", "ordered").await;
    // A draft (or any contract not signed) is edited, not amended.
    let draft = fixtures::a_contract(&app, &books.rep, "50.00").await;
    let body = amend(
        &app,
        rep,
        draft["id"].as_str().unwrap_or_default(),
        &draft["version"],
        json!({"amount": "60.00"}),
    )
    .await;
    assert_eq!(error_code(&body), Some("INVALID_STATE"), "{body}");
    // Nothing was written by any refusal.
    let state = contract_state(&app, rep, &contract).await;
    assert_eq!(
        (&state["amount"], &state["amendments"], &state["version"]),
        (&json!("1000.00"), &json!([]), &version)
    );
    // At what is held exactly, it passes.
    let ok = amend(&app, rep, &contract, &version, json!({"amount": "700.00"})).await;
    assert_eq!(amendment_of(&ok)["status"], "PENDING");
}

#[tokio::test]
async fn who_may_amend_who_decides_and_how_a_rejection_or_withdrawal_ends() {
    let app = TestApp::spawn().await;
    let (books, team) = fixtures::books_of_team(&app, "East").await;
    let contract = planned(&app, &books, "500.00", &["500.00"]).await;
    let version = contract_state(&app, &books.rep.token, &contract).await["version"].clone();
    // Finance sees the contract but does not amend it; a teammate who sees it through its
    // customer neither; an outsider is told it does not exist.
    let teammate = app.a_user().in_team(&team).create().await;
    let customer = customer_of(&app, &books.rep.token, &contract).await;
    fixtures::pass_customer(&app, &books, &customer, &teammate).await;
    let outsider = app.a_user().create().await;
    for (who, token, code) in [
        ("finance", &books.finance.token, "FORBIDDEN"),
        ("teammate", &teammate.token, "FORBIDDEN"),
        ("outsider", &outsider.token, "NOT_FOUND"),
    ] {
        let body = amend(&app, token, &contract, &version, json!({"terms": "Net 60"})).await;
        assert_eq!(error_code(&body), Some(code), "{who}: {body}");
    }
    // The manager amends their rep's contract; above 100,000 finance decides too.
    let asked = amend(
        &app,
        &books.manager_token,
        &contract,
        &version,
        json!({"amount": "150000.00"}),
    )
    .await;
    let amendment = amendment_of(&asked);
    let roles: Vec<&str> = amendment["approval"]["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["role"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(roles, vec!["SALES_MANAGER", "FINANCE"], "{asked}");
    // The team's manager asked, so their own manager step goes to an admin; the rep (owner,
    // not the asker) cannot decide.
    let request = amendment["approval"]["id"].clone();
    let rep_try = decide(&app, &books.rep.token, &request, true).await;
    assert!(
        matches!(error_code(&rep_try), Some("FORBIDDEN" | "NOT_FOUND")),
        "{rep_try}"
    );
    let first = decide(&app, &app.admin_token, &request, true).await;
    assert!(first["errors"].is_null(), "{first}");
    let rejected = decide(&app, &books.finance.token, &request, false).await;
    assert_eq!(
        rejected["data"]["rejectRequest"]["request"]["status"], "REJECTED",
        "{rejected}"
    );
    let state = contract_state(&app, &books.rep.token, &contract).await;
    assert_eq!(
        (
            &state["amount"],
            &state["version"],
            &state["amendments"][0]["status"]
        ),
        (&json!("500.00"), &version, &json!("REJECTED"))
    );
    // The owner was told of the decision on their contract.
    let told = app
        .gql(
            Some(&books.rep.token),
            "{ notifications(first: 20) { nodes { kind title } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&str> = told["data"]["notifications"]["nodes"]
        .as_array()
        .map(|n| n.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"APPROVAL_REJECTED"), "{told}");
    // A withdrawal leaves the contract as it was and unlocks it.
    let asked = amend(
        &app,
        &books.rep.token,
        &contract,
        &version,
        json!({"terms": "Net 60"}),
    )
    .await;
    let request = amendment_of(&asked)["approval"]["id"].clone();
    let withdrawn = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: WithdrawRequestInput!) { withdrawRequest(input: $input) { request { status } } }",
            json!({"input": {"requestId": request}}),
        )
        .await;
    assert!(withdrawn["errors"].is_null(), "{withdrawn}");
    let state = contract_state(&app, &books.rep.token, &contract).await;
    assert_eq!(
        (&state["terms"], &state["amendments"][1]["status"]),
        (&json!(""), &json!("WITHDRAWN"))
    );
    let third = amend(
        &app,
        &books.rep.token,
        &contract,
        &version,
        json!({"terms": "Net 90"}),
    )
    .await;
    assert_eq!(amendment_of(&third)["number"], 3);
}

#[tokio::test]
async fn concurrent_amendments_and_decisions_leave_one_change() {
    let app = TestApp::spawn_on_file_or_postgres_with(|c| c.approval_race_delay_ms = 100).await;
    let books = fixtures::books(&app).await;
    let contract = planned(&app, &books, "1000.00", &["500.00", "500.00"]).await;
    let version = contract_state(&app, &books.rep.token, &contract).await["version"].clone();
    // Two amendments at once: exactly one is recorded.
    let (a, b) = tokio::join!(
        amend(
            &app,
            &books.rep.token,
            &contract,
            &version,
            json!({"amount": "900.00"})
        ),
        amend(
            &app,
            &books.manager_token,
            &contract,
            &version,
            json!({"amount": "800.00"})
        ),
    );
    let winners: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|body| body["errors"].is_null())
        .collect();
    assert_eq!(winners.len(), 1, "{a}\n{b}");
    let loser = if a["errors"].is_null() { &b } else { &a };
    assert!(
        matches!(error_code(loser), Some("INVALID_STATE" | "CONFLICT")),
        "{loser}"
    );
    let amendment = amendment_of(winners[0]);
    let request = amendment["approval"]["id"].clone();
    let target = amendment["after"]["amount"].clone();
    // Two approvals of its one step at once (a double tap): one decides, the plan moves once.
    let approver = if amendment["requestedBy"]["id"] == json!(books.rep.id) {
        books.manager_token.clone()
    } else {
        app.admin_token.clone()
    };
    let (x, y) = tokio::join!(
        decide(&app, &approver, &request, true),
        decide(&app, &approver, &request, true),
    );
    let decided = [&x, &y]
        .iter()
        .filter(|body| body["errors"].is_null())
        .count();
    assert_eq!(decided, 1, "{x}\n{y}");
    let state = contract_state(&app, &books.rep.token, &contract).await;
    assert_eq!(state["amount"], target);
    assert_eq!(state["version"].as_i64(), version.as_i64().map(|v| v + 1));
    let planned_total: f64 = state["collectionPlan"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|i| i["amount"].as_str()?.parse::<f64>().ok())
                .sum()
        })
        .unwrap_or_default();
    assert_eq!(
        format!("{planned_total:.2}"),
        target.as_str().unwrap_or_default()
    );
    fixtures::ledger_holds(&app).await;
}

#[tokio::test]
async fn an_amended_amount_reprices_a_quoted_contracts_products_and_orders_follow() {
    let app = TestApp::spawn().await;
    let (books, contract, a, _) = crate::orders::quoted_contract(&app).await;
    let rep = &books.rep.token;
    // One unit of A ordered at the old price (7.54 of its 22.61) before the amendment.
    let first = crate::orders::create_order(
        &app,
        rep,
        json!({"contractId": contract, "lines": [{"productId": a, "quantity": "1"}]}),
    )
    .await;
    assert_eq!(first["amount"], "7.54");
    let version = contract_state(&app, rep, &contract).await["version"].clone();
    let asked = amend(&app, rep, &contract, &version, json!({"amount": "200.00"})).await;
    let request = amendment_of(&asked)["approval"]["id"].clone();
    let approved = decide(&app, &books.manager_token, &request, true).await;
    assert!(approved["errors"].is_null(), "{approved}");
    // 200.00 split as 22.61 : 200.00 is 20.31 for A and 179.69 for B; what remains to order
    // of each takes exactly the rest, so the contract's orders add up to its new amount.
    let rest = crate::orders::create_order(&app, rep, json!({"contractId": contract})).await;
    let amounts: Vec<(String, String)> = rest["lines"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .map(|l| {
                    (
                        l["product"]["code"].as_str().unwrap_or_default().to_owned(),
                        l["amount"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        amounts,
        vec![
            ("A".to_owned(), "12.77".to_owned()),
            ("B".to_owned(), "179.69".to_owned())
        ],
        "{rest}"
    );
    let status = app
        .gql(
            Some(rep),
            "query($id: ID!) { contract(id: $id) { amount executionStatus { orderedAmount } } }",
            json!({"id": contract}),
        )
        .await;
    assert_eq!(
        status["data"]["contract"],
        json!({"amount": "200.00", "executionStatus": {"orderedAmount": "200.00"}})
    );
}

#[tokio::test]
async fn oversized_amendment_inputs_are_refused_with_their_field_and_retries_ask_once() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let contract = planned(&app, &books, "500.00", &["500.00"]).await;
    let version = contract_state(&app, &books.rep.token, &contract).await["version"].clone();
    let rep = &books.rep.token;
    let long_terms = "条".repeat(20_001);
    let body = amend(&app, rep, &contract, &version, json!({"terms": long_terms})).await;
    assert_eq!(
        code_and_field(&body),
        (Some("BAD_USER_INPUT"), Some("input.changes.terms"))
    );
    let huge = amend(
        &app,
        rep,
        &contract,
        &version,
        json!({"amount": "99999999999999999999.99"}),
    )
    .await;
    assert_eq!(
        code_and_field(&huge),
        (Some("BAD_USER_INPUT"), Some("input.changes.amount")),
        "{huge}"
    );
    let query = "mutation($input: AmendContractInput!) { amendContract(input: $input) { amendment { id number } } }";
    let long_reason = app
        .gql(
            Some(rep),
            query,
            json!({"input": {"id": contract, "expectedVersion": version, "changes": {"terms": "Net 60"}, "reason": "x".repeat(1001)}}),
        )
        .await;
    assert_eq!(
        code_and_field(&long_reason),
        (Some("BAD_USER_INPUT"), Some("input.reason"))
    );
    // A retry with the same key answers the same amendment; the key with other input is
    // refused.
    let input = json!({"id": contract, "expectedVersion": version, "changes": {"terms": "Net 60"},
        "reason": "Longer terms", "idempotencyKey": "amend-retry-1"});
    let once = app.gql(Some(rep), query, json!({"input": input})).await;
    let twice = app.gql(Some(rep), query, json!({"input": input})).await;
    assert_eq!(once["data"], twice["data"], "{once}\n{twice}");
    let mut other = input.clone();
    other["changes"]["terms"] = json!("Net 90");
    let reused = app.gql(Some(rep), query, json!({"input": other})).await;
    assert_eq!(
        error_code(&reused),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{reused}"
    );
    let state = contract_state(&app, rep, &contract).await;
    assert_eq!(state["amendments"].as_array().map(Vec::len), Some(1));
}
