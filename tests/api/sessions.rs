//! Identity changes bite at once: a socket re-checks its account before every operation it
//! starts, and signing out ends the session's access tokens too, on every instance within the
//! viewer cache's window.

use std::time::Duration;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;
use crate::websocket::{close_code, connected, next, send};

const CREATE_CUSTOMER: &str =
    "mutation { createCustomer(input: {name: \"Over the socket\"}) { customer { id } } }";
const UPDATE_USER: &str =
    "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }";

async fn customers_of(app: &TestApp) -> usize {
    let body = app.admin("{ customers { totalCount } }", json!({})).await;
    usize::try_from(body["data"]["customers"]["totalCount"].as_u64().unwrap()).unwrap()
}

async fn logout(app: &TestApp, refresh_token: &str) {
    let body = app
        .gql(
            None,
            "mutation($t: String!) { logout(input: {refreshToken: $t}) { success } }",
            json!({"t": refresh_token}),
        )
        .await;
    assert_eq!(body["data"]["logout"]["success"], true, "{body}");
}

#[tokio::test]
async fn an_operation_over_an_open_socket_rechecks_the_account_first() {
    for change in [json!({"active": false}), json!({"role": "FINANCE"})] {
        let app = TestApp::spawn().await;
        let rep = app.a_user().create().await;
        let mut socket = connected(&app, &rep.token).await;
        let mut input = json!({"id": rep.id, "expectedVersion": 1});
        let fields = change.as_object().unwrap().clone();
        input.as_object_mut().unwrap().extend(fields);
        let changed = app.admin(UPDATE_USER, json!({ "input": input })).await;
        assert!(changed["errors"].is_null(), "{changed}");

        send(
            &mut socket,
            json!({"id": "m", "type": "subscribe", "payload": {"query": CREATE_CUSTOMER}}),
        )
        .await;

        assert_eq!(close_code(next(&mut socket).await), 4403, "{change}");
        assert_eq!(customers_of(&app).await, 0, "{change}");
    }
}

#[tokio::test]
async fn logout_ends_the_sessions_access_tokens_over_http_and_websocket() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other_device = app.login(&rep.email, &rep.password).await["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut socket = connected(&app, &rep.token).await;

    logout(&app, &rep.refresh_token).await;

    let (status, body) = app
        .post_json(Some(&rep.token), &json!({"query": "{ me { id } }"}))
        .await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (401, Some("UNAUTHENTICATED"))
    );
    send(
        &mut socket,
        json!({"id": "m", "type": "subscribe", "payload": {"query": CREATE_CUSTOMER}}),
    )
    .await;
    assert_eq!(close_code(next(&mut socket).await), 4403);
    assert_eq!(customers_of(&app).await, 0);
    // The other device's session goes on.
    let me = app
        .gql(Some(&other_device), "{ me { id } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["id"], rep.id.as_str(), "{me}");
}

#[tokio::test]
async fn logout_on_one_instance_ends_the_token_on_another_within_the_cache_window() {
    let app = TestApp::spawn_on_postgres_with(|c| c.viewer_cache_secs = 1).await;
    let (other, _) = app.second_instance().await;
    let rep = app.a_user().create().await;
    let ask_other = || async {
        reqwest::Client::new()
            .post(format!("http://{other}/graphql"))
            .bearer_auth(&rep.token)
            .json(&json!({"query": "{ me { id } }"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    // The other instance has the account cached with the session live.
    assert_eq!(ask_other().await, 200);

    logout(&app, &rep.refresh_token).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;

    assert_eq!(ask_other().await, 401);
}

#[tokio::test]
async fn a_socket_stays_open_while_the_account_is_unchanged() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let mut socket = connected(&app, &rep.token).await;
    send(
        &mut socket,
        json!({"id": "m", "type": "subscribe", "payload": {"query": CREATE_CUSTOMER}}),
    )
    .await;
    let Message::Text(text) = next(&mut socket).await else {
        panic!("expected a result");
    };
    let result: Value = serde_json::from_str(&text).unwrap();
    assert!(
        result["payload"]["data"]["createCustomer"]["customer"]["id"].is_string(),
        "{result}"
    );
    assert_eq!(customers_of(&app).await, 1);
}
