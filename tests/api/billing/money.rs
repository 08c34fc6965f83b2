//! Money on the wire: exact round trips, refused precision, and random movements that keep every
//! invariant.

use super::*;

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
