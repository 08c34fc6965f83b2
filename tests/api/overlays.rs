//! Overlay credit: supporting people credited on top of a deal's revenue shares, shown apart
//! and reported as `overlayWonAmount`, never counted into the won amounts of anyone, any team
//! or the company.

use serde_json::{Value, json};

use crate::helpers::*;

const SPLITS: &str = "mutation($input: SetOpportunitySplitsInput!) { setOpportunitySplits(input: $input) { opportunity { version \
    splits { percent creditedAmount user { id } } overlays { percent creditedAmount weightedAmount user { id } } } } }";
const PERFORMANCE: &str = "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupId wonAmount overlayWonAmount } }";

async fn set(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), SPLITS, json!({ "input": input }))
        .await
}

#[tokio::test]
async fn overlay_credit_is_reported_apart_and_never_double_counted() {
    let app = TestApp::spawn_at(crate::fixtures::at("2026-12-03T02:00:00Z")).await;
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("East", Some(&manager.id)).await;
    let owner = app.a_user().in_team(&team).create().await;
    let partner = app.a_user().in_team(&team).create().await;
    let presales = app.a_user().in_team(&team).create().await;
    let other_region = app.a_user().create().await;
    let finance = app.a_user().role("FINANCE").create().await;
    let customer = crate::fixtures::a_customer(&app, &owner.token, "Overlay Co").await;
    let created = app
        .gql(
            Some(&owner.token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Cold store", "amount": "1000.00", "expectedCloseDate": "2026-12-20", "probability": 40}}),
        )
        .await;
    let deal = string_at(
        &created,
        &["data", "createOpportunity", "opportunity", "id"],
    );
    let revenue =
        json!([{"userId": owner.id, "percent": "70"}, {"userId": partner.id, "percent": "30"}]);
    let input = |overlays: Value| json!({"id": deal, "expectedVersion": 1, "splits": revenue, "overlays": overlays});

    // Bad overlays, each on its own field; nothing written.
    for (overlays, field) in [
        (
            json!([{"userId": presales.id, "percent": "100.01"}]),
            "input.overlays.0.percent",
        ),
        (
            json!([{"userId": presales.id, "percent": "0"}]),
            "input.overlays.0.percent",
        ),
        (
            json!([{"userId": partner.id, "percent": "50"}]),
            "input.overlays.0.userId",
        ),
        (
            json!([{"userId": presales.id, "percent": "50"}, {"userId": presales.id, "percent": "50"}]),
            "input.overlays.1.userId",
        ),
        (
            json!([{"userId": finance.id, "percent": "50"}]),
            "input.overlays.0.userId",
        ),
    ] {
        let refused = set(&app, &owner.token, input(overlays)).await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{refused}"
        );
    }
    let set_up = set(
        &app,
        &owner.token,
        input(json!([{"userId": presales.id, "percent": "100"}, {"userId": other_region.id, "percent": "50"}])),
    )
    .await;
    assert!(set_up["errors"].is_null(), "{set_up}");
    let deal_now = &set_up["data"]["setOpportunitySplits"]["opportunity"];
    assert_eq!(
        deal_now["splits"],
        json!([
            {"percent": "70.00", "creditedAmount": "700.00", "user": {"id": owner.id}},
            {"percent": "30.00", "creditedAmount": "300.00", "user": {"id": partner.id}},
        ]),
        "the revenue still sums to the amount"
    );
    let overlays: Vec<Value> = deal_now["overlays"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            json!([
                o["user"]["id"],
                o["percent"],
                o["creditedAmount"],
                o["weightedAmount"]
            ])
        })
        .collect();
    assert!(
        overlays.contains(&json!([presales.id, "100.00", "1000.00", "400.00"])),
        "{deal_now}"
    );
    assert!(
        overlays.contains(&json!([other_region.id, "50.00", "500.00", "200.00"])),
        "{deal_now}"
    );

    // The supporting people see the deal but may not change its credit; a change of the revenue
    // alone keeps the overlays.
    let seen = app
        .gql(
            Some(&other_region.token),
            "query($id: ID!) { opportunity(id: $id) { name } }",
            json!({"id": deal}),
        )
        .await;
    assert_eq!(seen["data"]["opportunity"]["name"], "Cold store");
    let by_presales = set(
        &app,
        &presales.token,
        json!({"id": deal, "expectedVersion": 2, "splits": revenue}),
    )
    .await;
    assert_eq!(error_code(&by_presales), Some("FORBIDDEN"), "{by_presales}");
    let revenue_only = set(
        &app,
        &owner.token,
        json!({"id": deal, "expectedVersion": 2, "splits": revenue}),
    )
    .await;
    assert_eq!(
        revenue_only["data"]["setOpportunitySplits"]["opportunity"]["overlays"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{revenue_only}"
    );

    let won = app
        .gql(
            Some(&owner.token),
            "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { status } } }",
            json!({"input": {"id": deal, "expectedVersion": 3, "reasonId": WIN_REASON}}),
        )
        .await;
    assert!(won["errors"].is_null(), "{won}");
    let by_user = app
        .admin(
            PERFORMANCE,
            json!({"input": {"period": "2026-12", "groupBy": "USER"}}),
        )
        .await;
    let rows: Vec<Value> = by_user["data"]["salesPerformance"]
        .as_array()
        .unwrap_or_else(|| panic!("{by_user}"))
        .iter()
        .filter(|r| r["wonAmount"] != "0.00" || r["overlayWonAmount"] != "0.00")
        .cloned()
        .collect();
    let row = |user: &TestUser| {
        rows.iter()
            .find(|r| r["groupId"] == json!(user.id))
            .map(|r| (r["wonAmount"].clone(), r["overlayWonAmount"].clone()))
    };
    assert_eq!(row(&owner), Some((json!("700.00"), json!("0.00"))));
    assert_eq!(row(&partner), Some((json!("300.00"), json!("0.00"))));
    assert_eq!(row(&presales), Some((json!("0.00"), json!("1000.00"))));
    assert_eq!(row(&other_region), Some((json!("0.00"), json!("500.00"))));
    let by_team = app
        .admin(
            PERFORMANCE,
            json!({"input": {"period": "2026-12", "groupBy": "TEAM"}}),
        )
        .await;
    let east = by_team["data"]["salesPerformance"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["groupId"] == json!(team)).cloned())
        .unwrap_or_else(|| panic!("{by_team}"));
    assert_eq!(
        east["wonAmount"], "1000.00",
        "the team's revenue counts the deal once"
    );
    assert_eq!(
        east["overlayWonAmount"], "1000.00",
        "only the team's own overlay"
    );
    let forecast = app
        .admin(
            "{ forecast(input: {from: \"2026-12-01\", to: \"2026-12-31\", scope: COMPANY}) { closedWonAmount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        forecast["data"]["forecast"]["closedWonAmount"], "1000.00",
        "{forecast}"
    );

    // An empty list clears them (on an open deal).
    let reopened = app
        .gql(
            Some(&owner.token),
            "mutation($input: ReopenOpportunityInput!) { reopenOpportunity(input: $input) { opportunity { version } } }",
            json!({"input": {"id": deal, "expectedVersion": 4, "stageId": app.gql(Some(&owner.token), "{ pipelineStages { id } }", json!({})).await["data"]["pipelineStages"][0]["id"]}}),
        )
        .await;
    assert!(reopened["errors"].is_null(), "{reopened}");
    let cleared = set(
        &app,
        &owner.token,
        json!({"id": deal, "expectedVersion": 5, "splits": revenue, "overlays": []}),
    )
    .await;
    assert_eq!(
        cleared["data"]["setOpportunitySplits"]["opportunity"]["overlays"],
        json!([]),
        "{cleared}"
    );
    let gone = app
        .gql(
            Some(&other_region.token),
            "query($id: ID!) { opportunity(id: $id) { name } }",
            json!({"id": deal}),
        )
        .await;
    assert_eq!(
        gone["data"]["opportunity"],
        Value::Null,
        "no longer credited, no longer seen"
    );
}
