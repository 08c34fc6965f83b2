//! `salesPerformance` by product line and product, against hand-computed figures: won lines,
//! units, average discount, margins for those who may see cost, and the open pipeline.

use serde_json::{Value, json};

use super::{close, close_to, deal};
use crate::helpers::*;

const REPORT: &str = "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupId groupName wonAmount quantity averageDiscountPercent marginAmount marginRate pipelineAmount weightedPipelineAmount target collectedAmount } }";
const LINES: &str = "mutation($input: SetOpportunityLineItemsInput!) { setOpportunityLineItems(input: $input) { opportunity { version } } }";

pub(super) async fn line(app: &TestApp, name: &str) -> String {
    let body = app
        .admin(
            "mutation($input: CreateProductLineInput!) { createProductLine(input: $input) { productLine { id } } }",
            json!({"input": {"name": name}}),
        )
        .await;
    string_at(&body, &["data", "createProductLine", "productLine", "id"])
}

pub(super) async fn product(
    app: &TestApp,
    code: &str,
    line: &str,
    list: &str,
    cost: Option<&str>,
) -> String {
    let body = app
        .admin(
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }",
            json!({"input": {"code": code, "name": format!("Item {code}"), "productLineId": line, "listPrice": list, "costPrice": cost}}),
        )
        .await;
    string_at(&body, &["data", "createProduct", "product", "id"])
}

/// A deal of `rep` with `items`, won unless `open`.
pub(super) async fn sold(app: &TestApp, rep: &TestUser, customer: &str, items: Value, open: bool) {
    let (id, version) = deal(app, &rep.token, customer, "1", "2026-11-30").await;
    let body = app
        .gql(
            Some(&rep.token),
            LINES,
            json!({"input": {"id": id, "expectedVersion": version, "items": items}}),
        )
        .await;
    let version = body["data"]["setOpportunityLineItems"]["opportunity"]["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("{body}"));
    if !open {
        close(app, &rep.token, &id, version, true).await;
    }
}

async fn report(app: &TestApp, token: &str, group_by: &str) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            REPORT,
            json!({"input": {"period": "2026-Q4", "groupBy": group_by}}),
        )
        .await;
    body["data"]["salesPerformance"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

#[tokio::test]
async fn product_lines_and_products_report_what_was_sold_within_visibility() {
    let app = TestApp::spawn_at("2026-11-15T10:00:00Z".parse().unwrap()).await;
    let pumps = line(&app, "Pumps").await;
    let seals = line(&app, "Seals").await;
    let p1 = product(&app, "P1", &pumps, "100.00", Some("60.00")).await;
    let p2 = product(&app, "P2", &pumps, "50.00", None).await;
    let s1 = product(&app, "S1", &seals, "10.00", Some("4.00")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let r1 = app.a_user().in_team(&team).create().await;
    let r2 = app.a_user().in_team(&team).create().await;
    let outsider = app.a_user().create().await;
    let c1 = crate::fixtures::a_customer(&app, &r1.token, "C1").await;
    let c2 = crate::fixtures::a_customer(&app, &r2.token, "C2").await;
    let c3 = crate::fixtures::a_customer(&app, &outsider.token, "C3").await;
    // r1: P1 2 × 100 at 10% = 180.00, S1 5 × 10 = 50.00; P2 1 × 50 = 50.00 (no cost known).
    sold(&app, &r1, &c1, json!([{"productId": p1, "quantity": "2", "discountPercent": "10"}, {"productId": s1, "quantity": "5"}]), false).await;
    sold(
        &app,
        &r1,
        &c1,
        json!([{"productId": p2, "quantity": "1"}]),
        false,
    )
    .await;
    // r2: P1 1.5 × 90 = 135.00, S1 3 × 10 at 20% = 24.00.
    sold(&app, &r2, &c2, json!([{"productId": p1, "quantity": "1.5", "unitPrice": "90"}, {"productId": s1, "quantity": "3", "discountPercent": "20"}]), false).await;
    // r1, open at 10%: P1 1 × 100 = 100.00 in the pipeline, 10.00 weighted.
    sold(
        &app,
        &r1,
        &c1,
        json!([{"productId": p1, "quantity": "1"}]),
        true,
    )
    .await;
    // Outside the manager's team: P1 10 × 100 = 1000.00.
    sold(
        &app,
        &outsider,
        &c3,
        json!([{"productId": p1, "quantity": "10"}]),
        false,
    )
    .await;

    let lines = report(&app, &manager.token, "PRODUCT_LINE").await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    let (pump_row, seal_row) = (&lines[0], &lines[1]);
    // Pumps: 180 + 50 + 135 won, 2 + 1 + 1.5 units, discounts (10 + 0 + 0) ÷ 3; a cost unknown.
    assert_eq!(
        (
            &pump_row["groupName"],
            &pump_row["wonAmount"],
            &pump_row["quantity"],
            &pump_row["averageDiscountPercent"],
            &pump_row["marginAmount"]
        ),
        (
            &json!("Pumps"),
            &json!("365.00"),
            &json!("4.5"),
            &json!("3.33"),
            &Value::Null
        ),
        "{pump_row}"
    );
    assert_eq!(
        (
            &pump_row["pipelineAmount"],
            &pump_row["weightedPipelineAmount"],
            &pump_row["target"],
            &pump_row["collectedAmount"]
        ),
        (
            &json!("100.00"),
            &json!("10.00"),
            &Value::Null,
            &json!("0.00")
        )
    );
    // Seals: 50 + 24 won, 8 units, (0 + 20) ÷ 2 = 10%; cost 8 × 4 = 32.00, margin 42.00.
    assert_eq!(
        (
            &seal_row["groupName"],
            &seal_row["wonAmount"],
            &seal_row["quantity"],
            &seal_row["averageDiscountPercent"],
            &seal_row["marginAmount"]
        ),
        (
            &json!("Seals"),
            &json!("74.00"),
            &json!("8"),
            &json!("10"),
            &json!("42.00")
        ),
        "{seal_row}"
    );
    assert!(close_to(&seal_row["marginRate"], 0.5676), "{seal_row}");

    let products = report(&app, &manager.token, "PRODUCT").await;
    let p1_row = products
        .iter()
        .find(|r| r["groupName"] == "P1 Item P1")
        .unwrap_or_else(|| panic!("{products:?}"));
    // P1: 180 + 135 won, cost 2 × 60 + 1.5 × 60 = 210.00, margin 105.00 (a third).
    assert_eq!(
        (
            &p1_row["wonAmount"],
            &p1_row["quantity"],
            &p1_row["averageDiscountPercent"],
            &p1_row["marginAmount"]
        ),
        (
            &json!("315.00"),
            &json!("3.5"),
            &json!("5"),
            &json!("105.00")
        )
    );
    assert!(close_to(&p1_row["marginRate"], 0.3333), "{p1_row}");
    assert_eq!(products.len(), 3);

    // A rep sees their own deals' lines and no margin anywhere.
    let own = report(&app, &r1.token, "PRODUCT_LINE").await;
    assert_eq!(
        own.iter()
            .map(|r| (
                r["groupName"].clone(),
                r["wonAmount"].clone(),
                r["marginAmount"].clone()
            ))
            .collect::<Vec<_>>(),
        vec![
            (json!("Pumps"), json!("230.00"), Value::Null),
            (json!("Seals"), json!("50.00"), Value::Null)
        ]
    );
    // An admin sees every seller's: the outsider's 1000.00 of pumps too.
    let all = report(&app, &app.admin_token, "PRODUCT_LINE").await;
    assert_eq!(all[0]["wonAmount"], "1365.00", "{all:?}");
    let id_of = |rows: &[Value]| rows[0]["groupId"].clone();
    assert_eq!(id_of(&all), json!(pumps));

    // The forecast and the funnel cut by product line count those lines only.
    let forecast = app
        .gql(
            Some(&manager.token),
            "query($input: ForecastInput!) { forecast(input: $input) { pipelineAmount weightedAmount closedWonAmount } }",
            json!({"input": {"from": "2026-11-01", "to": "2026-11-30", "scope": "COMPANY", "productLineId": pumps}}),
        )
        .await;
    assert_eq!(
        forecast["data"]["forecast"],
        json!({"pipelineAmount": "100.00", "weightedAmount": "10.00", "closedWonAmount": "365.00"}),
        "{forecast}"
    );
    let funnel = app
        .gql(
            Some(&manager.token),
            "query($input: FunnelInput!) { funnel(input: $input) { count amount stage { kind } } }",
            json!({"input": {"from": "2026-11-01", "to": "2026-11-30", "scope": "COMPANY", "productLineId": seals}}),
        )
        .await;
    let stages = funnel["data"]["funnel"]
        .as_array()
        .unwrap_or_else(|| panic!("{funnel}"));
    let won: Vec<&Value> = stages
        .iter()
        .filter(|s| s["stage"]["kind"] == "WON")
        .collect();
    assert_eq!(
        (won[0]["count"].clone(), won[0]["amount"].clone()),
        (json!(2), json!("74.00")),
        "{funnel}"
    );
    let open: i64 = stages
        .iter()
        .filter(|s| s["stage"]["kind"] == "OPEN")
        .map(|s| s["count"].as_i64().unwrap_or_default())
        .sum();
    assert_eq!(open, 0, "no open deal carries seals: {funnel}");
}
