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

/// Random sequences of plans, payments, reversals, invoices, voids, waivers, orders,
/// deliveries, amendments and refunds, replayed from fixed seeds: after every step the
/// ledger's invariants hold and money is conserved. Refusals are allowed only with the codes
/// their rules give (an amendment below what is held, a refund beyond what is there).
#[tokio::test]
async fn random_sequences_of_money_movements_never_break_the_invariants() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    // How often each of the newer movements went through, over every seed.
    let mut applied: std::collections::BTreeMap<&str, usize> = Default::default();
    for seed in [7_u64, 1_234, 98_765] {
        let app = TestApp::spawn_at(at("2026-11-25T01:00:00Z")).await;
        let books = books(&app).await;
        let mut rng = StdRng::seed_from_u64(seed);
        let customer = customer(&app, &books, "Random Co").await;
        let mut contracts: Vec<String> = Vec::new();
        let mut payments: Vec<String> = Vec::new();
        let mut invoices: Vec<String> = Vec::new();
        let mut orders: Vec<String> = Vec::new();
        let fin = books.finance.token.clone();
        let decimal = |cents: i64| format!("{}.{:02}", cents / 100, cents % 100);
        for step in 0..40 {
            let op = if contracts.is_empty() {
                0
            } else {
                rng.random_range(0..10)
            };
            let what = match op {
                0 => {
                    let cents = rng.random_range(1_000..200_000_i64);
                    let amount = format!("{}.{:02}", cents / 100, cents % 100);
                    let contract = crate::fixtures::signed(&app, &books, &customer, &amount).await;
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
                    let index = rng.random_range(0..payments.len());
                    let body = app
                        .gql(Some(&fin), "mutation($id: ID!) { reversePayment(input: {id: $id, reason: \"Random\"}) { payment { id } } }", json!({"id": payments[index]}))
                        .await;
                    // A payment a refund drew on stays.
                    match error_code(&body) {
                        None => {
                            payments.swap_remove(index);
                        }
                        code => assert_eq!(
                            code,
                            Some("INVALID_STATE"),
                            "seed {seed} step {step}: {body}"
                        ),
                    }
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
                6 => {
                    // An amendment by the owner, approved or rejected by the manager.
                    let contract = &contracts[rng.random_range(0..contracts.len())];
                    let state = app
                        .gql(
                            Some(&books.rep.token),
                            "query($id: ID!) { contract(id: $id) { amount version } }",
                            json!({"id": contract}),
                        )
                        .await;
                    let current = money_cents(&state["data"]["contract"]["amount"]);
                    let delta = rng.random_range(-(current / 2)..=current / 2);
                    let asked = crate::amendments::amend(
                        &app,
                        &books.rep.token,
                        contract,
                        &state["data"]["contract"]["version"],
                        json!({"amount": decimal((current + delta).max(1) + i64::from(delta == 0))}),
                    )
                    .await;
                    match error_code(&asked) {
                        None => {
                            let request = asked["data"]["amendContract"]["request"]["id"].clone();
                            let approve = rng.random_bool(0.7);
                            let body = crate::amendments::decide(
                                &app,
                                &books.manager_token,
                                &request,
                                approve,
                            )
                            .await;
                            assert!(body["errors"].is_null(), "seed {seed} step {step}: {body}");
                            *applied
                                .entry(if approve {
                                    "amended"
                                } else {
                                    "amendment rejected"
                                })
                                .or_default() += 1;
                        }
                        code => assert_eq!(
                            code,
                            Some("INVALID_STATE"),
                            "seed {seed} step {step}: {asked}"
                        ),
                    }
                    "amend"
                }
                7 if !payments.is_empty() => {
                    // A refund by finance of part of a payment, naming some installments,
                    // approved and paid out, or refused for want of money.
                    let payment = &payments[rng.random_range(0..payments.len())];
                    let contract = &contracts[rng.random_range(0..contracts.len())];
                    let plan = plan_of(&app, &fin, contract).await;
                    let named: Vec<Value> = plan
                        .iter()
                        .filter(|_| rng.random_bool(0.5))
                        .map(|i| i["id"].clone())
                        .collect();
                    let cents = rng.random_range(1..50_000_i64);
                    let asked = app
                        .gql(Some(&fin), "mutation($input: RequestRefundInput!) { requestRefund(input: $input) { refund { id } request { id } } }",
                            json!({"input": {"paymentId": payment, "amount": decimal(cents), "reason": "Random", "installmentIds": named}}))
                        .await;
                    match error_code(&asked) {
                        None => {
                            let request = asked["data"]["requestRefund"]["request"]["id"].clone();
                            for token in [&books.finance2.token, &app.admin_token] {
                                let body =
                                    crate::amendments::decide(&app, token, &request, true).await;
                                assert!(
                                    body["errors"].is_null(),
                                    "seed {seed} step {step}: {body}"
                                );
                            }
                            let paid = app
                                .gql(Some(&fin), "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { refund { status } } }",
                                    json!({"input": {"id": asked["data"]["requestRefund"]["refund"]["id"], "method": "BANK_TRANSFER", "reference": format!("OUT-{seed}-{step}")}}))
                                .await;
                            assert!(paid["errors"].is_null(), "seed {seed} step {step}: {paid}");
                            *applied.entry("refunded").or_default() += 1;
                        }
                        code => assert_eq!(
                            code,
                            Some("BAD_USER_INPUT"),
                            "seed {seed} step {step}: {asked}"
                        ),
                    }
                    "refund"
                }
                8 => {
                    // An order of part of what remains of a contract.
                    let contract = &contracts[rng.random_range(0..contracts.len())];
                    let cents = rng.random_range(1..100_000_i64);
                    let body = app
                        .gql(Some(&books.rep.token), "mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }",
                            json!({"input": {"contractId": contract, "amount": decimal(cents)}}))
                        .await;
                    match error_code(&body) {
                        None => orders.push({
                            *applied.entry("ordered").or_default() += 1;
                            body["data"]["createOrder"]["order"]["id"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned()
                        }),
                        code => assert!(
                            matches!(code, Some("BAD_USER_INPUT" | "INVALID_STATE")),
                            "seed {seed} step {step}: {body}"
                        ),
                    }
                    "order"
                }
                9 if !orders.is_empty() => {
                    // A delivery of part of what remains of an order.
                    let order = &orders[rng.random_range(0..orders.len())];
                    let lines = app
                        .gql(Some(&books.rep.token), "query($id: ID!) { order(id: $id) { lines { id amount deliveredAmount } } }", json!({"id": order}))
                        .await;
                    let line = &lines["data"]["order"]["lines"][0];
                    let room = money_cents(&line["amount"]) - money_cents(&line["deliveredAmount"]);
                    if room > 0 {
                        let body = app
                            .gql(Some(&books.rep.token), "mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { order { id } } }",
                                json!({"input": {"orderId": order, "deliveredOn": "2026-11-25", "lines": [{"lineId": line["id"], "amount": decimal(rng.random_range(1..=room))}]}}))
                            .await;
                        assert!(body["errors"].is_null(), "seed {seed} step {step}: {body}");
                        *applied.entry("delivered").or_default() += 1;
                    }
                    "deliver"
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
    for what in [
        "amended",
        "amendment rejected",
        "refunded",
        "ordered",
        "delivered",
    ] {
        assert!(
            applied.get(what).is_some_and(|n| *n > 0),
            "no {what}: {applied:?}"
        );
    }
}

fn money_cents(value: &Value) -> i64 {
    let text = value.as_str().unwrap();
    let (whole, cents) = text.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}
