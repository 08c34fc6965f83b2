//! Documents sent by hash: Apollo's automatic persisted queries, and trusted documents
//! registered with `salesgraph documents register` from a client build's manifest.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::*;

fn sha256(text: &str) -> String {
    salesgraph::trusted_documents::hash_of(text)
}

fn apq(hash: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})
}

const ME: &str = "query Me { me { id displayName } }";

/// A fresh directory for one test's files.
fn scratch_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("salesgraph-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Registers `documents` through the command line, as a release pipeline would.
fn register(app: &TestApp, documents: &[&str]) -> String {
    let manifest: serde_json::Map<String, Value> = documents
        .iter()
        .map(|text| (sha256(text), Value::String((*text).to_owned())))
        .collect();
    let dir = scratch_dir();
    let path = dir.join("persisted-documents.json");
    std::fs::write(&path, Value::Object(manifest).to_string()).unwrap();
    let (url, schema) = app.database();
    let output = Command::new(env!("CARGO_BIN_EXE_salesgraph"))
        .args(["documents", "register"])
        .arg(&path)
        .env("DATABASE_URL", url)
        .env("SALESGRAPH_DATABASE_SCHEMA", schema.unwrap_or_default())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn an_unknown_hash_is_not_found_then_registered_with_its_text() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let hash = sha256(ME);

    let (first_status, first) = app
        .post_json(Some(&rep.token), &json!({"extensions": apq(&hash)}))
        .await;
    let (_, second) = app
        .post_json(
            Some(&rep.token),
            &json!({"query": ME, "extensions": apq(&hash)}),
        )
        .await;
    let (_, third) = app
        .post_json(Some(&rep.token), &json!({"extensions": apq(&hash)}))
        .await;

    // 200, not 400: Apollo's link gives up on persisted queries after a 400.
    assert_eq!(first_status.as_u16(), 200);
    assert_eq!(error_code(&first), Some("PERSISTED_QUERY_NOT_FOUND"));
    assert_eq!(first["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(second["data"]["me"]["id"], rep.id.as_str(), "{second}");
    assert_eq!(third["data"]["me"]["id"], rep.id.as_str(), "{third}");
}

#[tokio::test]
async fn a_hash_that_is_not_the_texts_or_is_malformed_is_refused() {
    let app = TestApp::spawn().await;
    let wrong = sha256("{ users { totalCount } }");

    let forged = app
        .admin_request(json!({"query": ME, "extensions": apq(&wrong)}))
        .await;
    let malformed = app
        .admin_request(json!({"query": ME, "extensions": apq("abc")}))
        .await;
    let bad_id = app.admin_request(json!({"documentId": "sha256:xyz"})).await;

    assert_eq!(error_code(&forged), Some("BAD_USER_INPUT"), "{forged}");
    assert_eq!(
        error_field(&forged),
        Some("extensions.persistedQuery.sha256Hash")
    );
    assert_eq!(
        error_code(&malformed),
        Some("BAD_USER_INPUT"),
        "{malformed}"
    );
    assert_eq!(error_code(&bad_id), Some("BAD_USER_INPUT"), "{bad_id}");
    assert_eq!(error_field(&bad_id), Some("documentId"));
}

#[tokio::test]
async fn a_persisted_query_runs_over_get_but_a_persisted_mutation_does_not() {
    let app = TestApp::spawn().await;
    let mutation = "mutation { createTeam(input: {name: \"Via GET\"}) { team { id } } }";
    app.admin_request(json!({"query": ME, "extensions": apq(&sha256(ME))}))
        .await;
    app.admin_request(json!({"query": mutation, "extensions": apq(&sha256(mutation))}))
        .await;
    let get = |hash: String| {
        let url = app.url("/graphql");
        let token = app.admin_token.clone();
        async move {
            let extensions = apq(&hash).to_string();
            reqwest::Client::new()
                .get(url)
                .query(&[("extensions", extensions.as_str())])
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };

    let query = get(sha256(ME)).await;
    let refused = get(sha256(mutation)).await;

    assert_eq!(query.status().as_u16(), 200);
    let body: Value = query.json().await.unwrap();
    assert!(body["data"]["me"]["id"].is_string(), "{body}");
    assert_eq!(refused.status().as_u16(), 405);
    let teams = app.admin("{ teams { totalCount } }", json!({})).await;
    assert_eq!(
        teams["data"]["teams"]["totalCount"], 1,
        "only the POST created a team"
    );
}

#[tokio::test]
async fn registered_documents_run_by_id_and_only_they_run_when_required() {
    let app = TestApp::spawn_on_file_or_postgres_with(|c| {
        c.trusted_documents = "require".to_owned();
    })
    .await;
    let shipped = "query Shipped { me { id } }";
    let printed = register(&app, &[shipped, ME]);
    let again = register(&app, &[shipped]);
    let id = format!("sha256:{}", sha256(shipped));

    let by_id = app.admin_request(json!({"documentId": id})).await;
    let by_apq_hash = app
        .admin_request(json!({"extensions": apq(&sha256(ME))}))
        .await;
    let same_text = app.admin_request(json!({"query": shipped})).await;
    let other_text = app
        .admin_request(json!({"query": "{ users { totalCount } }"}))
        .await;
    let introspection = app
        .admin_request(json!({"query": "{ __schema { queryType { name } } }"}))
        .await;
    let unknown_id = app
        .admin_request(json!({"documentId": format!("sha256:{}", sha256("{ me { email } }"))}))
        .await;
    let new_apq = app
        .admin_request(
            json!({"query": "{ me { email } }", "extensions": apq(&sha256("{ me { email } }"))}),
        )
        .await;

    assert!(
        printed.contains("2 documents in the manifest, 2 newly registered"),
        "{printed}"
    );
    assert!(
        again.contains("1 documents in the manifest, 0 newly registered"),
        "{again}"
    );
    assert!(by_id["data"]["me"]["id"].is_string(), "{by_id}");
    assert!(
        by_apq_hash["data"]["me"]["displayName"].is_string(),
        "{by_apq_hash}"
    );
    assert!(same_text["data"]["me"]["id"].is_string(), "{same_text}");
    for refused in [&other_text, &introspection, &new_apq] {
        assert_eq!(
            error_code(refused),
            Some("PERSISTED_QUERY_NOT_IN_LIST"),
            "{refused}"
        );
        assert!(refused["data"].is_null(), "{refused}");
    }
    assert_eq!(error_code(&unknown_id), Some("PERSISTED_QUERY_NOT_FOUND"));
}

#[tokio::test]
async fn a_subscription_may_be_named_by_id_and_is_refused_unregistered_when_required() {
    let app = TestApp::spawn_on_file_or_postgres_with(|c| {
        c.trusted_documents = "require".to_owned();
    })
    .await;
    let account = "subscription Account { myAccountChanged { kind } }";
    register(&app, &[account]);
    let mut socket = crate::websocket::connected(&app, &app.admin_token).await;

    crate::websocket::send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { myAccountChanged { kind user { id } } }"}}),
    )
    .await;
    let refused = crate::websocket::json_of(crate::websocket::next(&mut socket).await);
    crate::websocket::send(
        &mut socket,
        json!({"id": "2", "type": "subscribe", "payload": {"documentId": format!("sha256:{}", sha256(account))}}),
    )
    .await;
    // Accepted: no answer until an event; a ping's pong comes first.
    crate::websocket::send(&mut socket, json!({"type": "ping"})).await;
    let accepted = crate::websocket::json_of(crate::websocket::next(&mut socket).await);

    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "1");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_IN_LIST"
    );
    assert_eq!(accepted["type"], "pong", "{accepted}");
}

#[test]
fn a_manifest_whose_keys_are_not_the_hashes_is_refused_by_the_command_line() {
    let dir = scratch_dir();
    let path = dir.join("forged.json");
    std::fs::write(
        &path,
        json!({ sha256(ME): "{ users { totalCount } }" }).to_string(),
    )
    .unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_salesgraph"))
        .args(["documents", "register"])
        .arg(&path)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/never.db?mode=rwc", dir.display()),
        )
        .output()
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not the SHA-256"), "{stderr}");
}
