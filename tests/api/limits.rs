//! Query limits reject a request before any resolver runs.

use serde_json::{Value, json};

use crate::helpers::*;

async fn team_count(app: &TestApp) -> Value {
    app.admin("{ teams { totalCount } }", json!({})).await["data"]["teams"]["totalCount"].clone()
}

#[tokio::test]
async fn a_too_deep_operation_is_rejected_and_nothing_runs() {
    let app = TestApp::spawn().await;
    let deep = "mutation { createTeam(input: {name: \"Deep\"}) { team { manager { team { manager { team { manager { team { manager { team { manager { team { name } } } } } } } } } } } } }";

    let body = app.admin(deep, json!({})).await;

    assert_eq!(error_code(&body), Some("QUERY_REJECTED"));
    assert_eq!(team_count(&app).await, 0);
}

#[tokio::test]
async fn a_too_complex_operation_is_rejected_and_nothing_runs() {
    let app = TestApp::spawn_with(|c| c.max_complexity = 10).await;
    let complex = "mutation { createTeam(input: {name: \"Heavy\"}) { team { id name region createdAt updatedAt version manager { id email displayName role timezone active } } } }";

    let body = app.admin(complex, json!({})).await;

    assert_eq!(error_code(&body), Some("QUERY_REJECTED"));
    let app_count = app
        .admin("{ teams(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(app_count["data"]["teams"]["totalCount"], 0);
}

#[tokio::test]
async fn too_many_aliases_are_rejected_and_nothing_runs() {
    let app = TestApp::spawn_with(|c| c.max_aliases = 3).await;
    let fields: String = (0..4)
        .map(|i| format!("t{i}: createTeam(input: {{name: \"Team {i}\"}}) {{ team {{ id }} }}"))
        .collect::<Vec<_>>()
        .join(" ");

    let body = app
        .admin(&format!("mutation {{ {fields} }}"), json!({}))
        .await;

    assert_eq!(error_code(&body), Some("QUERY_REJECTED"));
    assert_eq!(team_count(&app).await, 0);
}

#[tokio::test]
async fn large_pages_weigh_more_in_complexity() {
    let app = TestApp::spawn_with(|c| c.max_complexity = 150).await;

    let small = app
        .admin("{ users(first: 5) { nodes { id email } } }", json!({}))
        .await;
    let large = app
        .admin("{ users(first: 100) { nodes { id email } } }", json!({}))
        .await;

    assert!(small["errors"].is_null(), "{small}");
    assert_eq!(error_code(&large), Some("QUERY_REJECTED"));
    // The refusal names the cost and the limit, over HTTP and over a socket alike.
    let error = &large["errors"][0];
    assert_eq!(error["extensions"]["limit"], 150);
    let cost = error["extensions"]["cost"].as_u64().unwrap();
    assert!(cost > 150, "{large}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&format!("costs {cost}")) && message.contains("limit is 150"));
}

#[tokio::test]
async fn a_too_complex_subscription_names_its_cost_too() {
    // Room for the admin's sign-in (cost 8), not for this subscription (cost 17).
    let app = TestApp::spawn_with(|c| c.max_complexity = 10).await;
    let mut socket = crate::websocket::connected(&app, &app.admin_token).await;
    let query = "subscription { opportunityStageChanged { changedAt note daysInPreviousStage \
        opportunity { id name amount owner { id displayName } } fromStage { id name } toStage { id name } } }";

    crate::websocket::send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": query}}),
    )
    .await;
    let answer = crate::websocket::json_of(crate::websocket::next(&mut socket).await);

    assert_eq!(answer["type"], "error", "{answer}");
    let error = &answer["payload"][0];
    assert_eq!(error["extensions"]["code"], "QUERY_REJECTED");
    assert_eq!(error["extensions"]["limit"], 10);
    assert_eq!(error["extensions"]["cost"], 17);
}
