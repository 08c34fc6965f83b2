//! Collection plans: splitting totals exactly, replacing a plan, who may propose one.

use super::*;

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
    let draft = crate::fixtures::a_contract(&app, &books.rep, "10").await;
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
