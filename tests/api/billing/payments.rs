//! Payments: oldest installments first, credit, idempotent references, reversals and races.

use super::*;

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
