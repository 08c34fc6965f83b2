//! Targets and the manager's numbers, against hand-computed fixtures.

use chrono::Duration;
use serde_json::{Value, json};

use crate::fixtures::at;
use crate::helpers::*;

mod activity;
mod by_product;
mod cuts;
mod growth;
mod metrics;
mod performance;
mod plan;
mod sources_and_retention;
mod targets;
mod velocity;
mod visibility;

const SET: &str = "mutation($input: SetSalesTargetInput!) { setSalesTarget(input: $input) { target { id period scope scopeId amount version } } }";
const ALLOCATION: &str = "query($input: TargetAllocationInput!) { targetAllocation(input: $input) { target childrenTotal difference status children { scope scopeId label target } } }";
const PERFORMANCE: &str = "query($input: SalesPerformanceInput!) { salesPerformance(input: $input) { groupId groupName target wonAmount achievementRate collectedAmount pipelineAmount weightedPipelineAmount pipelineCoverage winRate winRateByAmount avgDealSize avgSalesCycleDays leadConversionRate visitsCompleted onSiteRate } }";

async fn team(app: &TestApp, name: &str, region: &str, manager: &str) -> String {
    let body = app
        .admin(
            "mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } } }",
            json!({"input": {"name": name, "region": region, "managerId": manager}}),
        )
        .await;
    body["data"]["createTeam"]["team"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn set(
    app: &TestApp,
    token: &str,
    period: &str,
    scope: &str,
    scope_id: Option<&str>,
    amount: &str,
) -> Value {
    app.gql(
        Some(token),
        SET,
        json!({"input": {"period": period, "scope": scope, "scopeId": scope_id, "amount": amount}}),
    )
    .await
}

async fn deal(
    app: &TestApp,
    token: &str,
    customer: &str,
    amount: &str,
    close: &str,
) -> (String, i64) {
    let body = app
        .gql(
            Some(token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version } } }",
            json!({"input": {"customerId": customer, "name": "Deal", "amount": amount, "expectedCloseDate": close}}),
        )
        .await;
    let deal = &body["data"]["createOpportunity"]["opportunity"];
    (
        deal["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
        deal["version"].as_i64().unwrap(),
    )
}

async fn close(app: &TestApp, token: &str, id: &str, version: i64, won: bool) {
    let body = if won {
        app.gql(Some(token), "mutation($id: ID!, $v: Int!) { winOpportunity(input: {reasonId: \"0193a000-0000-7000-8000-000000000505\", id: $id, expectedVersion: $v}) { opportunity { status } } }", json!({"id": id, "v": version})).await
    } else {
        app.gql(Some(token), "mutation($id: ID!, $v: Int!) { loseOpportunity(input: {reasonId: \"0193a000-0000-7000-8000-000000000407\", id: $id, expectedVersion: $v, reason: \"Price\"}) { opportunity { status } } }", json!({"id": id, "v": version})).await
    };
    assert!(body["errors"].is_null(), "{body}");
}

fn close_to(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

async fn fresh_admin_token(app: &TestApp) -> String {
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Gives the first pipeline stage a `maxDaysInStage`; returns the stages' ids in order.
async fn limit_first_stage(app: &TestApp, token: &str, max_days: i64) -> Vec<Value> {
    let stages = app
        .gql(
            Some(token),
            "{ pipelineStages { id name probability kind } }",
            json!({}),
        )
        .await;
    let stages = stages["data"]["pipelineStages"].as_array().unwrap().clone();
    let mut specs: Vec<Value> = stages
        .iter()
        .map(|s| json!({"id": s["id"], "name": s["name"], "probability": s["probability"], "kind": s["kind"]}))
        .collect();
    specs[0]["maxDaysInStage"] = json!(max_days);
    let body = app
        .gql(Some(token), "mutation($s: [PipelineStageInput!]!) { updatePipelineStages(input: {stages: $s}) { stages { id } } }", json!({"s": specs}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    stages.iter().map(|s| s["id"].clone()).collect()
}
