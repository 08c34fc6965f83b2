//! Billing through the API: plans, invoices, payments, credit, reversals, waivers, receivables,
//! aging, reminders, and the ledger's invariants after every step.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::contracts::at;
use crate::helpers::*;

const INSTALLMENT: &str = "id seq dueDate amount invoicedAmount paidAmount waivedAmount outstanding status overdue daysOverdue";
const PAYMENT: &str = "id amount unallocatedAmount status reversed reference \
    allocations { amount kind installment { seq } }";

/// A team (manager, rep), two finance users and the bootstrap admin.
pub struct Books {
    pub rep: TestUser,
    pub manager_token: String,
    pub finance: TestUser,
    pub finance2: TestUser,
}

pub async fn books(app: &TestApp) -> Books {
    books_of_team(app, "Billing").await.0
}

/// [`books`] for a team of this name, with the team's id.
async fn books_of_team(app: &TestApp, team_name: &str) -> (Books, String) {
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team(team_name, Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let finance2 = app.a_user().role("FINANCE").create().await;
    let manager_token = app.token_for(&manager).await;
    let books = Books {
        rep,
        manager_token,
        finance,
        finance2,
    };
    (books, team)
}

pub async fn customer(app: &TestApp, books: &Books, name: &str) -> String {
    crate::customers::a_customer(app, &books.rep.token, name).await
}

/// A contract of `amount` for `customer`, approved through every step its amount needs.
pub async fn approved(app: &TestApp, books: &Books, customer: &str, amount: &str) -> String {
    let created = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } } }",
            json!({"input": {"customerId": customer, "title": "Supply", "amount": amount}}),
        )
        .await;
    let id = created["data"]["createContract"]["contract"]["id"].clone();
    let submitted = app
        .gql(
            Some(&books.rep.token),
            "mutation($id: ID!) { submitContract(input: {id: $id}) { request { id steps { role } } } }",
            json!({"id": id}),
        )
        .await;
    let request = &submitted["data"]["submitContract"]["request"];
    for step in request["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{submitted}"))
    {
        let token = match step["role"].as_str().unwrap() {
            "SALES_MANAGER" => books.manager_token.clone(),
            "FINANCE" => books.finance.token.clone(),
            _ => app.admin_token.clone(),
        };
        let body = app
            .gql(
                Some(&token),
                "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { status } } }",
                json!({"r": request["id"]}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    id.as_str().unwrap().to_owned()
}

pub async fn set_plan(app: &TestApp, token: &str, contract: &str, installments: Value) -> Value {
    let query = format!(
        "mutation($input: SetCollectionPlanInput!) {{ setCollectionPlan(input: $input) {{ installments {{ {INSTALLMENT} }} }} }}"
    );
    app.gql(
        Some(token),
        &query,
        json!({"input": {"contractId": contract, "installments": installments}}),
    )
    .await
}

pub fn installments(body: &Value) -> Vec<Value> {
    body["data"]["setCollectionPlan"]["installments"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

pub async fn pay(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: RecordPaymentInput!) {{ recordPayment(input: $input) {{ payment {{ {PAYMENT} }} }} }}"
    );
    let mut full = json!({"receivedDate": "2026-11-25", "method": "BANK_TRANSFER",
        "reference": format!("TX-{}", uuid::Uuid::now_v7().simple())});
    full.as_object_mut()
        .unwrap()
        .extend(input.as_object().unwrap().clone());
    app.gql(Some(token), &query, json!({ "input": full })).await
}

pub fn payment_of(body: &Value) -> Value {
    let payment = body["data"]["recordPayment"]["payment"].clone();
    assert!(payment.is_object(), "{body}");
    payment
}

pub async fn plan_of(app: &TestApp, token: &str, contract: &str) -> Vec<Value> {
    let query =
        format!("query($id: ID!) {{ contract(id: $id) {{ collectionPlan {{ {INSTALLMENT} }} }} }}");
    let body = app.gql(Some(token), &query, json!({"id": contract})).await;
    body["data"]["contract"]["collectionPlan"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

/// Asserts that `verifyLedger` finds nothing wrong.
pub async fn ledger_holds(app: &TestApp) {
    let body = app
        .admin(
            "{ verifyLedger { ok problems installmentsChecked paymentsChecked } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["verifyLedger"]["ok"], true, "{body}");
}

/// A `Decimal` string of a response, exactly.
fn decimal(value: &Value) -> Decimal {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal: {value}"))
}

fn field<'a>(items: &'a [Value], name: &str) -> Vec<&'a str> {
    items.iter().map(|i| i[name].as_str().unwrap()).collect()
}

#[tokio::test]
async fn plans_by_percentage_split_awkward_totals_exactly_and_bad_plans_are_refused() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Plan Co").await;
    let hundred = approved(&app, &books, &customer, "100.00").await;
    let nickel = approved(&app, &books, &customer, "0.05").await;
    let thirds = json!([
        {"dueDate": "2026-12-01", "percent": "33.33"},
        {"dueDate": "2027-01-01", "percent": "33.33"},
        {"dueDate": "2027-02-01", "percent": "33.34"},
    ]);

    let by_rep = set_plan(&app, &books.rep.token, &hundred, thirds.clone()).await;
    let by_finance = set_plan(&app, &books.finance.token, &hundred, thirds).await;
    let halves = set_plan(
        &app,
        &books.finance.token,
        &nickel,
        json!([{"dueDate": "2026-12-01", "percent": "50"}, {"dueDate": "2026-12-15", "percent": "50"}]),
    )
    .await;
    let draft = crate::contracts::a_contract(&app, &books.rep, "10").await;
    let refused = [
        (
            json!([{"dueDate": "2026-12-01", "percent": "50"}, {"dueDate": "2027-01-01", "amount": "50"}]),
            "BAD_USER_INPUT",
            Some("input.installments"),
        ),
        (
            json!([{"dueDate": "2026-12-01", "percent": "50"}, {"dueDate": "2027-01-01", "percent": "49.99"}]),
            "BAD_USER_INPUT",
            Some("input.installments"),
        ),
        (
            json!([{"dueDate": "2026-12-01", "amount": "99.99"}]),
            "BAD_USER_INPUT",
            Some("input.installments"),
        ),
        (
            json!([{"dueDate": "2026-12-01", "amount": "100.001"}]),
            "BAD_USER_INPUT",
            Some("input.installments.0.amount"),
        ),
        (
            json!([{"dueDate": "2026-12-01"}]),
            "BAD_USER_INPUT",
            Some("input.installments.0"),
        ),
        (
            json!([{"dueDate": "2027-01-01", "amount": "50"}, {"dueDate": "2026-12-01", "amount": "50"}]),
            "BAD_USER_INPUT",
            Some("input.installments.1.dueDate"),
        ),
    ];
    let on_draft = set_plan(
        &app,
        &books.finance.token,
        draft["id"].as_str().unwrap(),
        json!([{"dueDate": "2026-12-01", "amount": "10"}]),
    )
    .await;
    let by_manager = set_plan(
        &app,
        &books.manager_token,
        &hundred,
        json!([{"dueDate": "2026-12-01", "amount": "100"}]),
    )
    .await;

    assert_eq!(
        field(&installments(&by_rep), "amount"),
        vec!["33.33", "33.33", "33.34"],
        "the owner proposes"
    );
    let plan = installments(&by_finance);
    assert_eq!(field(&plan, "amount"), vec!["33.33", "33.33", "33.34"]);
    assert_eq!(field(&plan, "outstanding"), vec!["33.33", "33.33", "33.34"]);
    assert_eq!(field(&plan, "status"), vec!["OPEN", "OPEN", "OPEN"]);
    assert_eq!(plan[0]["seq"], 1);
    assert_eq!(
        field(&installments(&halves), "amount"),
        vec!["0.03", "0.02"],
        "half-up, remainder last"
    );
    for (lines, code, field) in refused {
        let body = set_plan(&app, &books.finance.token, &hundred, lines.clone()).await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some(code), field),
            "{lines}: {body}"
        );
    }
    assert_eq!(error_code(&on_draft), Some("INVALID_STATE"));
    assert_eq!(
        error_code(&by_manager),
        Some("FORBIDDEN"),
        "only finance, admins and the owner"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn money_round_trips_exactly_from_a_cent_to_a_trillion() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Huge Co").await;
    let contract = approved(&app, &books, &customer, "999999999999.99").await;
    set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2026-12-31", "amount": "999999999999.99"}]),
    )
    .await;

    let cent = payment_of(
        &pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "contractId": contract, "amount": "0.01"}),
        )
        .await,
    );
    let rest = payment_of(
        &pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "contractId": contract, "amount": "999999999999.98"}),
        )
        .await,
    );
    let as_number = pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": 12.5}),
    )
    .await;
    let too_precise = pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "1.005"}),
    )
    .await;
    let zero = pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "0"}),
    )
    .await;
    let future = pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "1", "receivedDate": "2026-11-26"}),
    )
    .await;
    let plan = plan_of(&app, &books.finance.token, &contract).await;

    assert_eq!(cent["amount"], "0.01");
    assert_eq!(cent["allocations"][0]["amount"], "0.01");
    assert_eq!(rest["amount"], "999999999999.98");
    assert_eq!(rest["unallocatedAmount"], "0.00");
    assert_eq!(plan[0]["paidAmount"], "999999999999.99");
    assert_eq!(plan[0]["outstanding"], "0.00");
    assert_eq!(plan[0]["status"], "PAID");
    assert!(
        as_number["data"].is_null() && as_number["errors"].is_array(),
        "{as_number}"
    );
    assert_eq!(
        (error_code(&too_precise), error_field(&too_precise)),
        (Some("BAD_USER_INPUT"), Some("input.amount"))
    );
    assert_eq!(error_code(&zero), Some("BAD_USER_INPUT"));
    assert_eq!(
        (error_code(&future), error_field(&future)),
        (Some("BAD_USER_INPUT"), Some("input.receivedDate"))
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn money_with_more_than_two_written_fraction_digits_or_inexact_digits_is_refused_on_its_field()
 {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Strict Co").await;
    let contract = approved(&app, &books, &customer, "100").await;
    let plan = installments(
        &set_plan(
            &app,
            &books.finance.token,
            &contract,
            json!([{"dueDate": "2026-12-01", "amount": "100.00"}]),
        )
        .await,
    );
    let over_long = "1.00000000000000000000000000001";
    let issue =
        "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }";
    let waive =
        "mutation($input: RequestWaiverInput!) { requestWaiver(input: $input) { waiver { id } } }";

    let mut refused = Vec::new();
    for amount in [
        "1.000",
        over_long,
        "12,50",
        "99999999999999999999999999999999",
    ] {
        let payment = pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "amount": amount}),
        )
        .await;
        let line = set_plan(
            &app,
            &books.finance.token,
            &contract,
            json!([{"dueDate": "2026-12-01", "amount": amount}]),
        )
        .await;
        let invoice = app
            .gql(
                Some(&books.finance.token),
                issue,
                json!({"input": {"contractId": contract,
                "installmentId": plan[0]["id"], "amount": amount, "issueDate": "2026-11-25",
                "dueDate": "2026-12-01", "taxRate": "0.13"}}),
            )
            .await;
        let waiver = app
            .gql(
                Some(&books.finance.token),
                waive,
                json!({"input": {"installmentId": plan[0]["id"],
                "amount": amount, "reason": "Strict"}}),
            )
            .await;
        refused.push((amount, payment, "input.amount"));
        refused.push((amount, line, "input.installments.0.amount"));
        refused.push((amount, invoice, "input.amount"));
        refused.push((amount, waiver, "input.amount"));
    }
    let inexact_percent = set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2026-12-01", "percent": "100.0000000000000000000000000001"}]),
    )
    .await;
    let whole = payment_of(
        &pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "amount": "100.00"}),
        )
        .await,
    );

    for (amount, body, field) in &refused {
        assert_eq!(
            (error_code(body), error_field(body)),
            (Some("BAD_USER_INPUT"), Some(*field)),
            "{amount}: {body}"
        );
    }
    assert_eq!(error_code(&inexact_percent), Some("BAD_USER_INPUT"));
    assert_eq!(whole["amount"], "100.00", "two written digits are fine");
    ledger_holds(&app).await;
}

#[tokio::test]
async fn payments_fill_the_oldest_installments_first_and_the_surplus_is_credit_the_next_plan_consumes()
 {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Credit Co").await;
    let first = approved(&app, &books, &customer, "1000").await;
    set_plan(
        &app,
        &books.finance.token,
        &first,
        json!([
            {"dueDate": "2026-12-01", "amount": "300"}, {"dueDate": "2027-01-01", "amount": "700"},
        ]),
    )
    .await;

    let one = payment_of(
        &pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "contractId": first, "amount": "500"}),
        )
        .await,
    );
    let two = payment_of(
        &pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "amount": "800"}),
        )
        .await,
    );
    let receivable =
        "query($id: ID!) { customer(id: $id) { receivable { outstanding overdue credit } } }";
    let holding = app
        .gql(
            Some(&books.finance.token),
            receivable,
            json!({"id": customer}),
        )
        .await;
    let second = approved(&app, &books, &customer, "400").await;
    let consumed = installments(&set_plan(&app, &books.finance.token, &second, json!([
        {"dueDate": "2027-02-01", "amount": "100"}, {"dueDate": "2027-03-01", "amount": "300"},
    ])).await);
    let after = app
        .gql(
            Some(&books.finance.token),
            receivable,
            json!({"id": customer}),
        )
        .await;
    let credit_list = app
        .gql(Some(&books.finance.token), "query($c: ID!) { payments(filter: {customerId: $c, withCreditOnly: true}) { totalCount } }", json!({"c": customer}))
        .await;

    assert_eq!(
        one["allocations"],
        json!([{"amount": "300.00", "kind": "ALLOCATION", "installment": {"seq": 1}},
               {"amount": "200.00", "kind": "ALLOCATION", "installment": {"seq": 2}}])
    );
    assert_eq!(
        two["allocations"],
        json!([{"amount": "500.00", "kind": "ALLOCATION", "installment": {"seq": 2}}])
    );
    assert_eq!(
        two["unallocatedAmount"], "300.00",
        "the surplus stays as credit"
    );
    assert_eq!(
        holding["data"]["customer"]["receivable"],
        json!({"outstanding": "0.00", "overdue": "0.00", "credit": "300.00"})
    );
    assert_eq!(
        field(&consumed, "paidAmount"),
        vec!["100.00", "200.00"],
        "the new plan consumed the credit"
    );
    assert_eq!(field(&consumed, "status"), vec!["PAID", "PARTIALLY_PAID"]);
    assert_eq!(
        after["data"]["customer"]["receivable"],
        json!({"outstanding": "100.00", "overdue": "0.00", "credit": "0.00"})
    );
    assert_eq!(credit_list["data"]["payments"]["totalCount"], 0);
    ledger_holds(&app).await;
}

#[tokio::test]
async fn the_same_bank_reference_twice_is_one_payment() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Ref Co").await;
    let other = customer_of_other(&app, &books).await;
    let input = json!({"customerId": customer, "amount": "10", "reference": "BANK 123-45"});

    let first =
        payment_of(&pay(&app, &books.finance.token, with_key(input.clone(), "pay-1")).await);
    let retried =
        payment_of(&pay(&app, &books.finance.token, with_key(input.clone(), "pay-1")).await);
    let again = pay(&app, &books.finance.token, input.clone()).await;
    let respaced = pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "amount": "10", "reference": "bank 12345"}),
    )
    .await;
    let elsewhere = pay(
        &app,
        &books.finance.token,
        json!({"customerId": other, "amount": "10", "reference": "BANK 123-45"}),
    )
    .await;
    let count = app
        .gql(
            Some(&books.finance.token),
            "query($c: ID!) { payments(filter: {customerId: $c}) { totalCount } }",
            json!({"c": customer}),
        )
        .await;

    assert_eq!(retried["id"], first["id"], "a retry with the key replays");
    assert_eq!(
        (error_code(&again), error_field(&again)),
        (Some("DUPLICATE"), Some("input.reference"))
    );
    assert_eq!(again["errors"][0]["extensions"]["existingId"], first["id"]);
    assert_eq!(
        error_code(&respaced),
        Some("DUPLICATE"),
        "case, spacing and punctuation do not make a new transaction"
    );
    assert!(
        elsewhere["errors"].is_null(),
        "another customer may use the same reference"
    );
    assert_eq!(count["data"]["payments"]["totalCount"], 1);
    ledger_holds(&app).await;
}

fn with_key(mut input: Value, key: &str) -> Value {
    input["idempotencyKey"] = json!(key);
    input
}

async fn customer_of_other(app: &TestApp, books: &Books) -> String {
    customer(app, books, "Other Ref Co").await
}

#[tokio::test]
async fn a_reversal_restores_every_balance_and_never_edits_the_past() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Bounce Co").await;
    let contract = approved(&app, &books, &customer, "1000").await;
    set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([
            {"dueDate": "2026-12-01", "amount": "400"}, {"dueDate": "2027-01-01", "amount": "600"},
        ]),
    )
    .await;
    let paid = payment_of(
        &pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "amount": "1100"}),
        )
        .await,
    );
    let reverse = format!(
        "mutation($input: ReversePaymentInput!) {{ reversePayment(input: $input) {{ payment {{ {PAYMENT} }} }} }}"
    );

    let by_rep = app
        .gql(
            Some(&books.rep.token),
            &reverse,
            json!({"input": {"id": paid["id"], "reason": "Bounced"}}),
        )
        .await;
    let reversed = app
        .gql(
            Some(&books.finance.token),
            &reverse,
            json!({"input": {"id": paid["id"], "reason": "Bounced"}}),
        )
        .await;
    let twice = app
        .gql(
            Some(&books.finance.token),
            &reverse,
            json!({"input": {"id": paid["id"], "reason": "Again"}}),
        )
        .await;
    let plan = plan_of(&app, &books.finance.token, &contract).await;

    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"));
    let reversed = &reversed["data"]["reversePayment"]["payment"];
    assert_eq!(
        (reversed["status"].as_str(), reversed["reversed"].as_bool()),
        (Some("REVERSED"), Some(true))
    );
    assert_eq!(reversed["unallocatedAmount"], "0.00");
    assert_eq!(
        reversed["allocations"],
        json!([
            {"amount": "400.00", "kind": "ALLOCATION", "installment": {"seq": 1}},
            {"amount": "600.00", "kind": "ALLOCATION", "installment": {"seq": 2}},
            {"amount": "-400.00", "kind": "REVERSAL", "installment": {"seq": 1}},
            {"amount": "-600.00", "kind": "REVERSAL", "installment": {"seq": 2}},
        ])
    );
    assert_eq!(error_code(&twice), Some("INVALID_STATE"));
    assert_eq!(field(&plan, "outstanding"), vec!["400.00", "600.00"]);
    assert_eq!(field(&plan, "status"), vec!["OPEN", "OPEN"]);
    ledger_holds(&app).await;
}

#[tokio::test]
async fn two_concurrent_payments_that_exceed_what_is_owed_leave_the_surplus_as_credit() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Race Co").await;
    let contract = approved(&app, &books, &customer, "1000").await;
    let today = chrono::Utc::now().date_naive();
    set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": today + Duration::days(30), "amount": "1000"}]),
    )
    .await;
    let received = (today - Duration::days(1)).to_string();

    let (a, b) = tokio::join!(
        pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "amount": "700", "receivedDate": received})
        ),
        pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "amount": "600", "receivedDate": received})
        ),
    );
    let credit: Decimal = [payment_of(&a), payment_of(&b)]
        .iter()
        .map(|p| decimal(&p["unallocatedAmount"]))
        .sum();
    let plan = plan_of(&app, &books.finance.token, &contract).await;

    assert_eq!(plan[0]["paidAmount"], "1000.00");
    assert_eq!(credit, Decimal::new(300, 0), "700 + 600 − 1000");
    ledger_holds(&app).await;
}

#[tokio::test]
async fn a_payment_racing_a_cancellation_never_lands_on_a_cancelled_contract() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Cancel Race Co").await;
    let today = chrono::Utc::now().date_naive();
    let cancel = "mutation($id: ID!, $v: Int!) { cancelContract(input: {id: $id, reason: \"Lost\", expectedVersion: $v}) { contract { status } } }";

    for round in 0..4 {
        let contract = approved(&app, &books, &customer, "100").await;
        set_plan(
            &app,
            &books.finance.token,
            &contract,
            json!([{"dueDate": today + Duration::days(30), "amount": "100"}]),
        )
        .await;
        let version = app
            .gql(
                Some(&books.rep.token),
                "query($id: ID!) { contract(id: $id) { version } }",
                json!({"id": contract}),
            )
            .await["data"]["contract"]["version"]
            .clone();
        let (cancelled, paid) = tokio::join!(
            app.gql(
                Some(&books.rep.token),
                cancel,
                json!({"id": contract, "v": version})
            ),
            pay(
                &app,
                &books.finance.token,
                json!({"customerId": customer, "contractId": contract, "amount": "40",
                    "receivedDate": today.to_string()})
            ),
        );
        let plan = plan_of(&app, &books.finance.token, &contract).await;

        let won_cancel = cancelled["errors"].is_null();
        let won_payment = paid["errors"].is_null();
        assert!(
            won_cancel != won_payment,
            "round {round}: {cancelled} {paid}"
        );
        if won_cancel {
            assert_eq!(error_code(&paid), Some("INVALID_STATE"), "round {round}");
            assert_eq!(plan[0]["paidAmount"], "0.00", "round {round}");
        } else {
            assert_eq!(
                error_code(&cancelled),
                Some("INVALID_STATE"),
                "round {round}"
            );
            assert_eq!(plan[0]["paidAmount"], "40.00", "round {round}");
        }
    }
    ledger_holds(&app).await;
}

#[tokio::test]
async fn invoices_never_exceed_the_uninvoiced_amount_and_voiding_gives_it_back() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Invoice Co").await;
    let contract = approved(&app, &books, &customer, "1000").await;
    let plan = installments(&set_plan(&app, &books.finance.token, &contract, json!([
        {"dueDate": "2026-12-01", "amount": "300"}, {"dueDate": "2027-01-01", "amount": "700"},
    ])).await);
    let issue = "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id number amount taxRate taxAmount netAmount status installment { invoicedAmount } } } }";
    let input = |amount: &str, rate: &str| {
        json!({"input": {"contractId": contract, "installmentId": plan[0]["id"],
        "amount": amount, "issueDate": "2026-11-25", "dueDate": "2026-12-01", "taxRate": rate}})
    };

    let first = app
        .gql(Some(&books.finance.token), issue, input("300", "0.13"))
        .await;
    let over = app
        .gql(Some(&books.finance.token), issue, input("0.01", "0.13"))
        .await;
    let by_rep = app
        .gql(Some(&books.rep.token), issue, input("1", "0.13"))
        .await;
    let bad_rate = app
        .gql(Some(&books.finance.token), issue, input("1", "1.5"))
        .await;
    let invoice = first["data"]["issueInvoice"]["invoice"].clone();
    let void = app
        .gql(Some(&books.finance.token), "mutation($input: VoidInvoiceInput!) { voidInvoice(input: $input) { invoice { status voidReason installment { invoicedAmount } } } }",
            json!({"input": {"id": invoice["id"], "reason": "Wrong address"}}))
        .await;
    let second = app
        .gql(Some(&books.finance.token), issue, input("100", "0.06"))
        .await;
    let listed = app
        .gql(
            Some(&books.rep.token),
            "query($c: ID!) { customer(id: $c) { invoices { number status } } }",
            json!({"c": customer}),
        )
        .await;

    let year = "2026";
    assert_eq!(invoice["number"], format!("INV-{year}-000001"));
    assert_eq!(
        (
            invoice["taxRate"].as_str(),
            invoice["taxAmount"].as_str(),
            invoice["netAmount"].as_str()
        ),
        (Some("0.13"), Some("34.51"), Some("265.49"))
    );
    assert_eq!(invoice["installment"]["invoicedAmount"], "300.00");
    assert_eq!(
        (error_code(&over), error_field(&over)),
        (Some("BAD_USER_INPUT"), Some("input.amount"))
    );
    assert_eq!(error_code(&by_rep), Some("FORBIDDEN"));
    assert_eq!(
        (error_code(&bad_rate), error_field(&bad_rate)),
        (Some("BAD_USER_INPUT"), Some("input.taxRate"))
    );
    assert_eq!(
        void["data"]["voidInvoice"]["invoice"],
        json!({"status": "VOID", "voidReason": "Wrong address", "installment": {"invoicedAmount": "0.00"}})
    );
    assert_eq!(
        second["data"]["issueInvoice"]["invoice"]["number"],
        format!("INV-{year}-000002")
    );
    assert_eq!(
        listed["data"]["customer"]["invoices"],
        json!([{"number": "INV-2026-000002", "status": "ISSUED"}, {"number": "INV-2026-000001", "status": "VOID"}]),
        "the owner reads them"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn aging_puts_each_boundary_day_in_its_bucket() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Aging Co").await;
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    // Days late, with an amount of its own so every bucket's sum shows which days it holds.
    let days = [91_i64, 90, 61, 60, 31, 30, 1, 0];
    let amounts = [1_i64, 2, 4, 8, 16, 32, 64, 128];
    let total: i64 = amounts.iter().sum();
    let contract = approved(&app, &books, &customer, &format!("{total}")).await;
    let lines: Vec<Value> = days
        .iter()
        .zip(amounts)
        .map(|(d, a)| json!({"dueDate": as_of - Duration::days(*d), "amount": a.to_string()}))
        .collect();
    set_plan(&app, &books.finance.token, &contract, json!(lines)).await;
    let aging = "query($g: AgingGroupBy!, $d: Date) { receivablesAging(input: {asOf: $d, groupBy: $g}) { asOf rows { key label buckets { current d1To30 d31To60 d61To90 over90 total } } totals { current d1To30 d31To60 d61To90 over90 total } } }";

    let by_customer = app
        .gql(
            Some(&books.finance.token),
            aging,
            json!({"g": "CUSTOMER", "d": as_of}),
        )
        .await;
    let by_owner = app
        .gql(
            Some(&books.finance.token),
            aging,
            json!({"g": "OWNER", "d": as_of}),
        )
        .await;
    let by_region = app
        .gql(
            Some(&books.finance.token),
            aging,
            json!({"g": "REGION", "d": as_of}),
        )
        .await;
    let by_team = app
        .gql(
            Some(&books.manager_token),
            aging,
            json!({"g": "TEAM", "d": as_of}),
        )
        .await;
    let overdue = app
        .gql(Some(&books.finance.token), "query($d: Date) { receivables(filter: {overdueOnly: true, asOf: $d}) { totalCount totals { installments amount outstanding overdue } nodes { daysOverdue } } }", json!({"d": as_of}))
        .await;
    let all_as_of = app
        .gql(
            Some(&books.finance.token),
            "query($d: Date) { receivables(filter: {asOf: $d}) { nodes { overdue daysOverdue } } }",
            json!({"d": as_of}),
        )
        .await;
    let plan_today = plan_of(&app, &books.finance.token, &contract).await;

    let expected = json!({"current": "128.00", "d1To30": "96.00", "d31To60": "24.00", "d61To90": "6.00", "over90": "1.00", "total": "255.00"});
    let report = &by_customer["data"]["receivablesAging"];
    assert_eq!(report["rows"][0]["buckets"], expected, "{by_customer}");
    assert_eq!(report["rows"][0]["key"], customer.as_str());
    assert_eq!(report["rows"][0]["label"], "Aging Co");
    assert_eq!(report["totals"], expected);
    assert_eq!(
        by_owner["data"]["receivablesAging"]["rows"][0]["key"],
        books.rep.id.as_str()
    );
    assert_eq!(
        by_region["data"]["receivablesAging"]["rows"][0]["key"],
        Value::Null,
        "no region"
    );
    assert_eq!(
        by_team["data"]["receivablesAging"]["totals"], expected,
        "the manager sees the team's"
    );
    assert_eq!(
        overdue["data"]["receivables"]["totalCount"], 7,
        "every day but the due date itself"
    );
    assert_eq!(
        overdue["data"]["receivables"]["totals"]["overdue"],
        "127.00"
    );
    let rows = all_as_of["data"]["receivables"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{all_as_of}"));
    let late: Vec<i64> = rows
        .iter()
        .filter_map(|r| r["daysOverdue"].as_i64())
        .collect();
    assert_eq!(late, days, "rows count to asOf, like the totals");
    let flags: Vec<bool> = rows.iter().filter_map(|r| r["overdue"].as_bool()).collect();
    assert_eq!(flags, days.iter().map(|d| *d > 0).collect::<Vec<_>>());
    let late_today: Vec<i64> = plan_today
        .iter()
        .filter_map(|i| i["daysOverdue"].as_i64())
        .collect();
    assert_eq!(
        late_today,
        vec![55, 54, 25, 24, 0, 0, 0, 0],
        "a plan counts to today (2026-11-25)"
    );
    let flags_today: Vec<bool> = plan_today
        .iter()
        .filter_map(|i| i["overdue"].as_bool())
        .collect();
    assert_eq!(
        flags_today,
        [true, true, true, true, false, false, false, false]
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn receivables_follow_visibility_and_only_finance_writes() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let outsider = app.a_user().create().await;
    let customer = customer(&app, &books, "Visible Co").await;
    let contract = approved(&app, &books, &customer, "500").await;
    let plan = installments(
        &set_plan(
            &app,
            &books.finance.token,
            &contract,
            json!([{"dueDate": "2026-11-20", "amount": "500"}]),
        )
        .await,
    );
    let list = "{ receivables { totalCount totals { outstanding overdue } } }";
    let queue = "{ receivablesAging(input: {groupBy: CUSTOMER}) { totals { total } } collectionForecast(input: {from: \"2026-11-01\", to: \"2026-12-31\"}) { total months { month expectedAmount installments } } }";

    for (token, count) in [
        (&books.rep.token, 1),
        (&books.manager_token, 1),
        (&books.finance.token, 1),
        (&app.admin_token, 1),
        (&outsider.token, 0),
    ] {
        let body = app.gql(Some(token), list, json!({})).await;
        assert_eq!(body["data"]["receivables"]["totalCount"], count, "{body}");
    }
    let rep_view = app.gql(Some(&books.rep.token), list, json!({})).await;
    let outsider_reports = app.gql(Some(&outsider.token), queue, json!({})).await;
    let finance_reports = app.gql(Some(&books.finance.token), queue, json!({})).await;
    let by_outsider = pay(
        &app,
        &outsider.token,
        json!({"customerId": customer, "amount": "1"}),
    )
    .await;
    let by_manager = pay(
        &app,
        &books.manager_token,
        json!({"customerId": customer, "amount": "1"}),
    )
    .await;
    let waiver_by_rep = app
        .gql(Some(&books.rep.token), "mutation($i: ID!) { requestWaiver(input: {installmentId: $i, amount: \"1\", reason: \"Goodwill\"}) { waiver { id } } }", json!({"i": plan[0]["id"]}))
        .await;
    let ledger_by_finance = app
        .gql(
            Some(&books.finance.token),
            "{ verifyLedger { ok } }",
            json!({}),
        )
        .await;

    assert_eq!(
        rep_view["data"]["receivables"]["totals"],
        json!({"outstanding": "500.00", "overdue": "500.00"})
    );
    assert_eq!(
        outsider_reports["data"]["receivablesAging"]["totals"]["total"],
        "0.00"
    );
    assert_eq!(
        outsider_reports["data"]["collectionForecast"]["total"],
        "0.00"
    );
    assert_eq!(
        finance_reports["data"]["collectionForecast"]["months"],
        json!([{"month": "2026-11", "expectedAmount": "500.00", "installments": 1}])
    );
    assert_eq!(error_code(&by_outsider), Some("FORBIDDEN"));
    assert_eq!(error_code(&by_manager), Some("FORBIDDEN"));
    assert_eq!(error_code(&waiver_by_rep), Some("FORBIDDEN"));
    assert_eq!(
        error_code(&ledger_by_finance),
        Some("FORBIDDEN"),
        "verifyLedger is for admins"
    );
    ledger_holds(&app).await;
}

/// Two teams' books: East (a rep with an East customer and one without a region) and North (a
/// rep with a West customer); each contract approved with its plan set by finance.
struct Territories {
    east: Books,
    east_team: String,
    north: Books,
    north_team: String,
    east_customer: String,
    plain_customer: String,
    west_customer: String,
    /// The East customer's contract (due 2026-11-01 and 2026-12-01), the plain customer's
    /// (2027-01-01), the West customer's (2026-12-15).
    contracts: [String; 3],
}

async fn customer_in(app: &TestApp, books: &Books, name: &str, region: Option<&str>) -> String {
    let body = app
        .gql(
            Some(&books.rep.token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": name, "region": region}}),
        )
        .await;
    body["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn territories(app: &TestApp) -> Territories {
    let (east, east_team) = books_of_team(app, "East").await;
    let (north, north_team) = books_of_team(app, "North").await;
    let east_customer = customer_in(app, &east, "East Co", Some("East")).await;
    let plain_customer = customer_in(app, &east, "Plain Co", None).await;
    let west_customer = customer_in(app, &north, "West Co", Some("West")).await;
    let mut contracts = Vec::new();
    for (books, customer, amount, lines) in [
        (
            &east,
            &east_customer,
            "200",
            json!([{"dueDate": "2026-11-01", "amount": "100"}, {"dueDate": "2026-12-01", "amount": "100"}]),
        ),
        (
            &east,
            &plain_customer,
            "100",
            json!([{"dueDate": "2027-01-01", "amount": "100"}]),
        ),
        (
            &north,
            &west_customer,
            "100",
            json!([{"dueDate": "2026-12-15", "amount": "100"}]),
        ),
    ] {
        let contract = approved(app, books, customer, amount).await;
        installments(&set_plan(app, &books.finance.token, &contract, lines).await);
        contracts.push(contract);
    }
    Territories {
        east,
        east_team,
        north,
        north_team,
        east_customer,
        plain_customer,
        west_customer,
        contracts: contracts
            .try_into()
            .unwrap_or_else(|_| panic!("three contracts")),
    }
}

#[tokio::test]
async fn receivables_filter_by_customer_owner_team_region_and_due_dates() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let land = territories(&app).await;
    let due_dates = |filter: Value| {
        let app = &app;
        let token = land.east.finance.token.clone();
        async move {
            let body = app
                .gql(Some(&token), "query($f: ReceivableFilter) { receivables(filter: $f) { totalCount nodes { dueDate } } }", json!({"f": filter}))
                .await;
            let mut dates: Vec<String> = body["data"]["receivables"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{filter}: {body}"))
                .iter()
                .filter_map(|n| n["dueDate"].as_str().map(str::to_owned))
                .collect();
            dates.sort();
            dates
        }
    };

    let cases = [
        (
            json!({"customerId": land.east_customer}),
            vec!["2026-11-01", "2026-12-01"],
        ),
        (
            json!({"customerId": land.plain_customer}),
            vec!["2027-01-01"],
        ),
        (
            json!({"customerId": land.west_customer}),
            vec!["2026-12-15"],
        ),
        (json!({"ownerId": land.north.rep.id}), vec!["2026-12-15"]),
        (
            json!({"ownerId": land.east.rep.id}),
            vec!["2026-11-01", "2026-12-01", "2027-01-01"],
        ),
        (
            json!({"teamId": land.east_team}),
            vec!["2026-11-01", "2026-12-01", "2027-01-01"],
        ),
        (json!({"teamId": land.north_team}), vec!["2026-12-15"]),
        (json!({"region": "East"}), vec!["2026-11-01", "2026-12-01"]),
        (json!({"region": "West"}), vec!["2026-12-15"]),
        (
            json!({"dueFrom": "2026-12-01"}),
            vec!["2026-12-01", "2026-12-15", "2027-01-01"],
        ),
        (
            json!({"dueTo": "2026-12-01"}),
            vec!["2026-11-01", "2026-12-01"],
        ),
        (
            json!({"dueFrom": "2026-12-02", "dueTo": "2026-12-31"}),
            vec!["2026-12-15"],
        ),
        (
            json!({"region": "East", "dueFrom": "2026-11-02"}),
            vec!["2026-12-01"],
        ),
    ];

    for (filter, expected) in cases {
        assert_eq!(due_dates(filter.clone()).await, expected, "{filter}");
    }
    let by_north_rep = app
        .gql(
            Some(&land.north.rep.token),
            "query($c: ID!) { receivables(filter: {customerId: $c}) { totalCount } }",
            json!({"c": land.east_customer}),
        )
        .await;
    assert_eq!(
        by_north_rep["data"]["receivables"]["totalCount"], 0,
        "filters never widen visibility"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn invoices_list_by_customer_contract_status_and_issue_date_and_under_their_contract() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let land = territories(&app).await;
    let finance = land.east.finance.token.clone();
    let [east_contract, plain_contract, _] = &land.contracts;
    let east_plan = plan_of(&app, &finance, east_contract).await;
    let plain_plan = plan_of(&app, &finance, plain_contract).await;
    let issue =
        "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }";
    let mut ids = Vec::new();
    for (contract, item, amount, day) in [
        (east_contract, &east_plan[0], "100", "2026-11-20"),
        (east_contract, &east_plan[1], "60", "2026-11-25"),
        (plain_contract, &plain_plan[0], "40", "2026-11-25"),
    ] {
        let body = app
            .gql(
                Some(&finance),
                issue,
                json!({"input": {"contractId": contract, "installmentId": item["id"],
                "amount": amount, "issueDate": day, "dueDate": "2026-12-31", "taxRate": "0.13"}}),
            )
            .await;
        ids.push(body["data"]["issueInvoice"]["invoice"]["id"].clone());
    }
    app.gql(Some(&finance), "mutation($id: ID!) { voidInvoice(input: {id: $id, reason: \"Wrong\"}) { invoice { id } } }", json!({"id": ids[1]}))
        .await;
    let numbers = |token: String, filter: Value| {
        let app = &app;
        async move {
            let body = app
                .gql(Some(&token), "query($f: InvoiceFilter) { invoices(filter: $f) { totalCount nodes { number } } }", json!({"f": filter}))
                .await;
            body["data"]["invoices"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{filter}: {body}"))
                .iter()
                .filter_map(|n| n["number"].as_str())
                .map(|n| n.trim_start_matches("INV-2026-").to_owned())
                .collect::<Vec<_>>()
        }
    };

    let cases = [
        (json!({}), vec!["000003", "000002", "000001"]),
        (
            json!({"contractId": east_contract}),
            vec!["000002", "000001"],
        ),
        (json!({"customerId": land.plain_customer}), vec!["000003"]),
        (json!({"status": "VOID"}), vec!["000002"]),
        (json!({"status": "ISSUED"}), vec!["000003", "000001"]),
        (
            json!({"issuedFrom": "2026-11-21"}),
            vec!["000003", "000002"],
        ),
        (json!({"issuedTo": "2026-11-20"}), vec!["000001"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            numbers(finance.clone(), filter.clone()).await,
            expected,
            "{filter}"
        );
    }
    assert_eq!(
        numbers(land.east.rep.token.clone(), json!({})).await,
        vec!["000003", "000002", "000001"],
        "the owner reads their customers' invoices"
    );
    assert!(
        numbers(land.north.rep.token.clone(), json!({}))
            .await
            .is_empty(),
        "another team's rep reads none"
    );
    let under_contract = app
        .gql(Some(&land.east.rep.token), "query($id: ID!) { contract(id: $id) { invoices { number amount status installment { seq } } } }", json!({"id": east_contract}))
        .await;
    assert_eq!(
        under_contract["data"]["contract"]["invoices"],
        json!([
            {"number": "INV-2026-000002", "amount": "60.00", "status": "VOID", "installment": {"seq": 2}},
            {"number": "INV-2026-000001", "amount": "100.00", "status": "ISSUED", "installment": {"seq": 1}},
        ])
    );
    ledger_holds(&app).await;
}

/// What the role matrix writes on: a contract collecting money (with an invoice to void and a
/// payment to reverse for each of finance and the admin) and one without a plan yet.
struct Matrix {
    customer: String,
    collecting: String,
    unplanned: String,
    installment: Value,
    invoices: Vec<Value>,
    payments: Vec<Value>,
}

async fn attempt(app: &TestApp, token: &str, operation: &str, on: &Matrix, turn: usize) -> Value {
    let input = |fields: Value| json!({ "input": fields });
    match operation {
        "setCollectionPlan" => {
            set_plan(app, token, &on.unplanned, json!([{"dueDate": "2026-12-01", "amount": "100"}])).await
        }
        "issueInvoice" => {
            app.gql(Some(token), "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }",
                input(json!({"contractId": on.collecting, "installmentId": on.installment, "amount": "10",
                    "issueDate": "2026-11-25", "dueDate": "2026-12-01", "taxRate": "0.13"})))
            .await
        }
        "voidInvoice" => {
            app.gql(Some(token), "mutation($input: VoidInvoiceInput!) { voidInvoice(input: $input) { invoice { id } } }",
                input(json!({"id": on.invoices[turn], "reason": "Matrix"})))
            .await
        }
        "recordPayment" => {
            pay(app, token, json!({"customerId": on.customer, "contractId": on.collecting, "amount": "10"})).await
        }
        "reversePayment" => {
            app.gql(Some(token), "mutation($input: ReversePaymentInput!) { reversePayment(input: $input) { payment { id } } }",
                input(json!({"id": on.payments[turn], "reason": "Matrix"})))
            .await
        }
        "requestWaiver" => {
            app.gql(Some(token), "mutation($input: RequestWaiverInput!) { requestWaiver(input: $input) { waiver { id } } }",
                input(json!({"installmentId": on.installment, "amount": "1", "reason": "Matrix"})))
            .await
        }
        other => panic!("no billing write {other}"),
    }
}

#[tokio::test]
async fn billing_writes_follow_the_role_matrix_and_reps_read_only_their_customers_payments() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let outsider = app.a_user().create().await;
    let customer = customer(&app, &books, "Matrix Co").await;
    let collecting = approved(&app, &books, &customer, "1000").await;
    let unplanned = approved(&app, &books, &customer, "100").await;
    let plan = installments(
        &set_plan(
            &app,
            &books.finance.token,
            &collecting,
            json!([{"dueDate": "2026-12-01", "amount": "1000"}]),
        )
        .await,
    );
    let mut on = Matrix {
        customer,
        collecting,
        unplanned,
        installment: plan[0]["id"].clone(),
        invoices: Vec::new(),
        payments: Vec::new(),
    };
    for _ in 0..2 {
        let invoice = attempt(&app, &books.finance.token, "issueInvoice", &on, 0).await;
        on.invoices
            .push(invoice["data"]["issueInvoice"]["invoice"]["id"].clone());
        let payment = attempt(&app, &books.finance.token, "recordPayment", &on, 0).await;
        on.payments.push(payment_of(&payment)["id"].clone());
    }
    // Who writes, and which of the prepared invoices and payments they use up.
    let roles = [
        ("owning rep", books.rep.token.clone(), 0),
        ("team manager", books.manager_token.clone(), 0),
        ("finance", books.finance.token.clone(), 0),
        ("admin", app.admin_token.clone(), 1),
        ("other rep", outsider.token.clone(), 0),
    ];
    let finance_only = [
        Some("FORBIDDEN"),
        Some("FORBIDDEN"),
        None,
        None,
        Some("FORBIDDEN"),
    ];
    let matrix = [
        (
            "setCollectionPlan",
            [None, Some("FORBIDDEN"), None, None, Some("NOT_FOUND")],
        ),
        ("issueInvoice", finance_only),
        ("voidInvoice", finance_only),
        ("recordPayment", finance_only),
        ("reversePayment", finance_only),
        ("requestWaiver", finance_only),
    ];

    for (operation, expected) in matrix {
        for ((role, token, turn), code) in roles.iter().zip(expected) {
            let body = attempt(&app, token, operation, &on, *turn).await;
            assert_eq!(error_code(&body), code, "{operation} by {role}: {body}");
            if code.is_none() {
                assert!(!body["data"].is_null(), "{operation} by {role}: {body}");
            }
        }
    }
    let count = "{ payments { totalCount } }";
    let under_contract = "query($id: ID!) { contract(id: $id) { payments { id } } }";
    let collecting = &on.collecting;
    let seen = |token: String| {
        let app = &app;
        async move {
            let listed = app.gql(Some(&token), count, json!({})).await;
            let nested = app
                .gql(Some(&token), under_contract, json!({"id": collecting}))
                .await;
            (
                listed["data"]["payments"]["totalCount"].as_u64(),
                nested["data"]["contract"]["payments"]
                    .as_array()
                    .map(Vec::len),
            )
        }
    };
    assert_eq!(
        seen(books.rep.token.clone()).await,
        (Some(4), Some(4)),
        "the rep reads their customer's payments"
    );
    assert_eq!(seen(books.manager_token.clone()).await, (Some(4), Some(4)));
    assert_eq!(
        seen(outsider.token.clone()).await,
        (Some(0), None),
        "another rep reads none"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn a_waiver_applies_only_once_its_chain_approves() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Waiver Co").await;
    let contract = approved(&app, &books, &customer, "1000").await;
    let plan = installments(
        &set_plan(
            &app,
            &books.finance.token,
            &contract,
            json!([{"dueDate": "2026-12-01", "amount": "1000"}]),
        )
        .await,
    );
    let request_waiver = "mutation($input: RequestWaiverInput!) { requestWaiver(input: $input) { waiver { id status amount } request { id status steps { role status } subject { ... on Waiver { amount installment { seq } } } } } }";
    let ask = |amount: &str| json!({"input": {"installmentId": plan[0]["id"], "amount": amount, "reason": "Late delivery"}});
    let approve =
        "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { status } } }";

    let too_much = app
        .gql(Some(&books.finance.token), request_waiver, ask("1000.01"))
        .await;
    let asked = app
        .gql(Some(&books.finance.token), request_waiver, ask("100"))
        .await;
    let request = asked["data"]["requestWaiver"]["request"].clone();
    let pending_plan = plan_of(&app, &books.finance.token, &contract).await;
    let over_pending = app
        .gql(Some(&books.finance.token), request_waiver, ask("900.01"))
        .await;
    let own = app
        .gql(
            Some(&books.finance.token),
            approve,
            json!({"r": request["id"]}),
        )
        .await;
    app.gql(
        Some(&books.finance2.token),
        approve,
        json!({"r": request["id"]}),
    )
    .await;
    let done = app
        .gql(Some(&app.admin_token), approve, json!({"r": request["id"]}))
        .await;
    let applied_plan = plan_of(&app, &books.finance.token, &contract).await;
    let second = app
        .gql(Some(&books.finance.token), request_waiver, ask("50"))
        .await;
    app.gql(
        Some(&books.finance2.token),
        "mutation($r: ID!) { rejectRequest(input: {requestId: $r, comment: \"No\"}) { request { status } } }",
        json!({"r": second["data"]["requestWaiver"]["request"]["id"]}),
    )
    .await;
    let final_plan = plan_of(&app, &books.finance.token, &contract).await;

    assert_eq!(
        (error_code(&too_much), error_field(&too_much)),
        (Some("BAD_USER_INPUT"), Some("input.amount"))
    );
    assert_eq!(
        asked["data"]["requestWaiver"]["waiver"]["status"], "PENDING",
        "{asked}"
    );
    assert_eq!(
        request["steps"],
        json!([{"role": "FINANCE", "status": "PENDING"}, {"role": "ADMIN", "status": "WAITING"}])
    );
    assert_eq!(
        request["subject"],
        json!({"amount": "100.00", "installment": {"seq": 1}})
    );
    assert_eq!(
        pending_plan[0]["waivedAmount"], "0.00",
        "nothing is waived while pending"
    );
    assert_eq!(
        error_code(&over_pending),
        Some("BAD_USER_INPUT"),
        "pending waivers count"
    );
    assert_eq!(error_code(&own), Some("FORBIDDEN"));
    assert_eq!(
        done["data"]["approveRequest"]["request"]["status"],
        "APPROVED"
    );
    assert_eq!(
        (
            applied_plan[0]["waivedAmount"].as_str(),
            applied_plan[0]["outstanding"].as_str()
        ),
        (Some("100.00"), Some("900.00"))
    );
    assert_eq!(
        final_plan[0]["waivedAmount"], "100.00",
        "a rejected waiver changes nothing"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn a_replaced_plan_keeps_every_installment_money_reached() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Replan Co").await;
    let contract = approved(&app, &books, &customer, "1000").await;
    set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([
            {"dueDate": "2026-12-01", "amount": "400"}, {"dueDate": "2027-01-01", "amount": "600"},
        ]),
    )
    .await;
    pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "contractId": contract, "amount": "100"}),
    )
    .await;

    let moved_paid = set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([
            {"dueDate": "2026-12-15", "amount": "400"}, {"dueDate": "2027-01-01", "amount": "600"},
        ]),
    )
    .await;
    let by_owner = set_plan(
        &app,
        &books.rep.token,
        &contract,
        json!([
            {"dueDate": "2026-12-01", "amount": "400"}, {"dueDate": "2027-02-01", "amount": "600"},
        ]),
    )
    .await;
    let kept = set_plan(&app, &books.finance.token, &contract, json!([
        {"dueDate": "2026-12-01", "amount": "400"}, {"dueDate": "2027-02-01", "amount": "300"}, {"dueDate": "2027-03-01", "amount": "300"},
    ])).await;
    let cancel = app
        .gql(Some(&books.rep.token), "mutation($id: ID!) { cancelContract(input: {id: $id, reason: \"x\", expectedVersion: 3}) { contract { id } } }", json!({"id": contract}))
        .await;

    assert_eq!(error_code(&moved_paid), Some("INVALID_STATE"));
    assert_eq!(
        error_code(&by_owner),
        Some("INVALID_STATE"),
        "money arrived: finance changes the plan"
    );
    let kept = installments(&kept);
    assert_eq!(field(&kept, "paidAmount"), vec!["100.00", "0.00", "0.00"]);
    assert_eq!(field(&kept, "amount"), vec!["400.00", "300.00", "300.00"]);
    assert_eq!(
        error_code(&cancel),
        Some("INVALID_STATE"),
        "a contract holding money is not cancelled"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn the_owner_proposes_a_plan_only_while_no_payment_ever_reached_the_contract() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let bounced_customer = customer(&app, &books, "Bounced Co").await;
    let bounced = approved(&app, &books, &bounced_customer, "100").await;
    let prepaid_customer = customer(&app, &books, "Prepaid Co").await;
    let prepaid = approved(&app, &books, &prepaid_customer, "100").await;
    let plan = json!([{"dueDate": "2026-12-01", "amount": "100"}]);
    let proposed = set_plan(&app, &books.rep.token, &bounced, plan.clone()).await;
    let paid = payment_of(
        &pay(
            &app,
            &books.finance.token,
            json!({"customerId": bounced_customer, "contractId": bounced, "amount": "100"}),
        )
        .await,
    );
    let reversed = app
        .gql(Some(&books.finance.token), "mutation($id: ID!) { reversePayment(input: {id: $id, reason: \"Bounced\"}) { payment { id } } }", json!({"id": paid["id"]}))
        .await;
    pay(
        &app,
        &books.finance.token,
        json!({"customerId": prepaid_customer, "contractId": prepaid, "amount": "30"}),
    )
    .await;

    let after_reversal = set_plan(&app, &books.rep.token, &bounced, plan.clone()).await;
    let after_prepayment = set_plan(&app, &books.rep.token, &prepaid, plan.clone()).await;
    let by_finance = set_plan(&app, &books.finance.token, &prepaid, plan).await;

    assert!(proposed["errors"].is_null(), "{proposed}");
    assert!(reversed["errors"].is_null(), "{reversed}");
    assert_eq!(
        error_code(&after_reversal),
        Some("INVALID_STATE"),
        "a reversed payment still reached it"
    );
    assert_eq!(
        error_code(&after_prepayment),
        Some("INVALID_STATE"),
        "a payment recorded for it, held as credit"
    );
    assert_eq!(
        field(&installments(&by_finance), "paidAmount"),
        vec!["30.00"],
        "finance sets it and the credit is applied"
    );
    ledger_holds(&app).await;
}

#[tokio::test]
async fn overdue_reminders_go_once_per_installment_and_level() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Late Co").await;
    let contract = approved(&app, &books, &customer, "300").await;
    set_plan(&app, &books.finance.token, &contract, json!([
        {"dueDate": "2026-11-25", "amount": "100"}, {"dueDate": "2026-11-26", "amount": "100"}, {"dueDate": "2026-12-25", "amount": "100"},
    ])).await;
    let sweep = |when: &str| {
        let state = app.state.clone();
        let now = at(when);
        async move {
            salesgraph::billing::overdue::remind(&state, now)
                .await
                .unwrap()
                .affected
        }
    };

    let due_today = sweep("2026-11-25T02:00:00Z").await;
    let same_day = sweep("2026-11-25T05:00:00Z").await;
    let week_later = sweep("2026-12-02T02:00:00Z").await;
    let month_later = sweep("2026-12-27T02:00:00Z").await;
    let rep_kinds = installment_notices(&app, &books.rep).await;
    let finance_kinds = installment_notices(&app, &books.finance).await;

    assert_eq!(due_today, 1, "the first installment falls due");
    assert_eq!(same_day, 0, "once");
    // Dec 2: #1 is 7 days late, #2 six (its due reminder); Dec 27: #1 32, #2 31, #3 2 days late.
    assert_eq!(week_later, 2);
    assert_eq!(month_later, 3);
    let expected = vec![
        "INSTALLMENT_DUE",
        "INSTALLMENT_DUE",
        "INSTALLMENT_DUE",
        "INSTALLMENT_OVERDUE",
        "INSTALLMENT_OVERDUE",
        "INSTALLMENT_OVERDUE",
    ];
    assert_eq!(rep_kinds, expected);
    assert_eq!(finance_kinds, expected);
    ledger_holds(&app).await;
}

/// The kinds of a user's installment notifications, sorted.
async fn installment_notices(app: &TestApp, user: &TestUser) -> Vec<String> {
    let token = app.token_for(user).await;
    let body = app
        .gql(
            Some(&token),
            "{ notifications(first: 50) { nodes { kind } } }",
            json!({}),
        )
        .await;
    let mut kinds: Vec<String> = body["data"]["notifications"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .filter(|k| k.starts_with("INSTALLMENT"))
        .map(str::to_owned)
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn old_unpaid_installments_never_starve_newer_ones_of_their_reminders() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    let customer = customer(&app, &books, "Backlog Co").await;
    let contract = approved(&app, &books, &customer, "500").await;
    set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([
            {"dueDate": "2026-11-01", "amount": "100"}, {"dueDate": "2026-11-02", "amount": "100"},
            {"dueDate": "2026-11-03", "amount": "100"}, {"dueDate": "2026-11-20", "amount": "100"},
            {"dueDate": "2026-11-24", "amount": "100"},
        ]),
    )
    .await;
    // Batches of two: fewer than the installments owing a reminder at every sweep below.
    let sweep = |when: &str| {
        let state = app.state.clone();
        let now = at(when);
        async move {
            salesgraph::billing::overdue::remind_in_batches(&state, now, 2)
                .await
                .unwrap()
                .affected
        }
    };

    let first = sweep("2026-11-25T02:00:00Z").await;
    let next_day = sweep("2026-11-26T02:00:00Z").await;
    let week_after_due = sweep("2026-11-28T02:00:00Z").await;
    let again = sweep("2026-11-28T05:00:00Z").await;

    assert_eq!(
        first, 5,
        "every batch of one sweep: #1–#3 at 7 days, #4 and #5 due"
    );
    assert_eq!(next_day, 0, "nothing new is owed");
    assert_eq!(
        week_after_due, 1,
        "#4 reaches 7 days behind three older, fully reminded installments"
    );
    assert_eq!(again, 0);
    let mut expected = vec!["INSTALLMENT_DUE"; 2];
    expected.extend(vec!["INSTALLMENT_OVERDUE"; 4]);
    assert_eq!(installment_notices(&app, &books.rep).await, expected);
    ledger_holds(&app).await;
}

/// Random sequences of plans, payments, reversals, invoices, voids and waivers, replayed from
/// fixed seeds: after every step the ledger's invariants hold and money is conserved.
#[tokio::test]
async fn random_sequences_of_money_movements_never_break_the_invariants() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    for seed in [7_u64, 1_234, 98_765] {
        let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
        let books = books(&app).await;
        let mut rng = StdRng::seed_from_u64(seed);
        let customer = customer(&app, &books, "Random Co").await;
        let mut contracts: Vec<String> = Vec::new();
        let mut payments: Vec<String> = Vec::new();
        let mut invoices: Vec<String> = Vec::new();
        let fin = books.finance.token.clone();
        for step in 0..30 {
            let op = if contracts.is_empty() {
                0
            } else {
                rng.random_range(0..6)
            };
            let what = match op {
                0 => {
                    let cents = rng.random_range(1_000..200_000_i64);
                    let amount = format!("{}.{:02}", cents / 100, cents % 100);
                    let contract = approved(&app, &books, &customer, &amount).await;
                    let parts = rng.random_range(1..=4_usize);
                    let share = (Decimal::ONE_HUNDRED / Decimal::from(parts)).round_dp(2);
                    let mut percents: Vec<Decimal> = vec![share; parts - 1];
                    percents.push(Decimal::ONE_HUNDRED - percents.iter().sum::<Decimal>());
                    let lines: Vec<Value> = percents
                        .iter()
                        .enumerate()
                        .map(|(i, p)| json!({"dueDate": NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + Duration::days(30 * i as i64), "percent": p.to_string()}))
                        .collect();
                    let body = set_plan(&app, &fin, &contract, json!(lines)).await;
                    assert!(body["errors"].is_null(), "seed {seed} step {step}: {body}");
                    contracts.push(contract);
                    "plan"
                }
                1 => {
                    let cents = rng.random_range(1..150_000_i64);
                    let contract = if rng.random_bool(0.5) {
                        Some(contracts[rng.random_range(0..contracts.len())].clone())
                    } else {
                        None
                    };
                    let body = pay(
                        &app,
                        &fin,
                        json!({"customerId": customer, "contractId": contract,
                        "amount": format!("{}.{:02}", cents / 100, cents % 100)}),
                    )
                    .await;
                    payments.push(payment_of(&body)["id"].as_str().unwrap().to_owned());
                    "pay"
                }
                2 if !payments.is_empty() => {
                    let id = payments.swap_remove(rng.random_range(0..payments.len()));
                    let body = app
                        .gql(Some(&fin), "mutation($id: ID!) { reversePayment(input: {id: $id, reason: \"Random\"}) { payment { id } } }", json!({"id": id}))
                        .await;
                    assert!(body["errors"].is_null(), "seed {seed} step {step}: {body}");
                    "reverse"
                }
                3 => {
                    let contract = &contracts[rng.random_range(0..contracts.len())];
                    let plan = plan_of(&app, &fin, contract).await;
                    let item = &plan[rng.random_range(0..plan.len())];
                    let room = money_cents(&item["amount"]) - money_cents(&item["invoicedAmount"]);
                    if room > 0 {
                        let cents = rng.random_range(1..=room);
                        let body = app
                            .gql(Some(&fin), "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }",
                                json!({"input": {"contractId": contract, "installmentId": item["id"], "amount": format!("{}.{:02}", cents / 100, cents % 100),
                                    "issueDate": "2026-11-25", "dueDate": "2026-12-25", "taxRate": "0.13"}}))
                            .await;
                        invoices.push(
                            body["data"]["issueInvoice"]["invoice"]["id"]
                                .as_str()
                                .unwrap_or_else(|| panic!("{body}"))
                                .to_owned(),
                        );
                    }
                    "invoice"
                }
                4 if !invoices.is_empty() => {
                    let id = invoices.swap_remove(rng.random_range(0..invoices.len()));
                    let body = app
                        .gql(Some(&fin), "mutation($id: ID!) { voidInvoice(input: {id: $id, reason: \"Random\"}) { invoice { id } } }", json!({"id": id}))
                        .await;
                    assert!(body["errors"].is_null(), "seed {seed} step {step}: {body}");
                    "void"
                }
                _ => {
                    let contract = &contracts[rng.random_range(0..contracts.len())];
                    let plan = plan_of(&app, &fin, contract).await;
                    let item = &plan[rng.random_range(0..plan.len())];
                    let owed = money_cents(&item["outstanding"]);
                    if owed > 0 {
                        let cents = rng.random_range(1..=owed);
                        let asked = app
                            .gql(Some(&fin), "mutation($input: RequestWaiverInput!) { requestWaiver(input: $input) { request { id } } }",
                                json!({"input": {"installmentId": item["id"], "amount": format!("{}.{:02}", cents / 100, cents % 100), "reason": "Random"}}))
                            .await;
                        let request = asked["data"]["requestWaiver"]["request"]["id"].clone();
                        assert!(request.is_string(), "seed {seed} step {step}: {asked}");
                        if rng.random_bool(0.7) {
                            for token in [&books.finance2.token, &app.admin_token] {
                                app.gql(Some(token), "mutation($r: ID!) { approveRequest(input: {requestId: $r}) { request { id } } }", json!({"r": request})).await;
                            }
                        } else {
                            app.gql(Some(&books.finance2.token), "mutation($r: ID!) { rejectRequest(input: {requestId: $r, comment: \"No\"}) { request { id } } }", json!({"r": request})).await;
                        }
                    }
                    "waiver"
                }
            };
            let check = app
                .admin("{ verifyLedger { ok problems } }", json!({}))
                .await;
            assert_eq!(
                check["data"]["verifyLedger"]["ok"], true,
                "seed {seed} step {step} ({what}): {check}"
            );
        }
    }
}

fn money_cents(value: &Value) -> i64 {
    let text = value.as_str().unwrap();
    let (whole, cents) = text.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

#[tokio::test]
async fn billing_lists_with_nested_fields_cost_the_same_whatever_the_page_size() {
    let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
    let books = books(&app).await;
    for i in 0..6 {
        let customer = customer(&app, &books, &format!("Count {i}")).await;
        let contract = approved(&app, &books, &customer, "100").await;
        set_plan(&app, &books.finance.token, &contract, json!([{"dueDate": "2026-11-01", "amount": "60"}, {"dueDate": "2026-12-01", "amount": "40"}])).await;
        pay(
            &app,
            &books.finance.token,
            json!({"customerId": customer, "amount": "70"}),
        )
        .await;
    }
    let queries = [
        "query($n: Int!) { receivables(first: $n) { totals { outstanding } nodes { outstanding overdue contract { number owner { id } } customer { name receivable { credit } } } } }",
        "query($n: Int!) { payments(first: $n) { nodes { amount customer { name } allocations { amount installment { seq contract { number } } } } } }",
        "query($n: Int!) { contracts(first: $n) { nodes { number receivable { outstanding } collectionPlan { seq paidAmount } payments { amount } invoices { number } customer { receivable { outstanding credit } invoices { number } } } } }",
    ];

    for query in queries {
        app.gql(Some(&books.finance.token), "{ me { id } }", json!({}))
            .await;
        app.take_statement_count();
        let small = app
            .gql(Some(&books.finance.token), query, json!({"n": 2}))
            .await;
        let small_cost = app.take_statement_count();
        let large = app
            .gql(Some(&books.finance.token), query, json!({"n": 6}))
            .await;
        let large_cost = app.take_statement_count();
        assert!(
            small["errors"].is_null() && large["errors"].is_null(),
            "{small} {large}"
        );
        assert_eq!(small_cost, large_cost, "{query}");
    }
    ledger_holds(&app).await;
}
