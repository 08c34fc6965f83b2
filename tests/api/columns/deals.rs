//! The deal page: the deal, its stage, and the customer and owner it joins.

use serde_json::{Value, json};

use super::{cursors_follow_every_order, each_field_as_the_whole, the_statement_of};
use crate::fixtures::a_customer;
use crate::helpers::TestApp;

/// Every field of a listed deal and of what the page joins in, each asked alone.
const ALONE: &[&str] = &[
    "name",
    "amount",
    "status",
    "forecastCategory",
    "expectedCloseDate",
    "closedAt",
    "lostReason",
    "stageEnteredAt",
    "createdAt",
    "updatedAt",
    "version",
    "probability",
    "weightedAmount",
    "daysInStage",
    "isStale",
    "splits { percent user { id } }",
    "visits(first: 2) { totalCount }",
    "contracts(first: 2) { totalCount }",
    "stageHistory(first: 2) { totalCount nodes { toStage { name } } }",
    "__typename",
    "customer { id }",
    "customer { name }",
    "customer { industry region address grade }",
    "customer { location { lat lng } }",
    "customer { createdAt updatedAt version }",
    "customer { owner { id displayName } }",
    "customer { lastFollowUp { id } }",
    "owner { id }",
    "owner { displayName }",
    "owner { email }",
    "owner { role timezone active }",
    "owner { createdAt updatedAt version }",
    "owner { team { id name } }",
    "stage { id }",
    "stage { name }",
    "stage { position probability kind }",
    "stage { maxDaysInStage archived }",
    "stage { createdAt updatedAt version }",
];

async fn deal(app: &TestApp, token: &str, customer: &str, name: &str, amount: &str) -> Value {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version } } }",
            json!({"input": {"customerId": customer, "name": name, "amount": amount,
                "expectedCloseDate": "2027-01-15"}}),
        )
        .await;
    let deal = body["data"]["createOpportunity"]["opportunity"].clone();
    assert!(deal["id"].is_string(), "{body}");
    deal
}

/// A manager's team: the rep's deals, one won, one lost, one open, with every column set.
async fn deals(app: &TestApp) -> (String, String) {
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Columns Team", Some(&manager.id)).await;
    let rep = app.a_user().in_team(&team).create().await;
    let customer = a_customer(app, &rep.token, "Columns Deals Co").await;
    let won = deal(app, &rep.token, &customer, "Won deal", "1200.50").await;
    let body = app
        .gql(
            Some(&rep.token),
            "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"id": won["id"], "expectedVersion": won["version"], "reasonId": crate::helpers::WIN_REASON}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let lost = deal(app, &rep.token, &customer, "Lost deal", "300").await;
    let body = app
        .gql(
            Some(&rep.token),
            "mutation($input: LoseOpportunityInput!) { loseOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"id": lost["id"], "reason": "Price", "expectedVersion": lost["version"], "reasonId": crate::helpers::LOSS_REASON}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    deal(app, &rep.token, &customer, "Open deal", "7000").await;
    (manager.token, rep.token)
}

#[tokio::test]
async fn every_field_of_a_deal_page_answers_as_the_deal_read_whole() {
    let app = TestApp::spawn().await;
    let (manager, rep) = deals(&app).await;
    for token in [&manager, &rep] {
        let lists = ("opportunities(first: 10)", "opportunity", None);
        each_field_as_the_whole(&app, token, lists, ALONE, 3).await;
    }
}

#[tokio::test]
async fn cursors_of_a_narrow_page_follow_the_order_whatever_is_selected() {
    let app = TestApp::spawn().await;
    let (manager, _) = deals(&app).await;
    let orders = [
        ("AMOUNT", "amount"),
        ("UPDATED_AT", "updatedAt"),
        ("EXPECTED_CLOSE_DATE", "expectedCloseDate"),
        ("CREATED_AT", "createdAt"),
    ];
    cursors_follow_every_order(&app, &manager, "opportunities", &orders).await;
}

#[tokio::test]
async fn a_narrow_deal_page_reads_fewer_columns_in_one_statement() {
    let app = TestApp::spawn().await;
    let (manager, _) = deals(&app).await;
    let narrow = "{ opportunities(first: 5) { nodes { id name customer { name } owner { displayName } stage { name } } } }";
    let narrow = the_statement_of(&app, &manager, narrow, "opportunities").await;
    for unread in [
        "lost_reason",
        "forecast_category",
        "probability_override",
        "industry",
        "timezone",
        "max_days_in_stage",
    ] {
        assert!(!narrow.contains(unread), "{unread} read by {narrow}");
    }
    for read in ["\"name\"", "display_name", "\"st_name\"", "\"cu_name\""] {
        assert!(narrow.contains(read), "{read} not read by {narrow}");
    }
    let wide = "{ opportunities(first: 5) { nodes { id lostReason probability customer { industry } owner { timezone } } } }";
    let wide = the_statement_of(&app, &manager, wide, "opportunities").await;
    for read in [
        "lost_reason",
        "probability_override",
        "industry",
        "timezone",
    ] {
        assert!(wide.contains(read), "{read} not read by {wide}");
    }
}
