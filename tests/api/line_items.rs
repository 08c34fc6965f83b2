//! Line items on deals: exact amounts per line and in sum, prices from the deal's price book,
//! margins only for those who may see cost, and only who may change a deal sets its lines.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, code_and_field, error_code, missing_id};
use crate::price_books::{a_book, a_product, set_entries};

const SET: &str = "mutation($input: SetOpportunityLineItemsInput!) { setOpportunityLineItems(input: $input) { opportunity { id version amount weightedAmount priceBook { name } lineItems { position quantity unitPrice bookPrice discountPercent amount product { code } } } } }";
const DEAL: &str = "query($id: ID!) { opportunity(id: $id) { version amount splits { creditedAmount } margin { revenue cost amount rate } lineItems { quantity amount product { code } } } }";
const CREATE: &str = "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }";

async fn a_deal(app: &TestApp, owner: &TestUser) -> String {
    let customer = crate::fixtures::a_customer(app, &owner.token, "客户 A").await;
    let body = app
        .gql(
            Some(&owner.token),
            CREATE,
            json!({"input": {"customerId": customer, "name": "Pumps for plant 2", "amount": "1000", "expectedCloseDate": "2026-12-31"}}),
        )
        .await;
    body["data"]["createOpportunity"]["opportunity"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn set(app: &TestApp, token: &str, id: &str, version: i64, items: Value) -> Value {
    app.gql(
        Some(token),
        SET,
        json!({"input": {"id": id, "expectedVersion": version, "items": items}}),
    )
    .await
}

async fn deal(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.gql(Some(token), DEAL, json!({"id": id})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["opportunity"].clone()
}

#[tokio::test]
async fn line_items_price_a_deal_exactly_and_margins_stay_with_those_who_see_cost() {
    let app = TestApp::spawn().await;
    let a = a_product(&app, "A", "33.33", Some("20.00")).await;
    let b = a_product(&app, "B", "8.00", Some("5.12")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let id = a_deal(&app, &rep).await;
    let body = set(
        &app,
        &rep.token,
        &id,
        1,
        json!([
            {"productId": a, "quantity": "3", "discountPercent": "10"},
            {"productId": b, "quantity": "1.333", "unitPrice": "7.50", "discountPercent": "12.5"},
        ]),
    )
    .await;
    let got = &body["data"]["setOpportunityLineItems"]["opportunity"];
    // 3 × 33.33 × 0.9 = 89.991 → 89.99; 1.333 × 7.50 × 0.875 = 8.7478125 → 8.75.
    assert_eq!(
        got["lineItems"],
        json!([
            {"position": 0, "quantity": "3", "unitPrice": "33.33", "bookPrice": "33.33", "discountPercent": "10", "amount": "89.99", "product": {"code": "A"}},
            {"position": 1, "quantity": "1.333", "unitPrice": "7.50", "bookPrice": "8.00", "discountPercent": "12.5", "amount": "8.75", "product": {"code": "B"}},
        ]),
        "{body}"
    );
    assert_eq!(
        (
            &got["amount"],
            &got["weightedAmount"],
            &got["version"],
            &got["priceBook"]["name"]
        ),
        (
            &json!("98.74"),
            &json!("9.87"),
            &json!(2),
            &json!("Standard")
        ),
        "{body}"
    );
    // Splits credit the derived amount; the rep sees no margin, the manager and finance do.
    let seen = deal(&app, &rep.token, &id).await;
    assert_eq!(seen["splits"], json!([{"creditedAmount": "98.74"}]));
    assert_eq!(seen["margin"], Value::Null);
    let finance = app.a_user().role("FINANCE").create().await;
    // cost: 3 × 20.00 = 60.00; 1.333 × 5.12 = 6.82496 → 6.82; 98.74 − 66.82 = 31.92.
    let margin = json!({"revenue": "98.74", "cost": "66.82", "amount": "31.92", "rate": "0.3233"});
    for token in [&finance.token, &app.admin_token] {
        assert_eq!(deal(&app, token, &id).await["margin"], margin);
    }
    assert_eq!(deal(&app, &manager.token, &id).await["margin"], margin);
    // The amount is the lines' to set while there are lines.
    let update = app
        .gql(
            Some(&rep.token),
            "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) { opportunity { amount } } }",
            json!({"input": {"id": id, "expectedVersion": 2, "amount": "5"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&update),
        (Some("BAD_USER_INPUT"), Some("input.amount")),
        "{update}"
    );
    // Without lines the deal keeps its last amount as a plain one, which may change again.
    let cleared = set(&app, &rep.token, &id, 2, json!([])).await;
    let cleared = &cleared["data"]["setOpportunityLineItems"]["opportunity"];
    assert_eq!(
        (&cleared["amount"], &cleared["lineItems"]),
        (&json!("98.74"), &json!([]))
    );
    let update = app
        .gql(
            Some(&rep.token),
            "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) { opportunity { amount } } }",
            json!({"input": {"id": id, "expectedVersion": 3, "amount": "5"}}),
        )
        .await;
    assert_eq!(
        update["data"]["updateOpportunity"]["opportunity"]["amount"], "5.00",
        "{update}"
    );
    assert_eq!(
        deal(&app, &app.admin_token, &id).await["margin"],
        Value::Null
    );
}

#[tokio::test]
async fn lines_are_priced_from_the_deals_book_and_bad_lines_write_nothing() {
    let app = TestApp::spawn().await;
    let a = a_product(&app, "A", "40.00", None).await;
    let b = a_product(&app, "B", "10.00", None).await;
    let east = a_book(&app, "East region").await;
    let priced = set_entries(
        &app,
        &east,
        1,
        json!([{"productId": a, "unitPrice": "30.00"}]),
    )
    .await;
    assert!(priced["errors"].is_null(), "{priced}");
    let rep = app.a_user().create().await;
    let id = a_deal(&app, &rep).await;
    let body = app
        .gql(
            Some(&rep.token),
            SET,
            json!({"input": {"id": id, "expectedVersion": 1, "priceBookId": east, "items": [{"productId": a, "quantity": "2"}]}}),
        )
        .await;
    let got = &body["data"]["setOpportunityLineItems"]["opportunity"];
    assert_eq!(
        (
            &got["amount"],
            &got["priceBook"]["name"],
            &got["lineItems"][0]["unitPrice"]
        ),
        (&json!("60.00"), &json!("East region"), &json!("30.00")),
        "{body}"
    );
    // B is not in the deal's book now.
    let cases = [
        (
            json!([{"productId": b, "quantity": "1"}]),
            "BAD_USER_INPUT",
            "input.items.0.productId",
        ),
        (
            json!([{"productId": missing_id("Product"), "quantity": "1"}]),
            "NOT_FOUND",
            "input.items.0.productId",
        ),
        (
            json!([{"productId": a, "quantity": "0"}]),
            "BAD_USER_INPUT",
            "input.items.0.quantity",
        ),
        (
            json!([{"productId": a, "quantity": "-2"}]),
            "BAD_USER_INPUT",
            "input.items.0.quantity",
        ),
        (
            json!([{"productId": a, "quantity": "1.0001"}]),
            "BAD_USER_INPUT",
            "input.items.0.quantity",
        ),
        (
            json!([{"productId": a, "quantity": "1", "unitPrice": "1.001"}]),
            "BAD_USER_INPUT",
            "input.items.0.unitPrice",
        ),
        (
            json!([{"productId": a, "quantity": "1", "discountPercent": "100.01"}]),
            "BAD_USER_INPUT",
            "input.items.0.discountPercent",
        ),
        (
            json!([{"productId": a, "quantity": "1", "discountPercent": "-1"}]),
            "BAD_USER_INPUT",
            "input.items.0.discountPercent",
        ),
        (
            json!([{"productId": a, "quantity": "1000000000", "unitPrice": "999999999"}]),
            "BAD_USER_INPUT",
            "input.items.0.quantity",
        ),
    ];
    for (items, code, field) in cases {
        let body = set(&app, &rep.token, &id, 2, items.clone()).await;
        assert_eq!(
            code_and_field(&body),
            (Some(code), Some(field)),
            "{items}: {body}"
        );
    }
    let many: Vec<Value> = (0..201)
        .map(|_| json!({"productId": a, "quantity": "1"}))
        .collect();
    let body = set(&app, &rep.token, &id, 2, json!(many)).await;
    assert_eq!(
        code_and_field(&body),
        (Some("BAD_USER_INPUT"), Some("input.items"))
    );
    let after = deal(&app, &rep.token, &id).await;
    assert_eq!(
        (&after["version"], &after["amount"]),
        (&json!(2), &json!("60.00")),
        "nothing half-written"
    );
    // An archived product stays on the deal that has it and joins no other.
    let archived = app
        .admin("mutation($id: ID!) { archiveProduct(input: {id: $id, expectedVersion: 1}) { product { active } } }", json!({"id": a}))
        .await;
    assert!(archived["errors"].is_null(), "{archived}");
    let kept = set(
        &app,
        &rep.token,
        &id,
        2,
        json!([{"productId": a, "quantity": "3"}]),
    )
    .await;
    assert_eq!(
        kept["data"]["setOpportunityLineItems"]["opportunity"]["amount"], "90.00",
        "{kept}"
    );
    let other = a_deal(&app, &rep).await;
    let refused = app
        .gql(
            Some(&rep.token),
            SET,
            json!({"input": {"id": other, "expectedVersion": 1, "priceBookId": east, "items": [{"productId": a, "quantity": "1"}]}}),
        )
        .await;
    assert_eq!(
        code_and_field(&refused),
        (Some("BAD_USER_INPUT"), Some("input.items.0.productId"))
    );
    // An archived book is kept by the deal using it and taken by no other.
    let off = app
        .admin("mutation($id: ID!) { archivePriceBook(input: {id: $id, expectedVersion: 2}) { priceBook { active } } }", json!({"id": east}))
        .await;
    assert!(off["errors"].is_null(), "{off}");
    let refused = app
        .gql(
            Some(&rep.token),
            SET,
            json!({"input": {"id": other, "expectedVersion": 1, "priceBookId": east, "items": []}}),
        )
        .await;
    assert_eq!(
        code_and_field(&refused),
        (Some("BAD_USER_INPUT"), Some("input.priceBookId"))
    );
    let still = set(
        &app,
        &rep.token,
        &id,
        3,
        json!([{"productId": a, "quantity": "1"}]),
    )
    .await;
    assert_eq!(
        still["data"]["setOpportunityLineItems"]["opportunity"]["amount"], "30.00",
        "{still}"
    );
}

#[tokio::test]
async fn only_who_may_change_a_deal_sets_its_lines_once_per_retry() {
    let app = TestApp::spawn().await;
    let a = a_product(&app, "A", "10.00", None).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let owner = app.a_user().in_team(&team).create().await;
    let partner = app.a_user().create().await;
    let bystander = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let id = a_deal(&app, &owner).await;
    let split = app
        .gql(
            Some(&owner.token),
            "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version } } }",
            json!({"input": {"id": id, "expectedVersion": 1, "splits": [{"userId": owner.id, "percent": "50"}, {"userId": partner.id, "percent": "50"}]}}),
        )
        .await;
    assert!(split["errors"].is_null(), "{split}");
    let line = json!([{"productId": a, "quantity": "1"}]);
    // Seeing is not changing: the split partner and finance see the deal, may not set lines.
    for (who, token) in [("partner", &partner.token), ("finance", &finance.token)] {
        assert_eq!(
            deal(&app, token, &id).await["version"],
            2,
            "{who} sees the deal"
        );
        let body = set(&app, token, &id, 2, line.clone()).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{who}: {body}");
    }
    // Who cannot see the deal is answered as for a missing one.
    let hidden = set(&app, &bystander.token, &id, 2, line.clone()).await;
    let missing = set(
        &app,
        &bystander.token,
        &missing_id("Opportunity"),
        2,
        line.clone(),
    )
    .await;
    let without_request_id = |body: &Value| {
        let mut errors = body["errors"].clone();
        errors[0]["extensions"]["requestId"].take();
        errors
    };
    assert_eq!(without_request_id(&hidden), without_request_id(&missing));
    assert_eq!(
        code_and_field(&hidden),
        (Some("NOT_FOUND"), Some("input.id"))
    );
    // The owner, their manager and an admin may.
    let mut version = 2;
    for (who, token) in [
        ("owner", &owner.token),
        ("manager", &manager.token),
        ("admin", &app.admin_token),
    ] {
        let body = set(&app, token, &id, version, line.clone()).await;
        assert!(body["errors"].is_null(), "{who}: {body}");
        version += 1;
    }
    // A stale version is a conflict; a retry with the same key changes the deal once.
    let stale = set(&app, &owner.token, &id, 2, line.clone()).await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    let keyed = json!({"input": {"id": id, "expectedVersion": version, "items": [{"productId": a, "quantity": "4"}], "idempotencyKey": "lines-1"}});
    let first = app.gql(Some(&owner.token), SET, keyed.clone()).await;
    let retry = app.gql(Some(&owner.token), SET, keyed).await;
    assert_eq!(first["data"], retry["data"]);
    assert_eq!(deal(&app, &owner.token, &id).await["version"], version + 1);
    // A closed deal's lines are read-only.
    let won = app
        .gql(
            Some(&owner.token),
            "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { version status } } }",
            json!({"input": {"id": id, "expectedVersion": version + 1, "reasonId": crate::helpers::WIN_REASON}}),
        )
        .await;
    assert_eq!(
        won["data"]["winOpportunity"]["opportunity"]["status"], "WON",
        "{won}"
    );
    let closed = set(&app, &owner.token, &id, version + 2, line).await;
    assert_eq!(error_code(&closed), Some("INVALID_STATE"), "{closed}");
}

#[tokio::test]
async fn a_list_of_deals_with_their_lines_costs_the_same_whatever_the_page_size() {
    let app = TestApp::spawn().await;
    let a = a_product(&app, "A", "10.00", Some("4.00")).await;
    let b = a_product(&app, "B", "12.00", Some("5.00")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    for _ in 0..8 {
        let id = a_deal(&app, &rep).await;
        let body = set(
            &app,
            &rep.token,
            &id,
            1,
            json!([{"productId": a, "quantity": "2"}, {"productId": b, "quantity": "1"}]),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let query = "query($n: Int!) { opportunities(first: $n) { nodes { amount priceBook { name } margin { amount } lineItems { amount product { code productLine { name } price } } } } }";
    let (small_cost, small) = app
        .cheapest_cost(Some(&manager.token), query, json!({"n": 2}))
        .await;
    let (large_cost, large) = app
        .cheapest_cost(Some(&manager.token), query, json!({"n": 8}))
        .await;
    assert!(small["errors"].is_null(), "{small}");
    let nodes = large["data"]["opportunities"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 8);
    assert!(
        nodes
            .iter()
            .all(|n| n["amount"] == "32.00" && n["margin"]["amount"] == "19.00"),
        "{large}"
    );
    assert_eq!(small_cost, large_cost);
}
