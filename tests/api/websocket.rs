//! GraphQL over WebSocket (`graphql-transport-ws`): authentication and caps.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::*;

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(app: &TestApp) -> Socket {
    open_at(app.addr).await
}

pub(crate) async fn open_at(addr: std::net::SocketAddr) -> Socket {
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next text or close message, within five seconds.
pub async fn next(socket: &mut Socket) -> Message {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message in time")
            .expect("socket open")
            .expect("valid frame");
        if matches!(message, Message::Text(_) | Message::Close(_)) {
            return message;
        }
    }
}

pub fn json_of(message: Message) -> Value {
    match message {
        Message::Text(text) => serde_json::from_str(&text).unwrap(),
        other => panic!("expected text, got {other:?}"),
    }
}

pub fn close_code(message: Message) -> u16 {
    match message {
        Message::Close(Some(frame)) => frame.code.into(),
        other => panic!("expected close, got {other:?}"),
    }
}

pub async fn connected(app: &TestApp, token: &str) -> Socket {
    connected_at(app.addr, token).await
}

/// Signed in over a WebSocket to the server at `addr` (another instance, say).
pub async fn connected_at(addr: std::net::SocketAddr, token: &str) -> Socket {
    let mut socket = open_at(addr).await;
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
    )
    .await;
    assert_eq!(json_of(next(&mut socket).await)["type"], "connection_ack");
    socket
}

const ACCOUNT: &str = "subscription { myAccountChanged { kind user { id role } } }";

#[tokio::test]
async fn a_signed_in_user_hears_about_changes_to_their_own_account_only() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let mut socket = connected(&app, &rep.token).await;
    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": ACCOUNT}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let update = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }";
    app.admin(
        update,
        json!({"input": {"id": other.id, "expectedVersion": 1, "displayName": "Not You"}}),
    )
    .await;
    app.admin(
        update,
        json!({"input": {"id": rep.id, "expectedVersion": 1, "role": "SALES_MANAGER"}}),
    )
    .await;

    let event = json_of(next(&mut socket).await);
    assert_eq!(event["type"], "next");
    assert_eq!(event["id"], "1");
    assert_eq!(
        event["payload"]["data"]["myAccountChanged"]["user"]["id"],
        rep.id.as_str()
    );
    assert_eq!(
        event["payload"]["data"]["myAccountChanged"]["kind"],
        "UPDATED"
    );
    assert_eq!(
        event["payload"]["data"]["myAccountChanged"]["user"]["role"],
        "SALES_MANAGER"
    );
}

#[tokio::test]
async fn a_connection_without_a_valid_token_is_closed_with_4403() {
    let app = TestApp::spawn().await;
    for payload in [json!({}), json!({"authorization": "Bearer not-a-token"})] {
        let mut socket = open(&app).await;
        send(
            &mut socket,
            json!({"type": "connection_init", "payload": payload}),
        )
        .await;
        assert_eq!(close_code(next(&mut socket).await), 4403);
    }
}

#[tokio::test]
async fn a_connection_that_never_initialises_is_closed_with_4408() {
    let app = TestApp::spawn_with(|c| c.ws_init_timeout_secs = 1).await;
    let mut socket = open(&app).await;

    assert_eq!(close_code(next(&mut socket).await), 4408);
}

#[tokio::test]
async fn subscriptions_per_connection_are_capped() {
    let app = TestApp::spawn_with(|c| c.ws_max_subscriptions = 1).await;
    let rep = app.a_user().create().await;
    let mut socket = connected(&app, &rep.token).await;

    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": ACCOUNT}}),
    )
    .await;
    send(
        &mut socket,
        json!({"id": "2", "type": "subscribe", "payload": {"query": ACCOUNT}}),
    )
    .await;

    let refused = json_of(next(&mut socket).await);
    assert_eq!(
        (refused["type"].as_str(), refused["id"].as_str()),
        (Some("error"), Some("2"))
    );
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "QUERY_REJECTED"
    );
}

#[tokio::test]
async fn an_oversized_message_closes_the_connection() {
    let app = TestApp::spawn_with(|c| c.ws_max_message_bytes = 1024).await;
    let rep = app.a_user().create().await;
    let mut socket = connected(&app, &rep.token).await;

    let huge = format!(
        "subscription {{ myAccountChanged {{ kind }} }} # {}",
        "x".repeat(4096)
    );
    let _ = socket
        .send(Message::Text(
            json!({"id": "1", "type": "subscribe", "payload": {"query": huge}})
                .to_string()
                .into(),
        ))
        .await;

    let ended = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("closed in time");
    assert!(
        matches!(ended, None | Some(Err(_)) | Some(Ok(Message::Close(_)))),
        "{ended:?}"
    );
}

#[tokio::test]
async fn a_rep_hears_live_when_a_lead_is_assigned_to_them() {
    let app = TestApp::spawn().await;
    let team = app.a_team("Live", None).await;
    let rep = app.a_user().in_team(&team).create().await;
    let mut socket = connected(&app, &rep.token).await;
    send(&mut socket, json!({"id": "n", "type": "subscribe", "payload": {"query": "subscription { notificationReceived { kind title subjectId } }"}})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let created = app
        .admin(
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": "Zhao Lei", "source": "WEB_FORM", "assign": "USER", "assigneeId": rep.id}}),
        )
        .await;

    let event = json_of(next(&mut socket).await);
    assert_eq!(
        event["payload"]["data"]["notificationReceived"]["kind"],
        "LEAD_ASSIGNED"
    );
    assert_eq!(
        event["payload"]["data"]["notificationReceived"]["subjectId"],
        created["data"]["createLead"]["lead"]["id"]
    );
}

#[tokio::test]
async fn a_message_larger_than_the_small_socket_buffer_still_arrives() {
    let app = TestApp::spawn_with(|c| c.ws_buffer_bytes = 1024).await;
    let rep = app.a_user().create().await;
    let mut socket = connected(&app, &rep.token).await;
    // Invalid on purpose: the server can only answer it after reading all 16 KiB.
    let padded = format!("subscription {{ noSuchField }} # {}", "x".repeat(16 * 1024));

    send(
        &mut socket,
        json!({"id": "big", "type": "subscribe", "payload": {"query": padded}}),
    )
    .await;
    let answer = json_of(next(&mut socket).await);

    assert_eq!(answer["id"], "big", "{answer}");
    assert!(
        answer["payload"]
            .to_string()
            .contains("GRAPHQL_VALIDATION_FAILED"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_open_socket_is_closed_once_its_account_is_deactivated_or_changed() {
    let app = TestApp::spawn_with(|c| c.ws_account_check_secs = 1).await;
    let deactivated = app.a_user().create().await;
    let promoted = app.a_user().create().await;
    let unchanged = app.a_user().create().await;
    let mut sockets = Vec::new();
    for user in [&deactivated, &promoted, &unchanged] {
        let mut socket = connected(&app, &user.token).await;
        send(
            &mut socket,
            json!({"id": "n", "type": "subscribe", "payload": {"query": "subscription { notificationReceived { id } }"}}),
        )
        .await;
        sockets.push(socket);
    }
    let update = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }";

    let off = app
        .admin(
            update,
            json!({"input": {"id": deactivated.id, "active": false, "expectedVersion": 1}}),
        )
        .await;
    let up = app
        .admin(
            update,
            json!({"input": {"id": promoted.id, "role": "SALES_MANAGER", "expectedVersion": 1}}),
        )
        .await;
    let closed: Vec<u16> = {
        let mut codes = Vec::new();
        for socket in sockets.iter_mut().take(2) {
            let message = tokio::time::timeout(Duration::from_secs(5), next(socket))
                .await
                .expect("closed within the check interval");
            codes.push(close_code(message));
        }
        codes
    };
    let still_open = tokio::time::timeout(
        Duration::from_millis(2500),
        futures_util::StreamExt::next(&mut sockets[2]),
    )
    .await;

    assert!(
        off["errors"].is_null() && up["errors"].is_null(),
        "{off} {up}"
    );
    assert_eq!(closed, [4403, 4403]);
    assert!(
        still_open.is_err(),
        "an unchanged account keeps its socket: {still_open:?}"
    );
}

/// Opens a socket and sends `connection_init` with `token`; the first answer.
async fn init_answer(app: &TestApp, token: &str) -> (Socket, Message) {
    let mut socket = open(app).await;
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
    )
    .await;
    let answer = next(&mut socket).await;
    (socket, answer)
}

#[tokio::test]
async fn sockets_per_user_are_capped_and_given_back_when_closed() {
    let app = TestApp::spawn_with(|c| c.ws_max_per_user = 2).await;
    let rep = app.a_user().create().await;
    let other = app.a_user().create().await;
    let (first, _) = init_answer(&app, &rep.token).await;
    let (_second, answer) = init_answer(&app, &rep.token).await;
    assert_eq!(json_of(answer)["type"], "connection_ack");

    let (_, refused) = init_answer(&app, &rep.token).await;
    assert_eq!(close_code(refused), 4429);
    // Another user is not affected.
    let (_, answer) = init_answer(&app, &other.token).await;
    assert_eq!(json_of(answer)["type"], "connection_ack");

    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, answer) = init_answer(&app, &rep.token).await;
    assert_eq!(json_of(answer)["type"], "connection_ack");
}

#[tokio::test]
async fn sockets_per_address_are_capped_before_anything_is_read() {
    let app = TestApp::spawn_with(|c| c.ws_max_per_address = 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let rep = app.a_user().create().await;
        let (socket, answer) = init_answer(&app, &rep.token).await;
        assert_eq!(json_of(answer)["type"], "connection_ack");
        held.push(socket);
    }
    // Anonymous: refused before its `connection_init` is even read.
    let mut socket = open(&app).await;
    assert_eq!(close_code(next(&mut socket).await), 4429);
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rep = app.a_user().create().await;
    let (_, answer) = init_answer(&app, &rep.token).await;
    assert_eq!(json_of(answer)["type"], "connection_ack");
}

#[tokio::test]
async fn an_oversized_message_closes_with_1009_before_and_after_init() {
    let app = TestApp::spawn_with(|c| c.ws_max_message_bytes = 1024).await;
    let rep = app.a_user().create().await;
    let huge = json!({"type": "connection_init", "payload": {"pad": "x".repeat(4096)}});
    let mut socket = open(&app).await;
    send(&mut socket, huge).await;
    assert_eq!(close_code(next(&mut socket).await), 1009);

    let mut socket = connected(&app, &rep.token).await;
    let query = format!(
        "subscription {{ myAccountChanged {{ kind }} }} # {}",
        "x".repeat(4096)
    );
    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": query}}),
    )
    .await;
    assert_eq!(close_code(next(&mut socket).await), 1009);
}

#[tokio::test]
async fn a_subscription_that_fails_validation_gets_the_protocols_error_message() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let mut socket = connected(&app, &rep.token).await;

    send(
        &mut socket,
        json!({"id": "bad", "type": "subscribe", "payload": {"query": "subscription { myAccountChanged { nope } }"}}),
    )
    .await;
    let refused = json_of(next(&mut socket).await);
    // The next message is the ping's pong: no `complete` follows the `error`.
    send(&mut socket, json!({"type": "ping"})).await;
    let after = json_of(next(&mut socket).await);

    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "bad");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(after["type"], "pong", "{after}");
}

#[tokio::test]
async fn a_subscription_with_a_missing_variable_is_refused_with_bad_user_input() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let mut socket = connected(&app, &rep.token).await;
    let query = "subscription($id: ID!) { opportunityStageChanged(filter: {opportunityId: $id}) { opportunity { id } } }";

    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {}}}),
    )
    .await;
    let refused = json_of(next(&mut socket).await);

    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(refused["payload"][0]["extensions"]["field"], "id");
}

#[tokio::test]
async fn a_client_that_closes_gets_a_close_frame_back() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let mut socket = connected(&app, &rep.token).await;

    socket
        .send(Message::Close(Some(
            tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: 1000.into(),
                reason: "bye".into(),
            },
        )))
        .await
        .unwrap();

    assert_eq!(close_code(next(&mut socket).await), 1000);
}
