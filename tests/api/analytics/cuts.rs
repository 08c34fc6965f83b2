//! `salesPerformance` by customer industry, grade and top customers with their share of the
//! total, the seller rows' cost rate (for those who see cost) and customer visit coverage.

use super::by_product::{line, product, sold};
use super::*;

const CUTS: &str = "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupId groupName wonAmount pipelineAmount shareOfTotal costRate customersOwned customersVisited visitCoverage } }";

async fn customer(app: &TestApp, token: &str, name: &str, industry: Option<&str>) -> String {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }",
            json!({"input": {"name": name, "industry": industry}}),
        )
        .await;
    string_at(&body, &["data", "createCustomer", "customer", "id"])
}

fn rows(body: &Value) -> Vec<Value> {
    body["data"]["salesPerformance"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

fn named<'a>(rows: &'a [Value], name: Option<&str>) -> &'a Value {
    rows.iter()
        .find(|r| r["groupName"].as_str() == name)
        .unwrap_or_else(|| panic!("no {name:?} in {rows:?}"))
}

#[tokio::test]
async fn customer_cuts_share_cost_rate_and_coverage_match_hand_computed_figures() {
    let app = TestApp::spawn_at(at("2026-11-15T02:00:00Z")).await;
    crate::fixtures::without_playbook(&app).await;
    let pumps = line(&app, "Cut pumps").await;
    let p = product(&app, "CP", &pumps, "100.00", Some("60.00")).await;
    let q = product(&app, "CQ", &pumps, "50.00", None).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let east = team(&app, "Cut East", "East", &manager.id).await;
    let r1 = app.a_user().in_team(&east).name("Cut One").create().await;
    let r2 = app.a_user().in_team(&east).name("Cut Two").create().await;
    let c1 = customer(&app, &r1.token, "Cut C1", Some("Steel")).await;
    let c2 = customer(&app, &r1.token, "Cut C2", Some("Steel")).await;
    let c3 = customer(&app, &r1.token, "Cut C3", Some("Food")).await;
    let c4 = customer(&app, &r2.token, "Cut C4", None).await;
    let manager_token = app.token_for(&manager).await;
    let pinned = app
        .gql(Some(&manager_token), "mutation($id: ID!) { pinCustomerGrade(input: {id: $id, grade: A, reason: \"Key account\"}) { customer { grade } } }", json!({"id": c1}))
        .await;
    assert!(pinned["errors"].is_null(), "{pinned}");
    // R1 wins 500.00 from C1 (cost 300.00) and 300.00 from C2 (no cost known), and has 100.00
    // open with C3; R2 wins 150.00 from C4 (two units at 25% off, cost 120.00).
    sold(
        &app,
        &r1,
        &c1,
        json!([{"productId": p, "quantity": "5"}]),
        false,
    )
    .await;
    sold(
        &app,
        &r1,
        &c2,
        json!([{"productId": q, "quantity": "6"}]),
        false,
    )
    .await;
    sold(
        &app,
        &r1,
        &c3,
        json!([{"productId": p, "quantity": "1"}]),
        true,
    )
    .await;
    sold(
        &app,
        &r2,
        &c4,
        json!([{"productId": p, "quantity": "2", "discountPercent": "25"}]),
        false,
    )
    .await;
    // R1 visits C1 once.
    let visit = app
        .gql(Some(&r1.token), "mutation($input: PlanVisitInput!) { planVisit(input: $input) { visit { id } } }",
            json!({"input": {"customerId": c1, "purpose": "Review", "plannedStart": "2026-11-15T03:00:00Z", "plannedEnd": "2026-11-15T04:00:00Z"}}))
        .await;
    let visit_id = visit["data"]["planVisit"]["visit"]["id"].clone();
    let checked_in = app.gql(Some(&r1.token), "mutation($id: ID!, $t: DateTime!) { checkInVisit(input: {id: $id, deviceTime: $t, location: {lat: 31.0, lng: 121.0, accuracyMeters: 5}}) { visit { id } } }", json!({"id": visit_id, "t": app.state.clock.now()})).await;
    assert!(checked_in["errors"].is_null(), "{checked_in}");
    let done = app.gql(Some(&r1.token), "mutation($id: ID!) { checkOutVisit(input: {id: $id, summary: \"Fine\", outcome: POSITIVE}) { visit { status } } }", json!({"id": visit_id})).await;
    assert_eq!(
        done["data"]["checkOutVisit"]["visit"]["status"], "COMPLETED",
        "{done}"
    );

    let cut = |group: &str, limit: Option<i64>| json!({"input": {"period": "2026-Q4", "groupBy": group, "limit": limit}});
    let total = 950.0;
    let industry = rows(
        &app.gql(Some(&manager_token), CUTS, cut("INDUSTRY", None))
            .await,
    );
    assert_eq!(industry.len(), 3, "{industry:?}");
    let steel = named(&industry, Some("Steel"));
    assert_eq!(steel["wonAmount"], "800.00", "{industry:?}");
    assert!(close_to(&steel["shareOfTotal"], 800.0 / total));
    let food = named(&industry, Some("Food"));
    assert_eq!(
        (&food["wonAmount"], &food["pipelineAmount"]),
        (&json!("0.00"), &json!("100.00")),
        "{industry:?}"
    );
    assert!(close_to(&food["shareOfTotal"], 0.0));
    let none = named(&industry, None);
    assert_eq!(
        (&none["groupId"], &none["wonAmount"]),
        (&Value::Null, &json!("150.00"))
    );
    assert!(close_to(&none["shareOfTotal"], 150.0 / total));
    assert_eq!(industry[0]["groupName"], "Steel", "most won first");

    let grades = rows(
        &app.gql(Some(&manager_token), CUTS, cut("CUSTOMER_GRADE", None))
            .await,
    );
    assert_eq!(named(&grades, Some("A"))["wonAmount"], "500.00");
    assert!(close_to(
        &named(&grades, Some("A"))["shareOfTotal"],
        500.0 / total
    ));
    assert_eq!(
        (
            &named(&grades, None)["wonAmount"],
            &named(&grades, None)["pipelineAmount"]
        ),
        (&json!("450.00"), &json!("100.00"))
    );

    // The top two customers; their shares are of every customer's won amount.
    let top = rows(
        &app.gql(Some(&manager_token), CUTS, cut("CUSTOMER", Some(2)))
            .await,
    );
    assert_eq!(
        top.iter()
            .map(|r| (
                r["groupId"].clone(),
                r["groupName"].clone(),
                r["wonAmount"].clone()
            ))
            .collect::<Vec<_>>(),
        vec![
            (json!(c1), json!("Cut C1"), json!("500.00")),
            (json!(c2), json!("Cut C2"), json!("300.00")),
        ]
    );
    assert!(close_to(&top[1]["shareOfTotal"], 300.0 / total));
    for limit in [0, 101] {
        let refused = app
            .gql(Some(&manager_token), CUTS, cut("CUSTOMER", Some(limit)))
            .await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some("input.limit")),
            "{refused}"
        );
    }

    // Seller rows: cost rate over the lines whose cost is known (R1 300 ÷ 500; R2 120 ÷ 150),
    // shares of the won total, and coverage of the customers owned.
    let users = rows(&app.gql(Some(&manager_token), CUTS, cut("USER", None)).await);
    let one = named(&users, Some("Cut One"));
    assert!(close_to(&one["costRate"], 0.6), "{users:?}");
    assert!(close_to(&one["shareOfTotal"], 800.0 / total));
    assert_eq!(
        (&one["customersOwned"], &one["customersVisited"]),
        (&json!(3), &json!(1))
    );
    assert!(close_to(&one["visitCoverage"], 1.0 / 3.0));
    assert!(close_to(&named(&users, Some("Cut Two"))["costRate"], 0.8));
    let admin = fresh_admin_token(&app).await;
    let regions = rows(&app.gql(Some(&admin), CUTS, cut("REGION", None)).await);
    let region = named(&regions, Some("East"));
    assert_eq!(
        (&region["customersOwned"], &region["customersVisited"]),
        (&json!(4), &json!(1)),
        "{regions:?}"
    );
    assert!(close_to(&region["visitCoverage"], 0.25));
    assert!(close_to(&region["costRate"], 420.0 / 650.0));
    // A rep sees no cost.
    let own = rows(&app.gql(Some(&r1.token), CUTS, cut("USER", None)).await);
    assert_eq!(own[0]["costRate"], Value::Null, "{own:?}");
    assert_eq!(own[0]["customersOwned"], 3, "{own:?}");
}
