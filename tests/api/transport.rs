//! GraphQL over HTTP: methods, media types, status codes, request ids, health.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_query_may_be_sent_with_get() {
    let app = TestApp::spawn().await;

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ serverInfo { currency version } }")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["serverInfo"]["currency"], "CNY");
}

#[tokio::test]
async fn a_mutation_sent_with_get_is_refused_with_405_and_not_run() {
    let app = TestApp::spawn().await;
    let query = format!(
        "mutation {{ login(input: {{email: \"{ADMIN_EMAIL}\", password: \"wrong-password\"}}) {{ accessToken }} }}"
    );

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", query.as_str())])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        entity::login_failure::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_response_media_type_follows_accept() {
    let app = TestApp::spawn().await;
    let send = |accept: &'static str, query: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("accept", accept)
            .json(&json!({"query": query}))
            .send()
    };

    let modern = send(
        "application/graphql-response+json",
        "{ serverInfo { currency } }",
    )
    .await
    .unwrap();
    let legacy = send("application/json", "{ serverInfo { currency } }")
        .await
        .unwrap();
    let modern_invalid = send(
        "application/graphql-response+json",
        "{ serverInfo { nope } }",
    )
    .await
    .unwrap();
    let legacy_invalid = send("application/json", "{ serverInfo { nope } }")
        .await
        .unwrap();

    assert!(
        modern.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    assert!(
        legacy.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(modern_invalid.status(), 400);
    assert_eq!(legacy_invalid.status(), 200);
    let body: Value = modern_invalid.json().await.unwrap();
    assert_eq!(error_code(&body), Some("GRAPHQL_VALIDATION_FAILED"));
    assert!(body.get("data").is_none());
}

#[tokio::test]
async fn malformed_requests_get_400_with_a_graphql_shaped_body() {
    let app = TestApp::spawn().await;
    for body in [
        "{not json",
        r#"{"query": 42}"#,
        r#"{"variables": {}}"#,
        r#"{"query": "{ serverInfo { version } }", "variables": "x"}"#,
    ] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(error_code(&json), Some("BAD_USER_INPUT"), "{body}");
    }
    let parse = app.gql(None, "{ serverInfo { ", json!({})).await;
    assert_eq!(error_code(&parse), Some("GRAPHQL_PARSE_FAILED"));
}

#[tokio::test]
async fn the_request_id_is_echoed_in_the_header_and_in_errors() {
    let app = TestApp::spawn().await;

    let response = app
        .client
        .post(app.url("/graphql"))
        .header("x-request-id", "req-12345")
        .json(&json!({"query": "{ me { id } }"}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["x-request-id"], "req-12345");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], "req-12345");
    let generated = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(!generated.headers()["x-request-id"].is_empty());
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_graphql() {
    let app = TestApp::spawn_with(|c| c.body_limit_bytes = 1024).await;
    let padding = "x".repeat(2048);
    let query = format!(
        "mutation {{ createTeam(input: {{name: \"Padded\", region: \"{padding}\"}}) {{ team {{ id }} }} }}"
    );

    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .json(&json!({"query": query}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 413);
    let teams = app.admin("{ teams { totalCount } }", json!({})).await;
    assert_eq!(teams["data"]["teams"]["totalCount"], 0);
}

#[tokio::test]
async fn batches_run_up_to_the_limit_and_larger_ones_run_nothing() {
    let app = TestApp::spawn_with(|c| c.max_batch = 2).await;
    let create = |name: &str| json!({"query": format!("mutation {{ createTeam(input: {{name: \"{name}\"}}) {{ team {{ id }} }} }}")});

    let (status, rejected) = app
        .post_json(
            Some(&app.admin_token),
            &json!([create("A"), create("B"), create("C")]),
        )
        .await;
    let (ok_status, ok) = app
        .post_json(Some(&app.admin_token), &json!([create("D"), create("E")]))
        .await;

    assert_eq!(status, 400);
    assert_eq!(error_code(&rejected), Some("QUERY_REJECTED"));
    assert_eq!(ok_status, 200);
    assert_eq!(ok.as_array().unwrap().len(), 2);
    let teams = app.admin("{ teams { nodes { name } } }", json!({})).await;
    // The operations of a batch are independent and may run in any order.
    let mut names: Vec<&str> = teams["data"]["teams"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["D", "E"]);
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;

    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();

    assert_eq!(health.status(), 200);
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn database_failures_reach_clients_as_codes_without_driver_text() {
    let app = TestApp::spawn().await;
    app.state.db.close_by_ref().await.unwrap();

    let body = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();

    let code = error_code(&body).unwrap();
    assert!(
        code == "SERVICE_UNAVAILABLE" || code == "INTERNAL_SERVER_ERROR",
        "{body}"
    );
    let text = body.to_string().to_lowercase();
    for leak in ["sqlx", "pool", "sqlite", "postgres", "connection", "closed"] {
        assert!(!text.contains(leak), "{leak} leaked: {body}");
    }
    assert_eq!(ready.status(), 503);
}

#[tokio::test]
async fn metrics_report_operation_latency_error_codes_and_the_pool() {
    let app = TestApp::spawn().await;
    app.post_json(
        Some(&app.admin_token),
        &json!({"query": "query CountMe { me { id } }", "operationName": "CountMe"}),
    )
    .await;
    app.gql(None, "query Anonymous { me { id } }", json!({}))
        .await;
    // Operation names are the client's to invent: they never become label values.
    app.post_json(
        Some(&app.admin_token),
        &json!({"query": "query Invented123 { me { id } serverInfo { currency } }", "operationName": "Invented123"}),
    )
    .await;

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();

    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(
        text.contains("graphql_operation_duration_seconds_bucket{operation=\"query:me\""),
        "{text}"
    );
    assert!(text.contains("operation=\"query:me,serverInfo\""), "{text}");
    assert!(!text.contains("Invented123"), "{text}");
    assert!(
        text.contains("graphql_errors_total{code=\"UNAUTHENTICATED\"}"),
        "{text}"
    );
    assert!(
        text.contains("db_pool_connections{state=\"idle\"}"),
        "{text}"
    );
}

#[tokio::test]
async fn an_oversized_body_gets_a_graphql_shaped_413() {
    let app = TestApp::spawn_with(|c| c.body_limit_bytes = 1024).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(json!({"query": format!("{{ me {{ id }} }} # {}", "x".repeat(4096))}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("QUERY_REJECTED"), "{body}");
}

#[tokio::test]
async fn only_short_printable_request_ids_are_taken_from_clients() {
    let app = TestApp::spawn().await;
    let echo = |id: String| {
        let client = app.client.clone();
        let url = app.url("/graphql");
        async move {
            let response = client
                .post(url)
                .header("x-request-id", id)
                .json(&json!({"query": "{ serverInfo { version } }"}))
                .send()
                .await
                .unwrap();
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(echo("phone-42-retry-1".into()).await, "phone-42-retry-1");
    for unfit in ["r".repeat(65), "has space".into(), "tab\there".into()] {
        let replaced = echo(unfit.clone()).await;
        assert_ne!(replaced, unfit);
        assert!(uuid::Uuid::parse_str(&replaced).is_ok(), "{replaced}");
    }
}

#[tokio::test]
async fn metrics_can_be_kept_behind_a_token() {
    let app = TestApp::spawn_with(|config| {
        config.metrics_token = Some("scrape-token-of-the-monitoring-system".into());
    })
    .await;
    let scrape = |token: Option<&str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    for refused in [None, Some("wrong"), Some("scrape-token-of-the-monitoring")] {
        let response = scrape(refused).await.unwrap();
        assert_eq!(response.status(), 401, "{refused:?}");
        assert!(!response.text().await.unwrap().contains("graphql_"));
    }
    // A user's access token is not the metrics token either.
    let response = scrape(Some(&app.admin_token)).await.unwrap();
    assert_eq!(response.status(), 401);

    let response = scrape(Some("scrape-token-of-the-monitoring-system"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("db_pool_connections")
    );
}
