//! The product catalogue: admins write it, everyone reads it, costs stay with those who may see
//! them, codes are unique, archived products stay readable.

use serde_json::{Value, json};

use crate::helpers::{TestApp, code_and_field, error_code, error_field};

const CREATE_LINE: &str = "mutation($input: CreateProductLineInput!) { createProductLine(input: $input) { productLine { id name maxDiscountPercent active version } } }";
const CREATE: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id code name unit listPrice costPrice active version productLine { id name } } } }";
const UPDATE: &str = "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { id code listPrice costPrice active version } } }";
const ARCHIVE: &str = "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { id active version } } }";
const READ: &str = "query($id: ID!) { product(id: $id) { id code name listPrice costPrice active productLine { name maxDiscountPercent } } }";

async fn a_line(app: &TestApp, name: &str, discount: Option<&str>) -> Value {
    let mut input = json!({"name": name});
    if let Some(discount) = discount {
        input["maxDiscountPercent"] = json!(discount);
    }
    let body = app.admin(CREATE_LINE, json!({"input": input})).await;
    let line = body["data"]["createProductLine"]["productLine"].clone();
    assert!(line["id"].is_string(), "{body}");
    line
}

async fn a_product(app: &TestApp, input: Value) -> Value {
    let body = app.admin(CREATE, json!({"input": input})).await;
    let product = body["data"]["createProduct"]["product"].clone();
    assert!(product["id"].is_string(), "{body}");
    product
}

#[tokio::test]
async fn admins_write_the_catalogue_everyone_reads_it_and_only_some_see_cost() {
    let app = TestApp::spawn().await;
    let line = a_line(&app, "Industrial pumps", None).await;
    assert_eq!(line["maxDiscountPercent"], "10");
    let pump = a_product(
        &app,
        json!({"code": "P-100", "name": "离心泵 100", "productLineId": line["id"], "unit": "set",
            "listPrice": "12500.00", "costPrice": "8300.50"}),
    )
    .await;
    assert_eq!(
        (
            &pump["listPrice"],
            &pump["costPrice"],
            &pump["unit"],
            &pump["productLine"]["name"]
        ),
        (
            &json!("12500.00"),
            &json!("8300.50"),
            &json!("set"),
            &json!("Industrial pumps")
        )
    );
    let rep = app.a_user().create().await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    for (who, token, sees_cost) in [
        ("rep", &rep.token, false),
        ("manager", &manager.token, true),
        ("finance", &finance.token, true),
        ("admin", &app.admin_token, true),
    ] {
        let one = app.gql(Some(token), READ, json!({"id": pump["id"]})).await;
        let product = &one["data"]["product"];
        assert_eq!(product["name"], "离心泵 100", "{who}: {one}");
        assert_eq!(product["costPrice"].is_string(), sees_cost, "{who}: {one}");
        let listed = app
            .gql(
                Some(token),
                "{ products(first: 5) { totalCount nodes { id costPrice } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            listed["data"]["products"]["totalCount"], 1,
            "{who}: {listed}"
        );
        let node = &listed["data"]["products"]["nodes"][0];
        assert_eq!(node["costPrice"].is_string(), sees_cost, "{who}: {listed}");
        let by_node = app
            .gql(
                Some(token),
                "query($id: ID!) { node(id: $id) { ... on Product { code costPrice } } }",
                json!({"id": pump["id"]}),
            )
            .await;
        assert_eq!(by_node["data"]["node"]["code"], "P-100", "{who}: {by_node}");
        assert_eq!(
            by_node["data"]["node"]["costPrice"].is_string(),
            sees_cost,
            "{who}"
        );
        let lines = app
            .gql(Some(token), "{ productLines { name } }", json!({}))
            .await;
        assert_eq!(
            lines["data"]["productLines"],
            json!([{"name": "Industrial pumps"}]),
            "{who}"
        );
    }
    // Seeing is not changing: everyone above reads the product, only the admin writes.
    for (who, token) in [
        ("rep", &rep.token),
        ("manager", &manager.token),
        ("finance", &finance.token),
    ] {
        let attempts = [
            (
                CREATE,
                json!({"input": {"code": "X-1", "name": "X", "listPrice": "1"}}),
            ),
            (
                UPDATE,
                json!({"input": {"id": pump["id"], "expectedVersion": 1, "listPrice": "1"}}),
            ),
            (
                ARCHIVE,
                json!({"input": {"id": pump["id"], "expectedVersion": 1}}),
            ),
            (CREATE_LINE, json!({"input": {"name": "Valves"}})),
            (
                "mutation($input: UpdateProductLineInput!) { updateProductLine(input: $input) { productLine { id } } }",
                json!({"input": {"id": line["id"], "expectedVersion": 1, "maxDiscountPercent": "50"}}),
            ),
            (
                "mutation($input: ArchiveProductLineInput!) { archiveProductLine(input: $input) { productLine { id } } }",
                json!({"input": {"id": line["id"], "expectedVersion": 1}}),
            ),
        ];
        for (query, variables) in attempts {
            let body = app.gql(Some(token), query, variables).await;
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{who}: {body}");
        }
    }
    let unchanged = app
        .gql(Some(&app.admin_token), READ, json!({"id": pump["id"]}))
        .await;
    assert_eq!(unchanged["data"]["product"]["listPrice"], "12500.00");
    let lines = app
        .admin("{ productLines { maxDiscountPercent version } }", json!({}))
        .await;
    assert_eq!(
        lines["data"]["productLines"],
        json!([{"maxDiscountPercent": "10", "version": 1}])
    );
    let anonymous = app
        .gql(None, "{ products(first: 1) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(
        error_code(&anonymous),
        Some("UNAUTHENTICATED"),
        "{anonymous}"
    );
}

#[tokio::test]
async fn codes_and_line_names_are_unique_and_bad_input_names_its_field() {
    let app = TestApp::spawn().await;
    let line = a_line(&app, "Valves", Some("12.5")).await;
    assert_eq!(line["maxDiscountPercent"], "12.5");
    let twin = app
        .admin(CREATE_LINE, json!({"input": {"name": "  valves "}}))
        .await;
    assert_eq!(
        code_and_field(&twin),
        (Some("DUPLICATE"), Some("input.name"))
    );
    let valve = a_product(
        &app,
        json!({"code": "v 200", "name": "Ball valve", "listPrice": "80"}),
    )
    .await;
    assert_eq!(valve["unit"], "pcs");
    let clash = app
        .admin(
            CREATE,
            json!({"input": {"code": "V200", "name": "Other", "listPrice": "1"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&clash),
        (Some("DUPLICATE"), Some("input.code"))
    );
    let other = a_product(
        &app,
        json!({"code": "V-300", "name": "Gate valve", "listPrice": "90"}),
    )
    .await;
    let renamed = app
        .admin(
            UPDATE,
            json!({"input": {"id": other["id"], "expectedVersion": 1, "code": "V200"}}),
        )
        .await;
    assert_eq!(
        code_and_field(&renamed),
        (Some("DUPLICATE"), Some("input.code"))
    );
    let archived_line = a_line(&app, "Old line", None).await;
    let body = app
        .admin(
            "mutation($input: ArchiveProductLineInput!) { archiveProductLine(input: $input) { productLine { active version } } }",
            json!({"input": {"id": archived_line["id"], "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(
        body["data"]["archiveProductLine"]["productLine"],
        json!({"active": false, "version": 2})
    );
    let missing_line = json!({"code": "Z-1", "name": "Z", "listPrice": "1",
        "productLineId": crate::helpers::missing_id("ProductLine")});
    for (input, code, field) in [
        (
            json!({"code": "A-1", "name": "A", "listPrice": "-1"}),
            "BAD_USER_INPUT",
            "input.listPrice",
        ),
        (
            json!({"code": "A-1", "name": "A", "listPrice": "1.005"}),
            "BAD_USER_INPUT",
            "input.listPrice",
        ),
        (
            json!({"code": "A-1", "name": "A", "listPrice": "1", "costPrice": "-0.01"}),
            "BAD_USER_INPUT",
            "input.costPrice",
        ),
        (
            json!({"code": "A-1", "name": "A", "listPrice": "1e30"}),
            "BAD_USER_INPUT",
            "input.listPrice",
        ),
        (
            json!({"code": "   ", "name": "A", "listPrice": "1"}),
            "BAD_USER_INPUT",
            "input.code",
        ),
        (
            json!({"code": "A-1", "name": "A".repeat(201), "listPrice": "1"}),
            "BAD_USER_INPUT",
            "input.name",
        ),
        (
            json!({"code": "A-1", "name": "A\u{0}", "listPrice": "1"}),
            "BAD_USER_INPUT",
            "input.name",
        ),
        (missing_line, "NOT_FOUND", "input.productLineId"),
        (
            json!({"code": "A-1", "name": "A", "listPrice": "1", "productLineId": archived_line["id"]}),
            "BAD_USER_INPUT",
            "input.productLineId",
        ),
    ] {
        let body = app.admin(CREATE, json!({"input": input})).await;
        assert_eq!(
            code_and_field(&body),
            (Some(code), Some(field)),
            "{input}: {body}"
        );
    }
    for percent in ["100.01", "-1", "10.555", "79228162514264337593543950335"] {
        let body = app.admin(CREATE_LINE, json!({"input": {"name": format!("Line {percent}"), "maxDiscountPercent": percent}})).await;
        assert_eq!(
            code_and_field(&body),
            (Some("BAD_USER_INPUT"), Some("input.maxDiscountPercent")),
            "{percent}: {body}"
        );
    }
    let stale = app
        .admin(
            UPDATE,
            json!({"input": {"id": valve["id"], "expectedVersion": 7, "listPrice": "81"}}),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    let count = app
        .admin("{ products(first: 50) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        count["data"]["products"]["totalCount"], 2,
        "nothing half-written: {count}"
    );
}

#[tokio::test]
async fn archived_products_stay_readable_and_lists_filter_order_and_retry_safely() {
    let app = TestApp::spawn().await;
    let line = a_line(&app, "Sensors", None).await;
    let input = json!({"code": "S-1", "name": "Pressure sensor", "listPrice": "300", "productLineId": line["id"], "idempotencyKey": "create-s1"});
    let first = a_product(&app, input.clone()).await;
    let again = a_product(&app, input).await;
    assert_eq!(
        first["id"], again["id"],
        "a retried create makes one product"
    );
    let cheap = a_product(
        &app,
        json!({"code": "S-2", "name": "Flow sensor", "listPrice": "120.5"}),
    )
    .await;
    let dear = a_product(&app, json!({"code": "S-3", "name": "Level sensor", "listPrice": "999.99", "productLineId": line["id"]})).await;
    let archived = app
        .admin(
            ARCHIVE,
            json!({"input": {"id": cheap["id"], "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(
        archived["data"]["archiveProduct"]["product"]["active"], false,
        "{archived}"
    );
    let rep = app.a_user().create().await;
    let read = app
        .gql(Some(&rep.token), READ, json!({"id": cheap["id"]}))
        .await;
    assert_eq!(
        read["data"]["product"]["active"], false,
        "archived products stay readable: {read}"
    );
    let codes = |body: &Value| -> Vec<Value> {
        body["data"]["products"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["code"].clone())
            .collect()
    };
    let list = |filter: &str| format!("{{ products(first: 10, {filter}) {{ nodes {{ code }} }} }}");
    let active = app
        .gql(Some(&rep.token), &list("filter: {active: true}"), json!({}))
        .await;
    assert_eq!(codes(&active), vec![json!("S-1"), json!("S-3")]);
    let in_line = app
        .gql(Some(&rep.token), "query($l: ID!) { products(first: 10, filter: {productLineId: $l}) { nodes { code } } }", json!({"l": line["id"]}))
        .await;
    assert_eq!(codes(&in_line), vec![json!("S-1"), json!("S-3")]);
    let searched = app
        .gql(
            Some(&rep.token),
            &list("filter: {search: \"FLOW\"}"),
            json!({}),
        )
        .await;
    assert_eq!(codes(&searched), vec![json!("S-2")]);
    let by_price = app
        .gql(
            Some(&rep.token),
            &list("orderBy: {field: LIST_PRICE, direction: DESC}"),
            json!({}),
        )
        .await;
    assert_eq!(
        codes(&by_price),
        vec![json!("S-3"), json!("S-1"), json!("S-2")]
    );
    let restored = app.admin(UPDATE, json!({"input": {"id": cheap["id"], "expectedVersion": 2, "active": true, "costPrice": "70"}})).await;
    assert_eq!(
        restored["data"]["updateProduct"]["product"]["active"], true,
        "{restored}"
    );
    assert_eq!(
        restored["data"]["updateProduct"]["product"]["costPrice"],
        "70.00"
    );
    let moved = app
        .admin(
            UPDATE,
            json!({"input": {"id": dear["id"], "expectedVersion": 1, "productLineId": null}}),
        )
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    let all = app
        .admin(
            "{ products(first: 10, filter: {productLineId: null}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(all["data"]["products"]["totalCount"], 3, "{all}");
}

#[tokio::test]
async fn concurrent_creates_of_one_code_make_one_product_and_searches_are_bounded() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let creates = (0..8).map(|i| {
        let app = &app;
        async move {
            let input = json!({"code": "RACE-1", "name": format!("Racer {i}"), "listPrice": "10"});
            app.admin(CREATE, json!({"input": input})).await
        }
    });
    let bodies = futures_util::future::join_all(creates).await;
    let made = bodies.iter().filter(|b| b["errors"].is_null()).count();
    assert_eq!(made, 1, "{bodies:?}");
    for body in bodies.iter().filter(|b| !b["errors"].is_null()) {
        assert_eq!(
            (error_code(body), error_field(body)),
            (Some("DUPLICATE"), Some("input.code")),
            "{body}"
        );
    }
    let count = app
        .admin("{ products(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(count["data"]["products"]["totalCount"], 1, "{count}");
    let long = "泵".repeat(10_000);
    let body = app
        .admin(
            "query($s: String) { products(first: 5, filter: {search: $s}) { totalCount } }",
            json!({"s": long}),
        )
        .await;
    assert_eq!(
        code_and_field(&body),
        (Some("BAD_USER_INPUT"), Some("filter.search")),
        "{body}"
    );
    let wild = app
        .admin(
            "query($s: String) { products(first: 5, filter: {search: $s}) { totalCount } }",
            json!({"s": "%_"}),
        )
        .await;
    assert_eq!(
        wild["data"]["products"]["totalCount"], 0,
        "wildcards match literally: {wild}"
    );
}
