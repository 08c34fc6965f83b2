//! Colleagues: everyone sees a colleague's name and team; e-mail only their own team, their
//! managers, finance and admins — nested anywhere exactly as `node` shows the same user.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::websocket::{connected, json_of, next, send};
use crate::write_rights::{a_shared_deal, org};

const PERSON: &str = "id displayName email team { name manager { id email } }";

async fn node(app: &TestApp, token: &str, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ node(id: $id) {{ ... on User {{ {PERSON} }} }} }}");
    app.gql(Some(token), &query, json!({"id": id})).await["data"]["node"].clone()
}

#[tokio::test]
async fn a_nested_user_shows_what_node_shows_to_each_viewer() {
    let app = TestApp::spawn().await;
    let org = org(&app).await;
    let deal = a_shared_deal(&app, &org, &[(&org.rb, 40)]).await;
    let query = format!("query($id: ID!) {{ opportunity(id: $id) {{ owner {{ {PERSON} }} }} }}");
    for (viewer, sees_email) in [
        (&org.rb, false),
        (&org.mb, false),
        (&org.ra, true),
        (&org.ma, true),
        (&org.finance, true),
    ] {
        let nested = app
            .gql(Some(&viewer.token), &query, json!({"id": deal}))
            .await;
        let owner = nested["data"]["opportunity"]["owner"].clone();
        assert_eq!(
            owner,
            node(&app, &viewer.token, &org.ra.id).await,
            "{nested}"
        );
        assert_eq!(owner["team"]["name"], "Team A");
        let expected = if sees_email {
            json!(org.ra.email)
        } else {
            Value::Null
        };
        assert_eq!(owner["email"], expected, "{}", viewer.email);
        // The owner's manager's e-mail follows the same rule for the manager.
        let manager_email = &owner["team"]["manager"]["email"];
        assert_eq!(manager_email.is_null(), !sees_email, "{nested}");
    }
    // Lists of customers show their owners the same way to finance.
    let customers = app
        .gql(
            Some(&org.finance.token),
            "{ customers { nodes { owner { email } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        customers["data"]["customers"]["nodes"][0]["owner"]["email"],
        org.ra.email.as_str()
    );
}

#[tokio::test]
async fn event_payloads_mask_colleagues_like_queries_do() {
    let app = TestApp::spawn().await;
    crate::fixtures::without_playbook(&app).await;
    let org = org(&app).await;
    let deal = a_shared_deal(&app, &org, &[(&org.rb, 40)]).await;
    let mut socket = connected(&app, &org.rb.token).await;
    send(
        &mut socket,
        json!({"id": "s", "type": "subscribe", "payload": {"query": "subscription { opportunityStageChanged { opportunity { owner { email displayName } } changedBy { email } } }"}}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let stages = app
        .gql(Some(&org.ra.token), "{ pipelineStages { id } }", json!({}))
        .await;
    let moved = app
        .gql(
            Some(&org.ra.token),
            "mutation($id: ID!, $s: ID!) { moveOpportunityStage(input: {id: $id, stageId: $s, expectedVersion: 2}) { opportunity { id } } }",
            json!({"id": deal, "s": stages["data"]["pipelineStages"][1]["id"]}),
        )
        .await;
    assert!(moved["errors"].is_null(), "{moved}");

    let event = json_of(next(&mut socket).await);
    let change = &event["payload"]["data"]["opportunityStageChanged"];
    assert_eq!(
        change["opportunity"]["owner"]["email"],
        Value::Null,
        "{event}"
    );
    assert_eq!(change["changedBy"]["email"], Value::Null, "{event}");
    assert!(change["opportunity"]["owner"]["displayName"].is_string());
}
