//! Price books: the standard book is the list prices; others price products per period, are
//! written by admins only and read by everyone; a price is looked up by (book, product, day).

use serde_json::{Value, json};

use crate::helpers::{TestApp, code_and_field, error_code};

pub const CREATE_PRODUCT: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id version } } }";
pub const CREATE_BOOK: &str = "mutation($input: CreatePriceBookInput!) { createPriceBook(input: $input) { priceBook { id name standard active version } } }";
pub const SET_ENTRIES: &str = "mutation($input: SetPriceBookEntriesInput!) { setPriceBookEntries(input: $input) { priceBook { id version updatedAt } } }";
const UPDATE_BOOK: &str = "mutation($input: UpdatePriceBookInput!) { updatePriceBook(input: $input) { priceBook { id name description active version } } }";
const ARCHIVE_BOOK: &str = "mutation($input: ArchivePriceBookInput!) { archivePriceBook(input: $input) { priceBook { id active version } } }";
const ENTRIES: &str = "query($book: ID!, $product: ID) { priceBookEntries(priceBookId: $book, productId: $product, first: 50) { totalCount nodes { unitPrice validFrom validUntil product { code } priceBook { name } } } }";

/// A product made by the admin; its id.
pub async fn a_product(app: &TestApp, code: &str, list: &str, cost: Option<&str>) -> String {
    let mut input = json!({"code": code, "name": format!("产品 {code}"), "listPrice": list});
    if let Some(cost) = cost {
        input["costPrice"] = json!(cost);
    }
    let body = app.admin(CREATE_PRODUCT, json!({"input": input})).await;
    body["data"]["createProduct"]["product"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// A price book made by the admin; its id.
pub async fn a_book(app: &TestApp, name: &str) -> String {
    let body = app
        .admin(CREATE_BOOK, json!({"input": {"name": name}}))
        .await;
    body["data"]["createPriceBook"]["priceBook"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// Sets `entries` in `book` at `version`; the response.
pub async fn set_entries(app: &TestApp, book: &str, version: i64, entries: Value) -> Value {
    app.admin(
        SET_ENTRIES,
        json!({"input": {"priceBookId": book, "expectedVersion": version, "entries": entries}}),
    )
    .await
}

async fn price(app: &TestApp, token: &str, product: &str, book: Option<&str>, on: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            "query($id: ID!, $book: ID, $on: Date) { product(id: $id) { price(priceBookId: $book, on: $on) } }",
            json!({"id": product, "book": book, "on": on}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["product"]["price"].clone()
}

#[tokio::test]
async fn books_price_products_by_period_and_the_standard_book_is_the_list() {
    let app = TestApp::spawn().await;
    let pump = a_product(&app, "P-1", "100.00", None).await;
    let valve = a_product(&app, "V-1", "40.00", None).await;
    let books = app
        .admin("{ priceBooks { name standard active } }", json!({}))
        .await;
    assert_eq!(
        books["data"]["priceBooks"],
        json!([{"name": "Standard", "standard": true, "active": true}])
    );
    let east = a_book(&app, "East region").await;
    let set = set_entries(
        &app,
        &east,
        1,
        json!([
            {"productId": pump, "unitPrice": "90.00", "validUntil": "2026-12-31"},
            {"productId": pump, "unitPrice": "85.50", "validFrom": "2027-01-01"},
            {"productId": valve, "unitPrice": "38", "validFrom": "2026-06-01", "validUntil": "2026-06-30"},
        ]),
    )
    .await;
    assert_eq!(
        set["data"]["setPriceBookEntries"]["priceBook"]["version"], 2,
        "{set}"
    );
    let rep = app.a_user().create().await;
    // Everyone reads prices; the standard book answers the list price on any day.
    let token = &rep.token;
    assert_eq!(
        price(&app, token, &pump, Some(&east), "2026-12-31").await,
        "90.00"
    );
    assert_eq!(
        price(&app, token, &pump, Some(&east), "2027-01-01").await,
        "85.50"
    );
    assert_eq!(
        price(&app, token, &valve, Some(&east), "2026-06-15").await,
        "38.00"
    );
    assert_eq!(
        price(&app, token, &valve, Some(&east), "2026-07-01").await,
        Value::Null
    );
    assert_eq!(
        price(&app, token, &pump, None, "1999-01-01").await,
        "100.00"
    );
    let listed = app
        .gql(Some(token), ENTRIES, json!({"book": east, "product": pump}))
        .await;
    assert_eq!(
        listed["data"]["priceBookEntries"]["nodes"],
        json!([
            {"unitPrice": "90.00", "validFrom": null, "validUntil": "2026-12-31", "product": {"code": "P-1"}, "priceBook": {"name": "East region"}},
            {"unitPrice": "85.50", "validFrom": "2027-01-01", "validUntil": null, "product": {"code": "P-1"}, "priceBook": {"name": "East region"}},
        ]),
        "{listed}"
    );
    // Naming a product again replaces all its periods; other products keep theirs.
    let again = set_entries(
        &app,
        &east,
        2,
        json!([{"productId": pump, "unitPrice": "88"}]),
    )
    .await;
    assert!(again["errors"].is_null(), "{again}");
    assert_eq!(
        price(&app, token, &pump, Some(&east), "2030-01-01").await,
        "88.00"
    );
    assert_eq!(
        price(&app, token, &valve, Some(&east), "2026-06-15").await,
        "38.00"
    );
    let removed = app
        .admin(
            SET_ENTRIES,
            json!({"input": {"priceBookId": east, "expectedVersion": 3, "entries": [], "removeProductIds": [valve]}}),
        )
        .await;
    assert!(removed["errors"].is_null(), "{removed}");
    let all = app.gql(Some(token), ENTRIES, json!({"book": east})).await;
    assert_eq!(all["data"]["priceBookEntries"]["totalCount"], 1, "{all}");
    // A stale version changes nothing.
    let stale = set_entries(
        &app,
        &east,
        3,
        json!([{"productId": valve, "unitPrice": "1"}]),
    )
    .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    assert_eq!(
        price(&app, token, &valve, Some(&east), "2026-06-15").await,
        Value::Null
    );
    // A retry with the same key sets once.
    let keyed = json!({"input": {"priceBookId": east, "expectedVersion": 4, "entries": [{"productId": valve, "unitPrice": "41"}], "idempotencyKey": "k-1"}});
    let first = app.admin(SET_ENTRIES, keyed.clone()).await;
    let retry = app.admin(SET_ENTRIES, keyed).await;
    assert_eq!(first["data"], retry["data"], "{retry}");
    assert_eq!(
        first["data"]["setPriceBookEntries"]["priceBook"]["version"],
        5
    );
    // Rename, describe, archive and restore.
    let renamed = app
        .admin(UPDATE_BOOK, json!({"input": {"id": east, "expectedVersion": 5, "name": "East", "description": "华东区"}}))
        .await;
    assert_eq!(
        renamed["data"]["updatePriceBook"]["priceBook"]["description"], "华东区",
        "{renamed}"
    );
    let archived = app
        .admin(
            ARCHIVE_BOOK,
            json!({"input": {"id": east, "expectedVersion": 6}}),
        )
        .await;
    assert_eq!(
        archived["data"]["archivePriceBook"]["priceBook"]["active"],
        false
    );
    let active = app
        .gql(Some(token), "{ priceBooks { name } }", json!({}))
        .await;
    assert_eq!(active["data"]["priceBooks"], json!([{"name": "Standard"}]));
    let every = app
        .gql(
            Some(token),
            "{ priceBooks(includeArchived: true) { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        every["data"]["priceBooks"],
        json!([{"name": "Standard"}, {"name": "East"}])
    );
    let node = app
        .gql(
            Some(token),
            "query($id: ID!) { node(id: $id) { ... on PriceBook { name active } } }",
            json!({"id": east}),
        )
        .await;
    assert_eq!(
        node["data"]["node"],
        json!({"name": "East", "active": false})
    );
}

#[tokio::test]
async fn bad_price_book_input_names_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let pump = a_product(&app, "P-1", "100.00", None).await;
    let east = a_book(&app, "East region").await;
    let cases = [
        (
            json!([{"productId": pump, "unitPrice": "1", "validUntil": "2027-01-01"},
                   {"productId": pump, "unitPrice": "2", "validFrom": "2027-01-01"}]),
            "BAD_USER_INPUT",
            "input.entries.1.validFrom",
        ),
        (
            json!([{"productId": pump, "unitPrice": "1", "validFrom": "2027-02-01", "validUntil": "2027-01-01"}]),
            "BAD_USER_INPUT",
            "input.entries.0.validUntil",
        ),
        (
            json!([{"productId": pump, "unitPrice": "1.001"}]),
            "BAD_USER_INPUT",
            "input.entries.0.unitPrice",
        ),
        (
            json!([{"productId": pump, "unitPrice": "-1"}]),
            "BAD_USER_INPUT",
            "input.entries.0.unitPrice",
        ),
        (
            json!([{"productId": pump, "unitPrice": "1"}, {"productId": crate::helpers::missing_id("Product"), "unitPrice": "1"}]),
            "NOT_FOUND",
            "input.entries.1.productId",
        ),
    ];
    for (entries, code, field) in cases {
        let body = set_entries(&app, &east, 1, entries).await;
        assert_eq!(code_and_field(&body), (Some(code), Some(field)), "{body}");
    }
    let too_many: Vec<Value> = (0..501)
        .map(|_| json!({"productId": pump, "unitPrice": "1"}))
        .collect();
    let body = set_entries(&app, &east, 1, json!(too_many)).await;
    assert_eq!(
        code_and_field(&body),
        (Some("BAD_USER_INPUT"), Some("input.entries"))
    );
    // Nothing above was written.
    let book = app
        .admin(
            "query($id: ID!) { priceBook(id: $id) { version } }",
            json!({"id": east}),
        )
        .await;
    assert_eq!(book["data"]["priceBook"]["version"], 1, "{book}");
    // Archived products take no new prices.
    let old = a_product(&app, "OLD", "5", None).await;
    let archived = app
        .admin(
            "mutation($id: ID!) { archiveProduct(input: {id: $id, expectedVersion: 1}) { product { active } } }",
            json!({"id": old}),
        )
        .await;
    assert!(archived["errors"].is_null(), "{archived}");
    let body = set_entries(
        &app,
        &east,
        1,
        json!([{"productId": old, "unitPrice": "1"}]),
    )
    .await;
    assert_eq!(
        code_and_field(&body),
        (Some("BAD_USER_INPUT"), Some("input.entries.0.productId"))
    );
    // The standard book holds the list prices and stays active.
    let books = app.admin("{ priceBooks { id standard } }", json!({})).await;
    let standard = books["data"]["priceBooks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = set_entries(
        &app,
        &standard,
        1,
        json!([{"productId": pump, "unitPrice": "1"}]),
    )
    .await;
    assert_eq!(
        code_and_field(&body),
        (Some("BAD_USER_INPUT"), Some("input.priceBookId"))
    );
    let body = app
        .admin(
            ARCHIVE_BOOK,
            json!({"input": {"id": standard, "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(
        code_and_field(&body),
        (Some("BAD_USER_INPUT"), Some("input.id"))
    );
    let twin = app
        .admin(CREATE_BOOK, json!({"input": {"name": "  east   REGION"}}))
        .await;
    assert_eq!(
        code_and_field(&twin),
        (Some("DUPLICATE"), Some("input.name"))
    );
}

#[tokio::test]
async fn only_admins_write_price_books_everyone_reads_them() {
    let app = TestApp::spawn().await;
    let pump = a_product(&app, "P-1", "100.00", None).await;
    let east = a_book(&app, "East region").await;
    let rep = app.a_user().create().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    for (who, token) in [
        ("rep", &rep.token),
        ("manager", &manager.token),
        ("finance", &finance.token),
    ] {
        let read = app
            .gql(Some(token), "{ priceBooks { name } }", json!({}))
            .await;
        assert_eq!(
            read["data"]["priceBooks"][1]["name"], "East region",
            "{who}: {read}"
        );
        let attempts = [
            (CREATE_BOOK, json!({"input": {"name": "Mine"}})),
            (
                UPDATE_BOOK,
                json!({"input": {"id": east, "expectedVersion": 1, "name": "X"}}),
            ),
            (
                ARCHIVE_BOOK,
                json!({"input": {"id": east, "expectedVersion": 1}}),
            ),
            (
                SET_ENTRIES,
                json!({"input": {"priceBookId": east, "expectedVersion": 1, "entries": [{"productId": pump, "unitPrice": "1"}]}}),
            ),
        ];
        for (query, variables) in attempts {
            let body = app.gql(Some(token), query, variables).await;
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{who}: {body}");
        }
    }
    let book = app
        .admin(
            "query($id: ID!) { priceBook(id: $id) { name version } }",
            json!({"id": east}),
        )
        .await;
    assert_eq!(
        book["data"]["priceBook"],
        json!({"name": "East region", "version": 1})
    );
    let anonymous = app.gql(None, "{ priceBooks { name } }", json!({})).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
}
