//! Contract execution: orders drawn from signed contracts by product or by amount, never
//! beyond the contract; deliveries in batches, never beyond the order, concurrent ones
//! included; completion only once delivered and paid.

use serde_json::{Value, json};

use crate::fixtures::{self, Books};
use crate::helpers::{TestApp, TestUser, code_and_field, error_code};
use crate::quotes::{create, desk, product_in_line, quote_of, set_lines, step};

const ORDER: &str = "id number status amount deliveredAmount version plannedDeliveryDate \
    lines { id position quantity amount deliveredQuantity deliveredAmount product { code } } \
    deliveries { deliveredOn note lines { quantity amount } recordedBy { id } } contract { number }";

pub(crate) async fn order_call(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
    let extra = if name == "recordDelivery" {
        "delivery { id deliveredOn lines { quantity amount line { id } } }"
    } else {
        ""
    };
    let query = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ order {{ {ORDER} }} {extra} }} }}"
    );
    app.gql(Some(token), &query, json!({ "input": input }))
        .await
}

pub(crate) fn order_of(body: &Value, name: &str) -> Value {
    let order = body["data"][name]["order"].clone();
    assert!(order.is_object(), "{body}");
    order
}

/// Draws an order (`createOrder` with `input`) and answers it; panics with the body on errors.
pub(crate) async fn create_order(app: &TestApp, token: &str, input: Value) -> Value {
    order_of(
        &order_call(app, token, "createOrder", input).await,
        "createOrder",
    )
}

fn yesterday(app: &TestApp) -> String {
    (salesgraph::clock::Clock::now(&app.clock).date_naive() - chrono::Duration::days(1)).to_string()
}

/// A signed contract made from an accepted quote: product A, 3 units at 7.77 less 3%
/// (22.61), and product B, 2 units at 100.00 (200.00). The desk's books, the contract's id
/// and the two products' ids.
pub(crate) async fn quoted_contract(app: &TestApp) -> (Books, String, String, String) {
    let d = desk(app).await;
    let a = product_in_line(app, "Valves", "10", "A", "7.77", "5.00").await;
    let b = product_in_line(app, "Pumps", "10", "B", "100.00", "60.00").await;
    set_lines(
        app,
        &d.rep.token,
        &d.deal,
        json!([
            {"productId": a, "quantity": "3", "discountPercent": "3"},
            {"productId": b, "quantity": "2"}
        ]),
    )
    .await;
    let quote = create(app, &d.rep.token, &d.deal, json!({})).await;
    let approved = quote_of(
        &step(app, &d.rep.token, "submitQuote", &quote).await,
        "submitQuote",
    );
    let accepted = quote_of(
        &step(app, &d.rep.token, "acceptQuote", &approved).await,
        "acceptQuote",
    );
    let made = app
        .gql(
            Some(&d.rep.token),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id amount } } }",
            json!({"input": {"quoteId": accepted["id"], "title": "Valves and pumps"}}),
        )
        .await;
    assert_eq!(
        made["data"]["createContract"]["contract"]["amount"], "222.61",
        "{made}"
    );
    let contract = made["data"]["createContract"]["contract"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let books = Books {
        rep: d.rep.clone(),
        manager_token: d.manager.token.clone(),
        finance: app.a_user().role("FINANCE").create().await,
        finance2: app.a_user().role("FINANCE").create().await,
    };
    fixtures::approve(app, &books, &contract).await;
    fixtures::sign(app, &books, &contract).await;
    (books, contract, a, b)
}

fn amounts(orders: &[&Value]) -> Vec<String> {
    orders
        .iter()
        .map(|o| o["amount"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_quoted_contract_is_ordered_by_product_to_exactly_its_amount() {
    let app = TestApp::spawn().await;
    let (books, contract, a, b) = quoted_contract(&app).await;
    let rep = &books.rep.token;
    let first = create_order(&app, rep, json!({"contractId": contract, "lines": [{"productId": a, "quantity": "1"}], "plannedDeliveryDate": "2027-01-15"})).await;
    assert_eq!(
        (
            &first["status"],
            &first["amount"],
            &first["plannedDeliveryDate"]
        ),
        (&json!("OPEN"), &json!("7.54"), &json!("2027-01-15"))
    );
    assert!(
        first["number"]
            .as_str()
            .unwrap_or_default()
            .starts_with("O-")
    );
    assert_eq!(
        first["lines"],
        json!([{"id": first["lines"][0]["id"], "position": 0, "quantity": "1", "amount": "7.54",
            "deliveredQuantity": "0", "deliveredAmount": "0.00", "product": {"code": "A"}}])
    );
    // Bad orders: beyond what remains, a product the contract does not sell, the same product
    // twice, an amount on a contract ordered by product.
    let stranger = product_in_line(&app, "Other", "10", "C", "1.00", "0.50").await;
    for (input, expected) in [
        (
            json!({"contractId": contract, "lines": [{"productId": a, "quantity": "2.001"}]}),
            (Some("BAD_USER_INPUT"), Some("input.lines.0.quantity")),
        ),
        (
            json!({"contractId": contract, "lines": [{"productId": stranger, "quantity": "1"}]}),
            (Some("BAD_USER_INPUT"), Some("input.lines.0.productId")),
        ),
        (
            json!({"contractId": contract, "lines": [{"productId": b, "quantity": "1"}, {"productId": b, "quantity": "1"}]}),
            (Some("BAD_USER_INPUT"), Some("input.lines.1.productId")),
        ),
        (
            json!({"contractId": contract, "amount": "10.00"}),
            (Some("BAD_USER_INPUT"), Some("input.amount")),
        ),
        (
            json!({"contractId": contract, "lines": [{"productId": a, "quantity": "0"}]}),
            (Some("BAD_USER_INPUT"), Some("input.lines.0.quantity")),
        ),
    ] {
        let body = order_call(&app, rep, "createOrder", input.clone()).await;
        assert_eq!(code_and_field(&body), expected, "{input}: {body}");
    }
    // Without lines, an order takes everything that remains; then nothing is left.
    let rest = create_order(&app, rep, json!({"contractId": contract})).await;
    assert_eq!(rest["amount"], "215.07");
    let none_left = order_call(&app, rep, "createOrder", json!({"contractId": contract})).await;
    assert_eq!(error_code(&none_left), Some("INVALID_STATE"), "{none_left}");
    // Cancelling frees its share; ordered again unit by unit, the last unit takes the
    // remainder, and the active orders add up to exactly the contract.
    let cancelled = order_of(
        &order_call(
            &app,
            &books.manager_token,
            "cancelOrder",
            json!({"id": rest["id"], "expectedVersion": 1, "reason": "Split the shipment"}),
        )
        .await,
        "cancelOrder",
    );
    assert_eq!(cancelled["status"], "CANCELLED");
    let mut active = vec![first.clone()];
    for quantity in ["1", "1"] {
        active.push(
            create_order(
                &app,
                rep,
                json!({"contractId": contract, "lines": [{"productId": a, "quantity": quantity}]}),
            )
            .await,
        );
    }
    active.push(
        create_order(
            &app,
            &books.finance.token,
            json!({"contractId": contract, "lines": [{"productId": b, "quantity": "2"}]}),
        )
        .await,
    );
    assert_eq!(
        amounts(&active.iter().collect::<Vec<_>>()),
        vec!["7.54", "7.54", "7.53", "200.00"]
    );
    let listed = app
        .gql(
            Some(rep),
            "query($id: ID!) { contract(id: $id) { orders { status amount } } }",
            json!({"id": contract}),
        )
        .await;
    let orders = listed["data"]["contract"]["orders"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(orders.len(), 5, "{listed}");
    let active_total: rust_decimal::Decimal = orders
        .iter()
        .filter(|o| o["status"] != "CANCELLED")
        .filter_map(|o| o["amount"].as_str()?.parse::<rust_decimal::Decimal>().ok())
        .sum();
    assert_eq!(active_total.to_string(), "222.61");
    let filtered = app
        .gql(
            Some(rep),
            "query($id: ID!) { orders(first: 10, filter: {contractId: $id, statuses: [CANCELLED]}) { totalCount nodes { number } } }",
            json!({"id": contract}),
        )
        .await;
    assert_eq!(filtered["data"]["orders"]["totalCount"], 1, "{filtered}");
}

#[tokio::test]
async fn deliveries_come_in_batches_never_beyond_the_order_and_completion_waits_for_them() {
    let app = TestApp::spawn().await;
    let (books, contract, a, _) = quoted_contract(&app).await;
    let rep = &books.rep.token;
    let order = create_order(
        &app,
        rep,
        json!({"contractId": contract, "lines": [{"productId": a, "quantity": "1"}]}),
    )
    .await;
    let line = order["lines"][0]["id"].clone();
    let today = yesterday(&app);
    let deliver = async |token: &str, quantity: &str, key: &str| {
        order_call(
            &app,
            token,
            "recordDelivery",
            json!({"orderId": order["id"], "lines": [{"lineId": line, "quantity": quantity}],
                "deliveredOn": today, "note": "第一批", "idempotencyKey": key}),
        )
        .await
    };
    // Finance records half; the owner is told; a retry with the key records nothing more.
    let half = deliver(&books.finance.token, "0.5", "d-1").await;
    let after = order_of(&half, "recordDelivery");
    assert_eq!(
        (
            &after["status"],
            &after["deliveredAmount"],
            &after["lines"][0]["deliveredQuantity"]
        ),
        (&json!("PARTIALLY_DELIVERED"), &json!("3.77"), &json!("0.5"))
    );
    let retried = order_of(
        &deliver(&books.finance.token, "0.5", "d-1").await,
        "recordDelivery",
    );
    assert_eq!(retried["lines"][0]["deliveredQuantity"], "0.5");
    assert_eq!(retried["deliveries"].as_array().map(Vec::len), Some(1));
    let told = app
        .gql(
            Some(rep),
            "{ notifications(first: 5) { nodes { kind subject { ... on Contract { id } } } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&Value> = told["data"]["notifications"]["nodes"]
        .as_array()
        .map(|n| n.iter().map(|n| &n["kind"]).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&&json!("DELIVERY_RECORDED")), "{told}");
    // Bad deliveries.
    let future = (salesgraph::clock::Clock::now(&app.clock).date_naive()
        + chrono::Duration::days(2))
    .to_string();
    for (input, expected) in [
        (
            json!({"orderId": order["id"], "lines": [{"lineId": line, "quantity": "0.501"}], "deliveredOn": today}),
            (Some("BAD_USER_INPUT"), Some("input.lines.0.quantity")),
        ),
        (
            json!({"orderId": order["id"], "lines": [{"lineId": line, "amount": "1.00"}], "deliveredOn": today}),
            (Some("BAD_USER_INPUT"), Some("input.lines.0.quantity")),
        ),
        (
            json!({"orderId": order["id"], "lines": [{"lineId": line, "quantity": "0.1"}, {"lineId": line, "quantity": "0.1"}], "deliveredOn": today}),
            (Some("BAD_USER_INPUT"), Some("input.lines.1.lineId")),
        ),
        (
            json!({"orderId": order["id"], "lines": [{"lineId": line, "quantity": "0.1"}], "deliveredOn": future}),
            (Some("BAD_USER_INPUT"), Some("input.deliveredOn")),
        ),
        (
            json!({"orderId": order["id"], "lines": [{"lineId": line, "quantity": "0.1"}], "deliveredOn": "2020-01-01"}),
            (Some("BAD_USER_INPUT"), Some("input.deliveredOn")),
        ),
        (
            json!({"orderId": order["id"], "lines": [], "deliveredOn": today}),
            (Some("BAD_USER_INPUT"), Some("input.lines")),
        ),
        (
            json!({"orderId": order["id"], "lines": [{"lineId": line, "quantity": "0.1"}], "deliveredOn": today, "note": "x".repeat(2_001)}),
            (Some("BAD_USER_INPUT"), Some("input.note")),
        ),
    ] {
        let body = order_call(&app, rep, "recordDelivery", input.clone()).await;
        assert_eq!(code_and_field(&body), expected, "{input}: {body}");
    }
    // An order with deliveries is not cancelled; the contract is not completed while an order
    // waits for deliveries.
    let cancel = order_call(
        &app,
        rep,
        "cancelOrder",
        json!({"id": order["id"], "expectedVersion": retried["version"], "reason": "No"}),
    )
    .await;
    assert_eq!(error_code(&cancel), Some("INVALID_STATE"), "{cancel}");
    let version = async || {
        app.gql(
            Some(rep),
            "query($id: ID!) { contract(id: $id) { version } }",
            json!({"id": contract}),
        )
        .await["data"]["contract"]["version"]
            .clone()
    };
    let complete = "mutation($input: CompleteContractInput!) { completeContract(input: $input) { contract { status } } }";
    let early = app
        .gql(
            Some(rep),
            complete,
            json!({"input": {"id": contract, "expectedVersion": version().await}}),
        )
        .await;
    assert_eq!(error_code(&early), Some("INVALID_STATE"), "{early}");
    let message = early["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("1 order(s) still to deliver"), "{message}");
    // The rest arrives: the order is delivered in full, takes nothing more, and the contract
    // completes.
    let full = order_of(&deliver(rep, "0.5", "d-2").await, "recordDelivery");
    assert_eq!(
        (&full["status"], &full["deliveredAmount"]),
        (&json!("DELIVERED"), &json!("7.54"))
    );
    assert_eq!(
        full["deliveries"][1]["lines"],
        json!([{"quantity": "0.5", "amount": "3.77"}])
    );
    let more = deliver(rep, "0.1", "d-3").await;
    assert_eq!(error_code(&more), Some("INVALID_STATE"), "{more}");
    let done = app
        .gql(
            Some(rep),
            complete,
            json!({"input": {"id": contract, "expectedVersion": version().await}}),
        )
        .await;
    assert_eq!(
        done["data"]["completeContract"]["contract"]["status"], "COMPLETED",
        "{done}"
    );
    let after_completion =
        order_call(&app, rep, "createOrder", json!({"contractId": contract})).await;
    assert_eq!(error_code(&after_completion), Some("INVALID_STATE"));
}

#[tokio::test]
async fn a_contract_without_lines_is_ordered_and_delivered_by_amount_and_completed_once_paid() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let customer = fixtures::customer(&app, &books, "华东机械厂").await;
    let contract = fixtures::signed(&app, &books, &customer, "1000.00").await;
    let plan = fixtures::set_plan(
        &app,
        &books.finance.token,
        &contract,
        json!([{"dueDate": "2027-01-31", "amount": "1000.00"}]),
    )
    .await;
    assert!(plan["errors"].is_null(), "{plan}");
    let rep = &books.rep.token;
    let first = create_order(
        &app,
        rep,
        json!({"contractId": contract, "amount": "400.00"}),
    )
    .await;
    assert_eq!(
        first["lines"],
        json!([{"id": first["lines"][0]["id"], "position": 0, "quantity": null, "amount": "400.00",
            "deliveredQuantity": null, "deliveredAmount": "0.00", "product": null}])
    );
    for (input, field) in [
        (
            json!({"contractId": contract, "amount": "600.01"}),
            "input.amount",
        ),
        (
            json!({"contractId": contract, "amount": "0"}),
            "input.amount",
        ),
        (
            json!({"contractId": contract, "amount": "1.001"}),
            "input.amount",
        ),
        (
            json!({"contractId": contract, "lines": [{"productId": crate::helpers::missing_id("Product"), "quantity": "1"}]}),
            "input.lines",
        ),
    ] {
        let body = order_call(&app, rep, "createOrder", input.clone()).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{input}: {body}"
        );
    }
    let second = create_order(&app, rep, json!({"contractId": contract})).await;
    assert_eq!(second["amount"], "600.00");
    let today = yesterday(&app);
    let deliver = |order: &Value, line: Value| {
        order_call(
            &app,
            rep,
            "recordDelivery",
            json!({"orderId": order["id"], "lines": [line], "deliveredOn": today}),
        )
    };
    let line = |order: &Value| order["lines"][0]["id"].clone();
    let wrong_measure = deliver(&first, json!({"lineId": line(&first), "quantity": "1"})).await;
    assert_eq!(
        code_and_field(&wrong_measure),
        (Some("BAD_USER_INPUT"), Some("input.lines.0.amount"))
    );
    let beyond = deliver(&first, json!({"lineId": line(&first), "amount": "400.01"})).await;
    assert_eq!(
        code_and_field(&beyond),
        (Some("BAD_USER_INPUT"), Some("input.lines.0.amount"))
    );
    // A line of another order answers like a line that does not exist.
    let foreign = deliver(&first, json!({"lineId": line(&second), "amount": "1.00"})).await;
    assert_eq!(
        code_and_field(&foreign),
        (Some("NOT_FOUND"), Some("input.lines.0.lineId"))
    );
    let partly = order_of(
        &deliver(&first, json!({"lineId": line(&first), "amount": "100.00"})).await,
        "recordDelivery",
    );
    assert_eq!(
        (&partly["status"], &partly["deliveredAmount"]),
        (&json!("PARTIALLY_DELIVERED"), &json!("100.00"))
    );
    for (order, amount) in [(&first, "300.00"), (&second, "600.00")] {
        let done = order_of(
            &deliver(order, json!({"lineId": line(order), "amount": amount})).await,
            "recordDelivery",
        );
        assert_eq!(done["status"], "DELIVERED");
    }
    let status = async || {
        app.gql(
            Some(rep),
            "query($id: ID!) { contract(id: $id) { executionStatus { orderedAmount deliveredAmount invoicedAmount paidAmount waivedAmount outstanding } } }",
            json!({"id": contract}),
        )
        .await["data"]["contract"]["executionStatus"]
            .clone()
    };
    assert_eq!(
        status().await,
        json!({"orderedAmount": "1000.00", "deliveredAmount": "1000.00", "invoicedAmount": "0.00",
            "paidAmount": "0.00", "waivedAmount": "0.00", "outstanding": "1000.00"})
    );
    // Delivered, but 1000.00 still owed: not yet complete; paid, it completes.
    let complete = |version: Value| {
        app.gql(
            Some(rep),
            "mutation($input: CompleteContractInput!) { completeContract(input: $input) { contract { status } } }",
            json!({"input": {"id": contract, "expectedVersion": version}}),
        )
    };
    let version = || async {
        app.gql(
            Some(rep),
            "query($id: ID!) { contract(id: $id) { version } }",
            json!({"id": contract}),
        )
        .await["data"]["contract"]["version"]
            .clone()
    };
    let owed = complete(version().await).await;
    assert_eq!(error_code(&owed), Some("INVALID_STATE"), "{owed}");
    assert!(
        owed["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1000.00 still owed"),
        "{owed}"
    );
    let paid = fixtures::pay(
        &app,
        &books.finance.token,
        json!({"customerId": customer, "contractId": contract, "amount": "1000.00"}),
    )
    .await;
    assert!(paid["errors"].is_null(), "{paid}");
    assert_eq!(
        status().await,
        json!({"orderedAmount": "1000.00", "deliveredAmount": "1000.00", "invoicedAmount": "0.00",
            "paidAmount": "1000.00", "waivedAmount": "0.00", "outstanding": "0.00"})
    );
    let done = complete(version().await).await;
    assert_eq!(
        done["data"]["completeContract"]["contract"]["status"], "COMPLETED",
        "{done}"
    );
}

#[tokio::test]
async fn who_sees_a_contract_reads_its_orders_and_only_who_executes_it_writes_them() {
    let app = TestApp::spawn().await;
    let (books, team) = fixtures::books_of_team(&app, "East").await;
    let customer = fixtures::customer(&app, &books, "Shared Co").await;
    let contract = fixtures::signed(&app, &books, &customer, "500.00").await;
    let order = create_order(
        &app,
        &books.rep.token,
        json!({"contractId": contract, "amount": "100.00"}),
    )
    .await;
    let line = order["lines"][0]["id"].clone();
    let unsigned = fixtures::approved(&app, &books, &customer, "50.00").await;
    // The customer passes to a teammate: they see the contract and its orders through the
    // customer, but execute nothing (the contract stays its owner's).
    let teammate = app.a_user().in_team(&team).create().await;
    fixtures::pass_customer(&app, &books, &json!(customer), &teammate).await;
    let bystander = app.a_user().create().await;
    let read = "query($id: ID!) { order(id: $id) { number lines { amount } } }";
    let seen = app
        .gql(Some(&teammate.token), read, json!({"id": order["id"]}))
        .await;
    assert_eq!(seen["data"]["order"]["number"], order["number"], "{seen}");
    let writers: Vec<(&str, String)> = vec![
        ("owner", books.rep.token.clone()),
        ("manager", books.manager_token.clone()),
        ("finance", books.finance.token.clone()),
        ("admin", app.admin_token.clone()),
    ];
    let today = yesterday(&app);
    for (who, token) in &writers {
        let body = order_call(
            &app,
            token,
            "recordDelivery",
            json!({"orderId": order["id"], "lines": [{"lineId": line, "amount": "1.00"}], "deliveredOn": today}),
        )
        .await;
        assert!(body["errors"].is_null(), "{who}: {body}");
    }
    let attempts = |token: String| {
        let contract = contract.clone();
        let order = order.clone();
        let line = line.clone();
        let today = today.clone();
        let app = &app;
        async move {
            let mut answers = Vec::new();
            for (name, input) in [
                (
                    "createOrder",
                    json!({"contractId": contract, "amount": "1.00"}),
                ),
                (
                    "cancelOrder",
                    json!({"id": order["id"], "expectedVersion": 1, "reason": "x"}),
                ),
                (
                    "recordDelivery",
                    json!({"orderId": order["id"], "lines": [{"lineId": line, "amount": "1.00"}], "deliveredOn": today}),
                ),
            ] {
                let body = order_call(app, &token, name, input).await;
                answers.push((name, error_code(&body).map(str::to_owned)));
            }
            answers
        }
    };
    for (name, code) in attempts(teammate.token.clone()).await {
        assert_eq!(code.as_deref(), Some("FORBIDDEN"), "teammate {name}");
    }
    for (name, code) in attempts(bystander.token.clone()).await {
        assert_eq!(code.as_deref(), Some("NOT_FOUND"), "bystander {name}");
    }
    let hidden = app
        .gql(Some(&bystander.token), read, json!({"id": order["id"]}))
        .await;
    assert!(hidden["data"]["order"].is_null(), "{hidden}");
    let listed = app
        .gql(
            Some(&bystander.token),
            "{ orders(first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["data"]["orders"]["totalCount"], 0);
    let all = app
        .gql(
            Some(&books.finance.token),
            "{ orders(first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(all["data"]["orders"]["totalCount"], 1);
    // A contract not yet signed is not executed.
    let early = order_call(
        &app,
        &books.rep.token,
        "createOrder",
        json!({"contractId": unsigned}),
    )
    .await;
    assert_eq!(error_code(&early), Some("INVALID_STATE"), "{early}");
}

#[tokio::test]
async fn racing_orders_and_deliveries_never_go_beyond_the_contract_or_the_order() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let books = fixtures::books(&app).await;
    let customer = fixtures::customer(&app, &books, "Race Co").await;
    let contract = fixtures::signed(&app, &books, &customer, "1000.00").await;
    let rep = books.rep.token.clone();
    let finance: TestUser = books.finance.clone();
    // Six orders of 300.00 at once on 1000.00: three fit.
    let orders = futures_util::future::join_all((0..6).map(|i| {
        let token = if i % 2 == 0 {
            rep.clone()
        } else {
            finance.token.clone()
        };
        let contract = contract.clone();
        let app = &app;
        async move {
            order_call(
                app,
                &token,
                "createOrder",
                json!({"contractId": contract, "amount": "300.00"}),
            )
            .await
        }
    }))
    .await;
    let made: Vec<&Value> = orders.iter().filter(|b| b["errors"].is_null()).collect();
    assert_eq!(made.len(), 3, "{orders:?}");
    for refused in orders.iter().filter(|b| !b["errors"].is_null()) {
        assert_eq!(
            code_and_field(refused),
            (Some("BAD_USER_INPUT"), Some("input.amount")),
            "{refused}"
        );
    }
    // Eight deliveries of 100.00 at once on one 300.00 order: three land.
    let order = order_of(made[0], "createOrder");
    let line = order["lines"][0]["id"].clone();
    let today = yesterday(&app);
    let deliveries = futures_util::future::join_all((0..8).map(|i| {
        let token = if i % 2 == 0 { rep.clone() } else { finance.token.clone() };
        let input = json!({"orderId": order["id"], "lines": [{"lineId": line, "amount": "100.00"}], "deliveredOn": today});
        let app = &app;
        async move { order_call(app, &token, "recordDelivery", input).await }
    }))
    .await;
    let landed = deliveries.iter().filter(|b| b["errors"].is_null()).count();
    assert_eq!(landed, 3, "{deliveries:?}");
    let after = app
        .gql(
            Some(&rep),
            "query($id: ID!) { order(id: $id) { status deliveredAmount deliveries { id } } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(
        after["data"]["order"],
        json!({"status": "DELIVERED", "deliveredAmount": "300.00",
            "deliveries": after["data"]["order"]["deliveries"]}),
    );
    assert_eq!(
        after["data"]["order"]["deliveries"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

#[tokio::test]
async fn an_order_late_for_delivery_is_reported_once_to_the_owner_and_their_manager() {
    let app = TestApp::spawn_at("2026-12-05T10:00:00Z".parse().unwrap()).await;
    let books = fixtures::books(&app).await;
    let customer = fixtures::customer(&app, &books, "Late Co").await;
    let contract = fixtures::signed(&app, &books, &customer, "900.00").await;
    let rep = &books.rep.token;
    let mut orders = Vec::new();
    for planned in ["2026-12-06", "2026-12-06", "2026-12-06", "2026-12-09"] {
        orders.push(
            create_order(
                &app,
                rep,
                json!({"contractId": contract, "amount": "100.00", "plannedDeliveryDate": planned}),
            )
            .await,
        );
    }
    // One delivered in full, one cancelled: neither is late.
    let delivered = order_call(
        &app,
        rep,
        "recordDelivery",
        json!({"orderId": orders[1]["id"], "lines": [{"lineId": orders[1]["lines"][0]["id"], "amount": "100.00"}], "deliveredOn": "2026-12-05"}),
    )
    .await;
    assert!(delivered["errors"].is_null(), "{delivered}");
    let cancelled = order_call(
        &app,
        rep,
        "cancelOrder",
        json!({"id": orders[2]["id"], "expectedVersion": 1, "reason": "Not needed"}),
    )
    .await;
    assert!(cancelled["errors"].is_null(), "{cancelled}");
    // The sweep runs days later (tokens stay fresh: the API's clock does not move).
    let start = salesgraph::clock::Clock::now(&app.clock);
    let sweep = async |days: i64| {
        salesgraph::orders::late::report_late(&app.state, start + chrono::Duration::days(days))
            .await
            .unwrap()
    };
    // Three days after the planned day is not yet late (default: more than 3 days).
    assert_eq!(sweep(4).await.affected, 0);
    let report = sweep(5).await;
    assert_eq!((report.ran, report.affected), (true, 1));
    assert_eq!(sweep(5).await.affected, 0, "reported once");
    let late_notices = async |token: &str| {
        let body = app
            .gql(
                Some(token),
                "{ notifications(first: 20) { nodes { kind title } } }",
                json!({}),
            )
            .await;
        body["data"]["notifications"]["nodes"]
            .as_array()
            .map(|nodes| {
                nodes
                    .iter()
                    .filter(|n| n["kind"] == "DELIVERY_LATE")
                    .map(|n| n["title"].as_str().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let expected = vec![format!(
        "Delivery late: {}",
        orders[0]["number"].as_str().unwrap_or_default()
    )];
    assert_eq!(late_notices(rep).await, expected);
    assert_eq!(late_notices(&books.manager_token).await, expected);
    assert!(late_notices(&books.finance.token).await.is_empty());
    // The order planned three days later becomes late in its turn.
    assert_eq!(sweep(8).await.affected, 1);
}

#[tokio::test]
async fn orders_deliveries_and_execution_status_cost_the_same_statements_for_any_number_of_contracts()
 {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let customer = fixtures::customer(&app, &books, "Many Co").await;
    let today = yesterday(&app);
    let query = "{ contracts(first: 50) { nodes { number executionStatus { orderedAmount deliveredAmount paidAmount outstanding } \
        orders { number lines { amount deliveredAmount product { code } } deliveries { deliveredOn lines { amount line { id } } recordedBy { id } } } } } }";
    let mut costs = Vec::new();
    for round in 0..2 {
        // Round 0 leaves two contracts; round 1 adds four more.
        for _ in 0..(if round == 0 { 2 } else { 4 }) {
            let contract = fixtures::signed(&app, &books, &customer, "100.00").await;
            for amount in ["40.00", "60.00"] {
                let order = create_order(
                    &app,
                    &books.rep.token,
                    json!({"contractId": contract, "amount": amount}),
                )
                .await;
                let delivered = order_call(
                    &app,
                    &books.rep.token,
                    "recordDelivery",
                    json!({"orderId": order["id"], "lines": [{"lineId": order["lines"][0]["id"], "amount": "10.00"}], "deliveredOn": today}),
                )
                .await;
                assert!(delivered["errors"].is_null(), "{delivered}");
            }
        }
        let (cost, body) = app
            .cheapest_cost(Some(&books.finance.token), query, json!({}))
            .await;
        let nodes = body["data"]["contracts"]["nodes"].as_array().map(Vec::len);
        assert_eq!(nodes, Some(if round == 0 { 2 } else { 6 }), "{body}");
        assert_eq!(
            body["data"]["contracts"]["nodes"][0]["executionStatus"],
            json!({"orderedAmount": "100.00", "deliveredAmount": "20.00", "paidAmount": "0.00", "outstanding": "100.00"})
        );
        costs.push(cost);
    }
    assert_eq!(
        costs[0], costs[1],
        "statements do not grow with the contracts listed"
    );
}

#[tokio::test]
async fn oversized_and_malformed_order_inputs_are_refused_with_their_field() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let customer = fixtures::customer(&app, &books, "Hostile Co").await;
    let contract = fixtures::signed(&app, &books, &customer, "500.00").await;
    let rep = &books.rep.token;
    let order = create_order(
        &app,
        rep,
        json!({"contractId": contract, "amount": "100.00"}),
    )
    .await;
    let line = order["lines"][0]["id"].clone();
    let product = product_in_line(&app, "Any", "10", "X", "1.00", "0.50").await;
    let many_products: Vec<Value> = (0..201)
        .map(|_| json!({"productId": product, "quantity": "1"}))
        .collect();
    let many_lines: Vec<Value> = (0..201)
        .map(|_| json!({"lineId": line, "amount": "0.01"}))
        .collect();
    let today = yesterday(&app);
    let cases = [
        (
            "createOrder",
            json!({"contractId": contract, "lines": many_products}),
            "input.lines",
        ),
        (
            "createOrder",
            json!({"contractId": contract, "amount": "99999999999999999999.99"}),
            "input.amount",
        ),
        (
            "recordDelivery",
            json!({"orderId": order["id"], "lines": many_lines, "deliveredOn": today}),
            "input.lines",
        ),
        (
            "recordDelivery",
            json!({"orderId": order["id"], "lines": [{"lineId": line, "amount": "-1.00"}], "deliveredOn": today}),
            "input.lines.0.amount",
        ),
        (
            "recordDelivery",
            json!({"orderId": order["id"], "lines": [{"lineId": line, "amount": "1.00"}], "deliveredOn": today, "note": "a\u{0}b"}),
            "input.note",
        ),
        (
            "recordDelivery",
            json!({"orderId": order["id"], "lines": [{"lineId": "not an id", "amount": "1.00"}], "deliveredOn": today}),
            "input.lines.0.lineId",
        ),
        (
            "cancelOrder",
            json!({"id": order["id"], "expectedVersion": 1, "reason": "x".repeat(1_001)}),
            "input.reason",
        ),
        (
            "cancelOrder",
            json!({"id": order["id"], "expectedVersion": 1, "reason": "   "}),
            "input.reason",
        ),
    ];
    for (name, input, field) in cases {
        let body = order_call(&app, rep, name, input).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{name}: {body}"
        );
    }
    // Nothing was written by any of them.
    let after = app
        .gql(
            Some(rep),
            "query($id: ID!) { contract(id: $id) { orders { status deliveredAmount version } } }",
            json!({"id": contract}),
        )
        .await;
    assert_eq!(
        after["data"]["contract"]["orders"],
        json!([{"status": "OPEN", "deliveredAmount": "0.00", "version": 1}])
    );
    // A status filter repeated thousands of times reads like the statuses it names.
    let statuses: Vec<&str> = ["OPEN", "CANCELLED"].repeat(10_000);
    let listed = app
        .gql(
            Some(rep),
            "query($s: [OrderStatus!]) { orders(first: 5, filter: {statuses: $s}) { totalCount } }",
            json!({"s": statuses}),
        )
        .await;
    assert_eq!(listed["data"]["orders"]["totalCount"], 1, "{listed}");
}

fn cents(value: &Value) -> i64 {
    value
        .as_str()
        .and_then(|text| text.parse::<rust_decimal::Decimal>().ok())
        .and_then(|d| i64::try_from((d * rust_decimal::Decimal::ONE_HUNDRED).round()).ok())
        .unwrap_or_else(|| panic!("not money: {value}"))
}

fn money_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Random sequences of orders, cancellations, deliveries (some asking too much) and
/// completion attempts, replayed from fixed seeds: after every step no contract is ordered
/// beyond its amount, no order delivered beyond its own, every status says what its lines
/// say, and the execution status adds up.
#[tokio::test]
async fn random_execution_sequences_never_break_the_invariants() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    for seed in [3_u64, 2_027, 55_555] {
        let app = TestApp::spawn().await;
        let books = fixtures::books(&app).await;
        let customer = fixtures::customer(&app, &books, "Random Co").await;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut contracts = Vec::new();
        for _ in 0..2 {
            let amount = money_text(rng.random_range(1_000..500_000_i64));
            contracts.push(fixtures::signed(&app, &books, &customer, &amount).await);
        }
        let today = yesterday(&app);
        let rep = books.rep.token.clone();
        let read = "query($id: ID!) { contract(id: $id) { status amount version executionStatus { orderedAmount deliveredAmount } \
            orders { id status amount deliveredAmount version lines { id amount deliveredAmount } deliveries { lines { amount } } } } }";
        for step in 0..25 {
            let contract = contracts[rng.random_range(0..contracts.len())].clone();
            let view = app.gql(Some(&rep), read, json!({"id": contract})).await;
            let current = view["data"]["contract"].clone();
            let orders = current["orders"].as_array().cloned().unwrap_or_default();
            let open: Vec<&Value> = orders
                .iter()
                .filter(|o| o["status"] == "OPEN" || o["status"] == "PARTIALLY_DELIVERED")
                .collect();
            let what = match rng.random_range(0..10) {
                0..=3 => {
                    let ordered = cents(&current["executionStatus"]["orderedAmount"]);
                    let room = cents(&current["amount"]) - ordered;
                    // Sometimes more than remains: refused, nothing written.
                    let ask = rng.random_range(1..=room.max(1) + 500);
                    let body = order_call(
                        &app,
                        &rep,
                        "createOrder",
                        json!({"contractId": contract, "amount": money_text(ask)}),
                    )
                    .await;
                    let fits = ask <= room && current["status"] == "SIGNED";
                    assert_eq!(
                        body["errors"].is_null(),
                        fits,
                        "seed {seed} step {step}: {body}"
                    );
                    "order"
                }
                4 if !open.is_empty() => {
                    let order = open[rng.random_range(0..open.len())];
                    let body = order_call(&app, &rep, "cancelOrder",
                        json!({"id": order["id"], "expectedVersion": order["version"], "reason": "Random"})).await;
                    let cancellable = order["status"] == "OPEN";
                    assert_eq!(
                        body["errors"].is_null(),
                        cancellable,
                        "seed {seed} step {step}: {body}"
                    );
                    "cancel"
                }
                5..=8 if !open.is_empty() => {
                    let order = open[rng.random_range(0..open.len())];
                    let line = &order["lines"][0];
                    let left = cents(&line["amount"]) - cents(&line["deliveredAmount"]);
                    let ask = rng.random_range(1..=left.max(1) + 200);
                    let body = order_call(&app, &rep, "recordDelivery",
                        json!({"orderId": order["id"], "lines": [{"lineId": line["id"], "amount": money_text(ask)}], "deliveredOn": today})).await;
                    assert_eq!(
                        body["errors"].is_null(),
                        ask <= left,
                        "seed {seed} step {step}: {body}"
                    );
                    "deliver"
                }
                _ => {
                    let body = app
                        .gql(
                            Some(&rep),
                            "mutation($input: CompleteContractInput!) { completeContract(input: $input) { contract { status } } }",
                            json!({"input": {"id": contract, "expectedVersion": current["version"]}}),
                        )
                        .await;
                    let ready = current["status"] == "SIGNED" && open.is_empty();
                    assert_eq!(
                        body["errors"].is_null(),
                        ready,
                        "seed {seed} step {step}: {body}"
                    );
                    "complete"
                }
            };
            // The invariants, on every contract.
            for id in &contracts {
                let view = app.gql(Some(&rep), read, json!({"id": id})).await;
                let c = &view["data"]["contract"];
                let mut active = 0;
                let mut delivered_total = 0;
                for order in c["orders"].as_array().cloned().unwrap_or_default() {
                    let amount = cents(&order["amount"]);
                    let delivered = cents(&order["deliveredAmount"]);
                    let by_batches: i64 = order["deliveries"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|d| d["lines"].as_array().cloned().unwrap_or_default())
                        .map(|l| cents(&l["amount"]))
                        .sum();
                    assert_eq!(
                        by_batches, delivered,
                        "seed {seed} step {step} ({what}): {order}"
                    );
                    assert!(
                        delivered <= amount,
                        "seed {seed} step {step} ({what}): {order}"
                    );
                    let expected = match (order["status"].as_str(), delivered) {
                        (Some("CANCELLED"), 0) => "CANCELLED",
                        (_, 0) => "OPEN",
                        (_, d) if d == amount => "DELIVERED",
                        _ => "PARTIALLY_DELIVERED",
                    };
                    assert_eq!(
                        order["status"], expected,
                        "seed {seed} step {step} ({what}): {order}"
                    );
                    if expected != "CANCELLED" {
                        active += amount;
                        delivered_total += delivered;
                    }
                }
                assert!(
                    active <= cents(&c["amount"]),
                    "seed {seed} step {step} ({what}): {c}"
                );
                assert_eq!(cents(&c["executionStatus"]["orderedAmount"]), active);
                assert_eq!(
                    cents(&c["executionStatus"]["deliveredAmount"]),
                    delivered_total
                );
            }
        }
    }
}
