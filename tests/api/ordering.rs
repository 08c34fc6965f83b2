//! `orderBy` on the main lists: every ordering pages with stable keyset cursors — forward and
//! backward, ties broken by creation (in the list's direction), nothing skipped or repeated — and a cursor from another
//! ordering is refused.

use std::cmp::Ordering;

use chrono::Duration;
use serde_json::{Value, json};

use crate::fixtures;
use crate::helpers::*;

/// A list walked forward and backward, each node as `(id, value)`.
type Walk = (Vec<(String, String)>, Vec<(String, String)>);

/// Every node of `list` in `order`, paged `size` at a time forward, then backward; each node
/// as `(id, value of field)`.
async fn walk(
    app: &TestApp,
    token: &str,
    list: &str,
    order: Value,
    field: &str,
    size: i64,
) -> Walk {
    let forward = format!(
        "query($o: {}Order, $after: String) {{ {list}(orderBy: $o, first: {size}, after: $after) \
         {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id {field} }} }} }}",
        order_type(list)
    );
    let backward = format!(
        "query($o: {}Order, $before: String) {{ {list}(orderBy: $o, last: {size}, before: $before) \
         {{ pageInfo {{ hasPreviousPage startCursor }} nodes {{ id {field} }} }} }}",
        order_type(list)
    );
    let row = |n: &Value| {
        let value = match &n[field] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        (n["id"].as_str().unwrap_or_default().to_owned(), value)
    };
    let mut ahead = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql(Some(token), &forward, json!({"o": order, "after": after}))
            .await;
        let page = &body["data"][list];
        let nodes = page["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
        ahead.extend(nodes.iter().map(row));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let mut behind = Vec::new();
    let mut before = Value::Null;
    loop {
        let body = app
            .gql(
                Some(token),
                &backward,
                json!({"o": order, "before": before}),
            )
            .await;
        let page = &body["data"][list];
        let nodes = page["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
        let mut rows: Vec<_> = nodes.iter().map(row).collect();
        rows.extend(behind);
        behind = rows;
        if page["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    (ahead, behind)
}

fn order_type(list: &str) -> &'static str {
    match list {
        "opportunities" => "Opportunity",
        "customers" => "Customer",
        "contracts" => "Contract",
        "visitTasks" => "Visit",
        "invoices" => "Invoice",
        "payments" => "Payment",
        other => panic!("no order for {other}"),
    }
}

/// Compares two values as numbers when both are, else as text (dates and times in one format).
fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

/// Asserts one walk: all `expected` ids once each, values in order, backward equal to forward.
fn assert_ordered(what: &str, (ahead, behind): &Walk, expected: &[String], descending: bool) {
    let mut seen: Vec<&String> = ahead.iter().map(|(id, _)| id).collect();
    seen.sort();
    let mut want: Vec<&String> = expected.iter().collect();
    want.sort();
    assert_eq!(seen, want, "{what}: every record once");
    for pair in ahead.windows(2) {
        let order = compare(&pair[0].1, &pair[1].1);
        let wrong = if descending {
            Ordering::Less
        } else {
            Ordering::Greater
        };
        assert_ne!(order, wrong, "{what}: {:?} then {:?}", pair[0], pair[1]);
    }
    assert_eq!(
        ahead, behind,
        "{what}: paging backward meets the same order"
    );
}

#[tokio::test]
async fn every_ordering_pages_completely_both_ways_with_ties_broken_by_creation() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let rep = books.rep.clone();
    let customer = fixtures::customer(&app, &books, "Order Co").await;
    let mut deals = Vec::new();
    let mut visits = Vec::new();
    let start = salesgraph::clock::Clock::now(&app.clock) + Duration::days(1);
    for (i, (amount, close)) in [
        ("300.00", "2027-03-01"),
        ("100.00", "2027-01-15"),
        ("300.00", "2027-02-01"),
        ("50.00", "2027-01-15"),
        ("300.00", "2027-05-30"),
    ]
    .into_iter()
    .enumerate()
    {
        let body = app
            .gql(Some(&rep.token), "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
                json!({"input": {"customerId": customer, "name": format!("Deal {i}"), "amount": amount, "expectedCloseDate": close}}))
            .await;
        deals.push(
            body["data"]["createOpportunity"]["opportunity"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
        let at = start + Duration::hours([5, 1, 3, 1, 2][i]);
        let body = app
            .gql(Some(&rep.token), "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
                json!({"input": {"customerId": customer, "purpose": "Order", "plannedStart": at, "plannedEnd": at + Duration::minutes(30)}}))
            .await;
        visits.push(
            body["data"]["planVisit"]["visit"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
        app.clock.advance(Duration::seconds(1));
    }
    // Changed out of creation order, so UPDATED_AT differs from CREATED_AT.
    let rename = "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) { opportunity { id } } }";
    for id in [&deals[1], &deals[3]] {
        app.gql(
            Some(&rep.token),
            rename,
            json!({"input": {"id": id, "expectedVersion": 1, "name": "Renamed"}}),
        )
        .await;
        app.clock.advance(Duration::seconds(1));
    }
    let token = app.token_for(&rep).await;

    for (field, value, descending) in [
        ("AMOUNT", "amount", true),
        ("AMOUNT", "amount", false),
        ("EXPECTED_CLOSE_DATE", "expectedCloseDate", false),
        ("UPDATED_AT", "updatedAt", true),
        ("CREATED_AT", "createdAt", false),
    ] {
        let order = json!({"field": field, "direction": if descending { "DESC" } else { "ASC" }});
        let walked = walk(&app, &token, "opportunities", order, value, 2).await;
        assert_ordered(&format!("deals by {field}"), &walked, &deals, descending);
        if field == "AMOUNT" && descending {
            let ties: Vec<&String> = walked.0.iter().take(3).map(|(id, _)| id).collect();
            assert_eq!(
                ties,
                vec![&deals[4], &deals[2], &deals[0]],
                "equal amounts newest first, as the direction goes"
            );
        }
    }
    let by_start = walk(
        &app,
        &token,
        "visitTasks",
        json!({"field": "PLANNED_START", "direction": "ASC"}),
        "plannedStart",
        2,
    )
    .await;
    assert_ordered("visits by planned start", &by_start, &visits, false);
    let by_update = walk(
        &app,
        &token,
        "customers",
        json!({"field": "UPDATED_AT", "direction": "DESC"}),
        "updatedAt",
        1,
    )
    .await;
    assert_ordered(
        "customers by change",
        &by_update,
        std::slice::from_ref(&customer),
        true,
    );
    let mut customers = vec![customer.clone()];
    for name in ["beta", "Alpha", "alpha", "Gamma", "delta, Inc."] {
        customers.push(fixtures::a_customer(&app, &token, name).await);
    }
    let (ahead, behind) = walk(
        &app,
        &token,
        "customers",
        json!({"field": "NAME", "direction": "ASC"}),
        "name",
        2,
    )
    .await;
    // Names compare without case, punctuation or legal suffixes.
    let folded = |rows: Vec<(String, String)>| -> Vec<(String, String)> {
        rows.into_iter()
            .map(|(id, name)| (id, name.to_lowercase().replace(", inc.", "")))
            .collect()
    };
    let by_name = (folded(ahead), folded(behind));
    assert_ordered("customers by name", &by_name, &customers, false);
    let names: Vec<&str> = by_name.0.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        ["alpha", "alpha", "beta", "delta", "gamma", "order co"]
    );
    assert_eq!(
        (&by_name.0[0].0, &by_name.0[1].0),
        (&customers[2], &customers[3]),
        "equal names in creation order"
    );

    // A cursor continues the ordering it came from.
    let first = app
        .gql(Some(&token), "{ opportunities(orderBy: {field: AMOUNT, direction: DESC}, first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let cursor = first["data"]["opportunities"]["pageInfo"]["endCursor"].clone();
    let mixed = app
        .gql(
            Some(&token),
            "query($after: String) { opportunities(first: 1, after: $after) { nodes { id } } }",
            json!({"after": cursor}),
        )
        .await;
    assert_eq!(
        (error_code(&mixed), error_field(&mixed)),
        (Some("BAD_USER_INPUT"), Some("after")),
        "{mixed}"
    );
    // Text and number cursors are not interchangeable, and a forged one is refused alike.
    let by_name = app
        .gql(Some(&token), "{ customers(orderBy: {field: NAME, direction: ASC}, first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let text_cursor = by_name["data"]["customers"]["pageInfo"]["endCursor"].clone();
    let by_change = app
        .gql(Some(&token), "{ customers(orderBy: {field: UPDATED_AT, direction: ASC}, first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let number_cursor = by_change["data"]["customers"]["pageInfo"]["endCursor"].clone();
    let forged = {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let id = uuid::Uuid::now_v7();
        [
            engine.encode(format!("cursor:{id}:t:not base64 at all")),
            engine.encode(format!("cursor:{id}:t:{}", engine.encode([0xff, 0xfe]))),
            engine.encode(format!("cursor:{id}:{}", "9".repeat(40))),
        ]
    };
    let mut attempts = vec![("UPDATED_AT", text_cursor), ("NAME", number_cursor)];
    attempts.extend(forged.into_iter().map(|c| ("NAME", json!(c))));
    for (field, cursor) in attempts {
        let body = app
            .gql(
                Some(&token),
                "query($o: CustomerOrder, $before: String) { customers(orderBy: $o, last: 1, before: $before) { nodes { id } } }",
                json!({"o": {"field": field, "direction": "ASC"}, "before": cursor}),
            )
            .await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some("before")),
            "{field} with {cursor}: {body}"
        );
    }
}

#[tokio::test]
async fn contracts_invoices_and_payments_order_by_amount_and_date() {
    let app = TestApp::spawn().await;
    let books = fixtures::books(&app).await;
    let customer = fixtures::customer(&app, &books, "Billing Order Co").await;
    let mut contracts = Vec::new();
    for amount in ["900.00", "100.00", "500.00"] {
        contracts.push(fixtures::approved(&app, &books, &customer, amount).await);
    }
    let finance = books.finance.token.clone();
    let plan = fixtures::set_plan(
        &app,
        &finance,
        &contracts[0],
        json!([
            {"dueDate": "2027-01-31", "amount": "300.00"},
            {"dueDate": "2027-02-28", "amount": "300.00"},
            {"dueDate": "2027-03-31", "amount": "300.00"},
        ]),
    )
    .await;
    let mut invoices = Vec::new();
    let due = ["2027-04-30", "2027-01-31", "2027-02-28"];
    for (installment, due) in fixtures::installments(&plan).into_iter().zip(due) {
        let body = app
            .gql(Some(&finance), "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } } }",
                json!({"input": {"contractId": contracts[0], "installmentId": installment["id"], "amount": "300.00",
                    "issueDate": "2026-12-01", "dueDate": due, "taxRate": "0"}}))
            .await;
        invoices.push(
            body["data"]["issueInvoice"]["invoice"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
    }
    let mut payments = Vec::new();
    for amount in ["20.00", "70.00", "20.00", "5.00"] {
        let paid = fixtures::pay(
            &app,
            &finance,
            json!({"customerId": customer, "amount": amount}),
        )
        .await;
        payments.push(
            fixtures::payment_of(&paid)["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }

    let walked = walk(
        &app,
        &finance,
        "contracts",
        json!({"field": "AMOUNT", "direction": "ASC"}),
        "amount",
        2,
    )
    .await;
    assert_ordered("contracts by amount", &walked, &contracts, false);
    let walked = walk(
        &app,
        &finance,
        "invoices",
        json!({"field": "DUE_DATE", "direction": "ASC"}),
        "dueDate",
        2,
    )
    .await;
    assert_ordered("invoices by due date", &walked, &invoices, false);
    let walked = walk(
        &app,
        &finance,
        "payments",
        json!({"field": "AMOUNT", "direction": "DESC"}),
        "amount",
        3,
    )
    .await;
    assert_ordered("payments by amount", &walked, &payments, true);
}
