//! Outbound webhooks: registration (admins only), the outbox, signed delivery to a receiving
//! server on 127.0.0.1 that fails, stalls, redirects and recovers, retries, disabling, and
//! delivery once across instances.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use salesgraph::webhooks::delivery::{Report, deliver_due};
use serde_json::{Value, json};

use salesgraph::clock::Clock;

use crate::helpers::*;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Status(u16),
    /// Answers 200 after this long.
    Slow(Duration),
    /// Answers 302 to another path of the receiver.
    Redirect,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Default)]
struct Book {
    received: Vec<Received>,
    replies: VecDeque<Reply>,
}

/// A receiving endpoint on a free loopback port: records every request, answers as planned
/// (200 once the plan is spent).
#[derive(Clone, Default)]
pub struct Receiver {
    book: Arc<Mutex<Book>>,
    pub url: String,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let receiver = Self {
            book: Arc::default(),
            url: format!("http://{addr}/hooks"),
        };
        let router = axum::Router::new()
            .fallback(answer)
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        receiver
    }

    pub fn plan(&self, replies: &[Reply]) {
        self.book.lock().unwrap().replies.extend(replies);
    }

    pub fn received(&self) -> Vec<Received> {
        self.book.lock().unwrap().received.clone()
    }
}

async fn answer(
    State(receiver): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = {
        let mut book = receiver.book.lock().unwrap();
        book.received.push(Received {
            path: uri.path().to_owned(),
            headers,
            body: body.to_vec(),
        });
        book.replies.pop_front()
    };
    match reply {
        None => StatusCode::OK.into_response(),
        Some(Reply::Status(code)) => StatusCode::from_u16(code)
            .unwrap_or(StatusCode::OK)
            .into_response(),
        Some(Reply::Slow(wait)) => {
            tokio::time::sleep(wait).await;
            StatusCode::OK.into_response()
        }
        Some(Reply::Redirect) => {
            (StatusCode::FOUND, [("location", "/elsewhere")], "moved").into_response()
        }
    }
}

/// An app whose webhooks may target loopback over http, as in development.
pub async fn insecure_app(configure: impl FnOnce(&mut salesgraph::Config)) -> TestApp {
    TestApp::spawn_with(|c| {
        c.webhooks.webhook_allow_insecure = true;
        configure(c);
    })
    .await
}

pub const CREATE: &str = "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url status eventTypes version description } } }";

/// Registers `url` for `types` as the admin: (id, secret).
pub async fn register(app: &TestApp, url: &str, types: &[&str]) -> (String, String) {
    let created = app
        .admin(CREATE, json!({"input": {"url": url, "eventTypes": types}}))
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let payload = &created["data"]["createWebhook"];
    (
        payload["webhook"]["id"].as_str().unwrap().to_owned(),
        payload["secret"].as_str().unwrap().to_owned(),
    )
}

pub async fn deliver(app: &TestApp) -> Report {
    deliver_due(&app.state, app.clock.now())
        .await
        .expect("deliver")
}

/// Checks `received` against `secret` with the Standard Webhooks reference library.
pub fn verify(secret: &str, received: &Received) -> bool {
    let checker = standardwebhooks::Webhook::new(secret).expect("secret");
    let mut headers = http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        headers.insert(name, received.header(name).parse().expect("header"));
    }
    checker.verify(&received.body, &headers).is_ok()
}

const DELIVERIES: &str = "query($filter: WebhookDeliveryFilter) { webhookDeliveries(filter: $filter, first: 50) { nodes { id eventId eventType status attemptCount nextAttemptAt lastStatusCode lastLatencyMs lastError finishedAt payload webhook { id } attempts { attemptedAt statusCode latencyMs error } } } }";

pub async fn deliveries(app: &TestApp, token: &str) -> Value {
    let listed = app.gql(Some(token), DELIVERIES, json!({})).await;
    assert!(listed["errors"].is_null(), "{listed}");
    listed["data"]["webhookDeliveries"]["nodes"].clone()
}

#[tokio::test]
async fn only_admins_register_and_read_webhooks() {
    let app = insecure_app(|_| {}).await;
    let receiver = Receiver::start().await;
    let (id, secret) = register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let listed = app
        .admin(
            "{ webhooks { id url status eventTypes createdBy { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["data"]["webhooks"][0]["id"], id.as_str(), "{listed}");
    assert_eq!(
        listed["data"]["webhooks"][0]["eventTypes"],
        json!(["CUSTOMER_CREATED"])
    );

    for role in ["SALES_REP", "SALES_MANAGER", "FINANCE", "SUPPORT"] {
        let user = app.a_user().role(role).create().await;
        let token = user.token.as_str();
        let tries = [
            app.gql(Some(token), "{ webhooks { id } }", json!({})).await,
            app.gql(Some(token), "{ webhookDeliveries { nodes { id } } }", json!({}))
                .await,
            app.gql(
                Some(token),
                CREATE,
                json!({"input": {"url": receiver.url, "eventTypes": ["DEAL_WON"]}}),
            )
            .await,
            app.gql(
                Some(token),
                "mutation($id: ID!) { deleteWebhook(input: {id: $id}) { deletedId } }",
                json!({"id": id}),
            )
            .await,
            app.gql(
                Some(token),
                "mutation($id: ID!) { rotateWebhookSecret(input: {id: $id, expectedVersion: 1}) { secret } }",
                json!({"id": id}),
            )
            .await,
            app.gql(
                Some(token),
                "mutation($id: ID!) { updateWebhook(input: {id: $id, expectedVersion: 1, enabled: false}) { webhook { id } } }",
                json!({"id": id}),
            )
            .await,
        ];
        for answer in tries {
            assert_eq!(error_code(&answer), Some("FORBIDDEN"), "{role}: {answer}");
        }
    }
    // Nothing changed on the way.
    let still = app
        .admin("{ webhooks { status version } }", json!({}))
        .await;
    assert_eq!(
        still["data"]["webhooks"],
        json!([{"status": "ACTIVE", "version": 1}])
    );
    let nobody = app.gql(None, "{ webhooks { id } }", json!({})).await;
    assert_eq!(error_code(&nobody), Some("UNAUTHENTICATED"), "{nobody}");
}

#[tokio::test]
async fn production_refuses_insecure_and_internal_endpoints() {
    let app = TestApp::spawn().await;
    for url in [
        "http://erp.example.com/hooks",
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]:8443/",
        "https://10.0.0.5/hooks",
        "https://user:secret@erp.example.com/hooks",
        "javascript:alert(1)",
        "",
    ] {
        let refused = app
            .admin(
                CREATE,
                json!({"input": {"url": url, "eventTypes": ["DEAL_WON"]}}),
            )
            .await;
        assert_eq!(
            code_and_field(&refused),
            (Some("BAD_USER_INPUT"), Some("input.url")),
            "{url}: {refused}"
        );
    }
    let huge = format!("https://erp.example.com/{}", "a".repeat(5000));
    let refused = app
        .admin(
            CREATE,
            json!({"input": {"url": huge, "eventTypes": ["DEAL_WON"]}}),
        )
        .await;
    assert_eq!(
        code_and_field(&refused),
        (Some("BAD_USER_INPUT"), Some("input.url"))
    );
    let none = app
        .admin(
            CREATE,
            json!({"input": {"url": "https://erp.example.com/hooks", "eventTypes": []}}),
        )
        .await;
    assert_eq!(
        code_and_field(&none),
        (Some("BAD_USER_INPUT"), Some("input.eventTypes")),
        "{none}"
    );
    let fine = app
        .admin(
            CREATE,
            json!({"input": {"url": "https://erp.example.com/hooks", "eventTypes": ["DEAL_WON", "DEAL_WON"]}}),
        )
        .await;
    assert_eq!(
        fine["data"]["createWebhook"]["webhook"]["eventTypes"],
        json!(["DEAL_WON"]),
        "{fine}"
    );
    let nothing = app
        .admin("{ webhookDeliveries { nodes { id } } }", json!({}))
        .await;
    assert_eq!(nothing["data"]["webhookDeliveries"]["nodes"], json!([]));
}

#[tokio::test]
async fn a_change_reaches_its_endpoint_signed_once_and_unsubscribed_changes_do_not() {
    let app = insecure_app(|_| {}).await;
    let receiver = Receiver::start().await;
    let (webhook, secret) = register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Hooked Co").await;
    // A change nobody subscribed to.
    let lead = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }",
            json!({"input": {"name": "Quiet lead", "company": "Quiet Co", "source": "EVENT"}}),
        )
        .await;
    assert!(lead["errors"].is_null(), "{lead}");

    let report = deliver(&app).await;
    assert_eq!((report.queued, report.succeeded), (1, 1), "{report:?}");
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let body = got[0].json();
    assert_eq!(body["type"], "customer.created", "{body}");
    assert_eq!(body["data"]["id"], customer.as_str());
    assert_eq!(body["data"]["type"], "Customer");
    assert_eq!(body["data"]["actorId"], rep.id.as_str());
    assert_eq!(body["data"]["name"], "Hooked Co");
    assert_eq!(got[0].header("content-type"), "application/json");
    assert!(
        verify(&secret, &got[0]),
        "the reference library accepts the signature"
    );
    // A tampered body or timestamp no longer verifies.
    let mut tampered = got[0].clone();
    tampered.body = tampered.body.replace_ascii("Hooked", "Hacked");
    assert!(!verify(&secret, &tampered));
    let mut shifted = got[0].clone();
    let later = got[0].header("webhook-timestamp").parse::<i64>().unwrap() + 1;
    shifted
        .headers
        .insert("webhook-timestamp", later.to_string().parse().unwrap());
    assert!(!verify(&secret, &shifted));

    // Nothing is sent twice.
    let again = deliver(&app).await;
    assert_eq!(again, Report::default());
    assert_eq!(receiver.received().len(), 1);
    let listed = deliveries(&app, &app.admin_token).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let delivery = &listed[0];
    assert_eq!(delivery["status"], "SUCCEEDED");
    assert_eq!(delivery["eventType"], "CUSTOMER_CREATED");
    assert_eq!(delivery["eventId"], got[0].header("webhook-id").as_str());
    assert_eq!(delivery["webhook"]["id"], webhook.as_str());
    assert_eq!(delivery["attemptCount"], 1);
    assert_eq!(delivery["lastStatusCode"], 200);
    assert!(delivery["nextAttemptAt"].is_null());
    assert_eq!(delivery["attempts"][0]["statusCode"], 200);
    assert!(delivery["attempts"][0]["latencyMs"].as_i64().unwrap() >= 0);
    let payload: Value = serde_json::from_str(delivery["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload, body);
}

trait ReplaceAscii {
    fn replace_ascii(&self, from: &str, to: &str) -> Vec<u8>;
}

impl ReplaceAscii for Vec<u8> {
    fn replace_ascii(&self, from: &str, to: &str) -> Vec<u8> {
        String::from_utf8(self.clone())
            .unwrap()
            .replace(from, to)
            .into_bytes()
    }
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_on_schedule_with_the_same_id_until_it_recovers() {
    let app = insecure_app(|_| {}).await;
    let receiver = Receiver::start().await;
    receiver.plan(&[Reply::Status(500), Reply::Status(503)]);
    let (webhook, secret) = register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    let rep = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Flaky Co").await;

    let first = deliver(&app).await;
    assert_eq!((first.attempted, first.failed), (1, 1), "{first:?}");
    let listed = deliveries(&app, &app.admin_token).await;
    let pending = &listed[0];
    assert_eq!(pending["status"], "PENDING", "{pending}");
    assert_eq!(pending["lastStatusCode"], 500);
    assert_eq!(pending["lastError"], "answered 500");
    // The first retry comes within a minute: 30 s, give or take a fifth.
    let next: chrono::DateTime<chrono::Utc> =
        pending["nextAttemptAt"].as_str().unwrap().parse().unwrap();
    let wait = (next - app.clock.now()).num_seconds();
    assert!((23..=36).contains(&wait), "first retry in {wait}s");
    let failing = app.admin("{ webhooks { failingSince } }", json!({})).await;
    assert!(!failing["data"]["webhooks"][0]["failingSince"].is_null());

    // Not due yet: nothing is sent.
    assert_eq!(deliver(&app).await.attempted, 0);
    app.clock.advance(chrono::Duration::seconds(37));
    assert_eq!(deliver(&app).await.failed, 1);
    // The second wait is two minutes, give or take a fifth.
    app.clock.advance(chrono::Duration::seconds(145));
    assert_eq!(deliver(&app).await.succeeded, 1);

    let got = receiver.received();
    assert_eq!(got.len(), 3);
    let ids: Vec<String> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one id for every try: {ids:?}"
    );
    // The last try is signed at its own time.
    assert!(verify(&secret, &got[0]));
    let listed = deliveries(&app, &app.admin_token).await;
    let done = &listed[0];
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["attemptCount"], 3);
    let codes: Vec<Value> = done["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["statusCode"].clone())
        .collect();
    assert_eq!(codes, [json!(500), json!(503), json!(200)]);
    let healthy = app
        .admin("{ webhooks { id failingSince status } }", json!({}))
        .await;
    assert_eq!(
        healthy["data"]["webhooks"],
        json!([{"id": webhook, "failingSince": null, "status": "ACTIVE"}])
    );
}

#[tokio::test]
async fn slow_and_redirecting_endpoints_fail_without_being_followed() {
    let app = insecure_app(|c| c.webhooks.webhook_timeout_secs = 1).await;
    let receiver = Receiver::start().await;
    receiver.plan(&[Reply::Slow(Duration::from_secs(3)), Reply::Redirect]);
    register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    let rep = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Slow Co").await;

    let started = std::time::Instant::now();
    assert_eq!(deliver(&app).await.failed, 1);
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "the timeout cut it short"
    );
    let listed = deliveries(&app, &app.admin_token).await;
    let attempt = &listed[0]["attempts"][0];
    assert!(attempt["statusCode"].is_null(), "{attempt}");
    assert!(
        attempt["error"].as_str().unwrap().starts_with("timed out"),
        "{attempt}"
    );

    app.clock.advance(chrono::Duration::seconds(40));
    assert_eq!(deliver(&app).await.failed, 1);
    let listed = deliveries(&app, &app.admin_token).await;
    let attempt = &listed[0]["attempts"][1];
    assert_eq!(attempt["statusCode"], 302, "{attempt}");
    assert_eq!(
        attempt["error"],
        "answered 302 (redirects are not followed)"
    );
    let paths: Vec<String> = receiver.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/hooks", "/hooks"], "the redirect was not followed");
}

#[tokio::test]
async fn an_endpoint_failing_every_retry_is_disabled_admins_are_told_and_it_can_resume() {
    let app = insecure_app(|c| {
        c.webhooks.webhook_retry_schedule =
            salesgraph::webhook_settings::parse_schedule("1m,1m").unwrap();
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.plan(&[Reply::Status(500); 3]);
    let (webhook, _) = register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    let rep = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Down Co").await;
    for _ in 0..3 {
        assert_eq!(deliver(&app).await.failed, 1);
        app.clock.advance(chrono::Duration::seconds(80));
    }
    let admin = fresh_admin(&app).await;
    let listed = deliveries(&app, &admin).await;
    assert_eq!(listed[0]["status"], "FAILED", "{listed}");
    assert!(!listed[0]["finishedAt"].is_null());
    let disabled = app
        .gql(
            Some(&admin),
            "{ webhooks { status disabledReason version } }",
            json!({}),
        )
        .await;
    assert_eq!(
        disabled["data"]["webhooks"][0]["status"], "DISABLED",
        "{disabled}"
    );
    assert!(
        disabled["data"]["webhooks"][0]["disabledReason"]
            .as_str()
            .unwrap()
            .starts_with("Disabled after every delivery failed"),
        "{disabled}"
    );
    assert_eq!(
        notified_about(&app, &admin, "WEBHOOK_DISABLED").await,
        [json!(webhook)],
        "admins are told"
    );
    // While disabled, new changes queue nothing and nothing is sent.
    crate::fixtures::a_customer(&app, &rep.token, "Unseen Co").await;
    assert_eq!(deliver(&app).await, Report::default());
    let failed_id = listed[0]["id"].clone();
    let redeliver = "mutation($id: ID!) { redeliverWebhook(input: {deliveryId: $id}) { delivery { id status eventId } } }";
    let refused = app
        .gql(Some(&admin), redeliver, json!({"id": failed_id}))
        .await;
    assert_eq!(
        code_and_field(&refused),
        (Some("INVALID_STATE"), Some("input.deliveryId")),
        "{refused}"
    );

    let version = disabled["data"]["webhooks"][0]["version"].clone();
    let enabled = app
        .gql(
            Some(&admin),
            "mutation($id: ID!, $v: Int!) { updateWebhook(input: {id: $id, expectedVersion: $v, enabled: true}) { webhook { status disabledReason failingSince } } }",
            json!({"id": webhook, "v": version}),
        )
        .await;
    assert_eq!(
        enabled["data"]["updateWebhook"]["webhook"],
        json!({"status": "ACTIVE", "disabledReason": null, "failingSince": null}),
        "{enabled}"
    );
    let again = app
        .gql(Some(&admin), redeliver, json!({"id": failed_id}))
        .await;
    let redelivered = &again["data"]["redeliverWebhook"]["delivery"];
    assert_eq!(redelivered["status"], "PENDING", "{again}");
    assert_ne!(redelivered["id"], failed_id);
    assert_eq!(redelivered["eventId"], listed[0]["eventId"]);
    assert_eq!(deliver(&app).await.succeeded, 1);
    let got = receiver.received();
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].header("webhook-id"), got[0].header("webhook-id"));
}

/// An admin token valid at the clock's current time.
async fn fresh_admin(app: &TestApp) -> String {
    let login = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends() {
    let app = insecure_app(|_| {}).await;
    let receiver = Receiver::start().await;
    let (webhook, old) = register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    let rotated = app
        .admin(
            "mutation($id: ID!) { rotateWebhookSecret(input: {id: $id, expectedVersion: 1}) { secret webhook { version previousSecretExpiresAt } } }",
            json!({"id": webhook}),
        )
        .await;
    let new = rotated["data"]["rotateWebhookSecret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(
        rotated["data"]["rotateWebhookSecret"]["webhook"]["version"],
        2
    );
    let stale = app
        .admin(
            "mutation($id: ID!) { rotateWebhookSecret(input: {id: $id, expectedVersion: 1}) { secret } }",
            json!({"id": webhook}),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"), "{stale}");
    let rep = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Rotated Co").await;
    deliver(&app).await;
    let got = receiver.received();
    assert!(
        verify(&new, &got[0]) && verify(&old, &got[0]),
        "both secrets verify"
    );
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);

    app.clock.advance(chrono::Duration::hours(25));
    let rep_token = app.token_for(&rep).await;
    crate::fixtures::a_customer(&app, &rep_token, "Later Co").await;
    deliver(&app).await;
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[1].header("webhook-signature").split(' ').count(),
        1,
        "the old secret no longer signs"
    );
}

#[tokio::test]
async fn registering_again_with_the_same_key_returns_the_same_endpoint() {
    let app = insecure_app(|_| {}).await;
    let input = json!({"input": {"url": "http://127.0.0.1:9/hooks", "eventTypes": ["DEAL_WON"], "idempotencyKey": "hook-1"}});
    let first = app.admin(CREATE, input.clone()).await;
    let second = app.admin(CREATE, input).await;
    assert!(first["errors"].is_null(), "{first}");
    assert_eq!(first["data"], second["data"]);
    let listed = app.admin("{ webhooks { id } }", json!({})).await;
    assert_eq!(listed["data"]["webhooks"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_delivery_list_reads_in_constant_statements() {
    let app = insecure_app(|_| {}).await;
    let receiver = Receiver::start().await;
    receiver.plan(&[Reply::Status(500)]);
    register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    register(&app, &receiver.url, &["CUSTOMER_CREATED", "LEAD_CREATED"]).await;
    let rep = app.a_user().create().await;
    let count = async |app: &TestApp| {
        app.quiet().await;
        let _ = app.take_statement_count();
        let listed = deliveries(app, &app.admin_token).await;
        (listed.as_array().unwrap().len(), app.take_statement_count())
    };
    crate::fixtures::a_customer(&app, &rep.token, "One Co").await;
    deliver(&app).await;
    let (two, few) = count(&app).await;
    for name in ["Two Co", "Three Co", "Four Co"] {
        crate::fixtures::a_customer(&app, &rep.token, name).await;
    }
    deliver(&app).await;
    let (eight, many) = count(&app).await;
    assert_eq!((two, eight), (2, 8));
    assert_eq!(few, many, "statements do not grow with deliveries");
}

#[tokio::test]
async fn the_outbox_survives_an_instance_that_never_sent() {
    let app =
        TestApp::spawn_on_file_or_postgres_with(|c| c.webhooks.webhook_allow_insecure = true).await;
    let receiver = Receiver::start().await;
    register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    let rep = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Committed Co").await;
    // This instance stops before sending anything; another one, started afresh on the same
    // database, finds the committed event and delivers it.
    let (_, other) = app.second_instance().await;
    let report = deliver_due(&other, app.clock.now()).await.unwrap();
    assert_eq!(report.succeeded, 1, "{report:?}");
    assert_eq!(
        receiver.received()[0].json()["data"]["name"],
        "Committed Co"
    );
    assert_eq!(deliver(&app).await, Report::default());
}

#[tokio::test]
async fn two_instances_sending_at_once_deliver_each_event_once() {
    let app = TestApp::spawn_on_postgres_with(|c| c.webhooks.webhook_allow_insecure = true).await;
    let receiver = Receiver::start().await;
    receiver.plan(&[Reply::Slow(Duration::from_millis(200)); 12]);
    register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    let rep = app.a_user().create().await;
    for n in 0..12 {
        crate::fixtures::a_customer(&app, &rep.token, &format!("Twice {n}")).await;
    }
    let (_, other) = app.second_instance().await;
    let now = app.clock.now();
    let (a, b) = tokio::join!(deliver_due(&app.state, now), deliver_due(&other, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.queued + b.queued, 12, "{a:?} {b:?}");
    assert_eq!(a.succeeded + b.succeeded, 12, "{a:?} {b:?}");
    let mut ids: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.header("webhook-id"))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    assert_eq!(receiver.received().len(), 12, "each event once");
}

#[tokio::test]
async fn a_deleted_endpoint_gets_nothing_more() {
    let app = insecure_app(|_| {}).await;
    let receiver = Receiver::start().await;
    let (webhook, _) = register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    let rep = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Before Co").await;
    let deleted = app
        .admin(
            "mutation($id: ID!) { deleteWebhook(input: {id: $id}) { deletedId } }",
            json!({"id": webhook}),
        )
        .await;
    assert_eq!(
        deleted["data"]["deleteWebhook"]["deletedId"],
        webhook.as_str()
    );
    assert_eq!(deliver(&app).await.attempted, 0);
    let again = app
        .admin(
            "mutation($id: ID!) { deleteWebhook(input: {id: $id}) { deletedId } }",
            json!({"id": webhook}),
        )
        .await;
    assert_eq!(
        code_and_field(&again),
        (Some("NOT_FOUND"), Some("input.id")),
        "{again}"
    );
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn a_won_deal_is_a_stage_change_and_a_win_with_stage_ids_and_no_more() {
    let app = insecure_app(|_| {}).await;
    crate::fixtures::without_playbook(&app).await;
    let receiver = Receiver::start().await;
    register(
        &app,
        &receiver.url,
        &["OPPORTUNITY_STAGE_CHANGED", "DEAL_WON", "DEAL_LOST"],
    )
    .await;
    let rep = app.a_user().create().await;
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Won Co").await;
    let created = app
        .gql(
            Some(&rep.token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version stage { id } } } }",
            json!({"input": {"customerId": customer, "name": "Big one", "amount": "1234.50", "expectedCloseDate": "2026-12-31"}}),
        )
        .await;
    let deal = &created["data"]["createOpportunity"]["opportunity"];
    let won = app
        .gql(
            Some(&rep.token),
            "mutation($input: WinOpportunityInput!) { winOpportunity(input: $input) { opportunity { status stage { id } } } }",
            json!({"input": {"id": deal["id"], "expectedVersion": deal["version"], "reasonId": WIN_REASON}}),
        )
        .await;
    assert_eq!(
        won["data"]["winOpportunity"]["opportunity"]["status"], "WON",
        "{won}"
    );
    assert_eq!(deliver(&app).await.succeeded, 2);
    let bodies: Vec<Value> = receiver.received().iter().map(Received::json).collect();
    let types: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["opportunity.stage_changed", "deal.won"]);
    for body in &bodies {
        let data = &body["data"];
        assert_eq!(data["id"], deal["id"]);
        assert_eq!(data["status"], "WON");
        assert_eq!(data["fromStageId"], deal["stage"]["id"]);
        assert_eq!(
            data["toStageId"],
            won["data"]["winOpportunity"]["opportunity"]["stage"]["id"]
        );
        let keys: std::collections::BTreeSet<&str> = data
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "actorId",
                "fromStageId",
                "id",
                "status",
                "toStageId",
                "type"
            ]
            .into(),
            "only the change's own fields travel: {data}"
        );
    }
}

#[tokio::test]
async fn housekeeping_drops_finished_deliveries_past_retention_and_keeps_pending_ones() {
    let app = insecure_app(|_| {}).await;
    let receiver = Receiver::start().await;
    register(&app, &receiver.url, &["CUSTOMER_CREATED"]).await;
    let rep = app.a_user().create().await;
    crate::fixtures::a_customer(&app, &rep.token, "Old Co").await;
    assert_eq!(deliver(&app).await.succeeded, 1);
    app.clock.advance(chrono::Duration::days(31));
    // A fresh delivery still being retried stays, whatever its age later.
    receiver.plan(&[Reply::Status(500)]);
    let rep_token = app.token_for(&rep).await;
    crate::fixtures::a_customer(&app, &rep_token, "New Co").await;
    assert_eq!(deliver(&app).await.failed, 1);
    let report = salesgraph::jobs::housekeeping(&app.state, app.clock.now())
        .await
        .unwrap();
    assert!(report.ran && report.affected >= 3, "{report:?}");
    let admin = fresh_admin(&app).await;
    let left = deliveries(&app, &admin).await;
    let statuses: Vec<&Value> = left
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["status"])
        .collect();
    assert_eq!(statuses, [&json!("PENDING")], "{left}");
}

#[tokio::test]
async fn oversized_descriptions_are_refused_on_their_field() {
    let app = insecure_app(|_| {}).await;
    let refused = app
        .admin(
            CREATE,
            json!({"input": {"url": "http://127.0.0.1:9/hooks", "eventTypes": ["DEAL_WON"], "description": "d".repeat(501)}}),
        )
        .await;
    assert_eq!(
        code_and_field(&refused),
        (Some("BAD_USER_INPUT"), Some("input.description")),
        "{refused}"
    );
    let listed = app.admin("{ webhooks { id } }", json!({})).await;
    assert_eq!(listed["data"]["webhooks"], json!([]));
}

#[tokio::test]
async fn an_endpoint_bound_to_a_service_account_gets_only_events_it_may_see() {
    let app = insecure_app(|_| {}).await;
    let receiver = Receiver::start().await;
    let rep = app.a_user().create().await;
    let sees_own = crate::api_keys::an_account(&app, "SALES_REP", &["customers:read"], None).await;
    let sees_all = crate::api_keys::an_account(&app, "SUPPORT", &["customers:read"], None).await;
    let bind = |path: &str, account: Option<&str>| {
        json!({"input": {"url": format!("{}/{path}", receiver.url),
            "eventTypes": ["CUSTOMER_CREATED"], "serviceAccountId": account}})
    };
    for (path, account) in [
        ("all", None),
        ("rep", Some(&sees_own)),
        ("support", Some(&sees_all)),
    ] {
        let made = app
            .admin(CREATE, bind(path, account.map(String::as_str)))
            .await;
        assert!(made["errors"].is_null(), "{made}");
    }
    let listed = app
        .admin("{ webhooks { url serviceAccount { id role } } }", json!({}))
        .await;
    let support = listed["data"]["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["url"].as_str().unwrap().ends_with("/support"))
        .unwrap()
        .clone();
    assert_eq!(support["serviceAccount"]["role"], "SUPPORT", "{listed}");

    crate::fixtures::a_customer(&app, &rep.token, "Seen By Support").await;
    deliver(&app).await;
    let mut paths: Vec<String> = receiver.received().iter().map(|r| r.path.clone()).collect();
    paths.sort();
    assert_eq!(paths, ["/hooks/all", "/hooks/support"]);

    // A deactivated account's endpoint hears nothing more.
    let stopped = app
        .admin(
            "mutation($id: ID!) { updateServiceAccount(input: {id: $id, expectedVersion: 1, active: false}) { serviceAccount { active } } }",
            json!({"id": sees_all}),
        )
        .await;
    assert!(stopped["errors"].is_null(), "{stopped}");
    crate::fixtures::a_customer(&app, &rep.token, "Unheard").await;
    deliver(&app).await;
    let to_support = receiver
        .received()
        .iter()
        .filter(|r| r.path == "/hooks/support")
        .count();
    assert_eq!((receiver.received().len(), to_support), (3, 1));

    let missing = app
        .admin(CREATE, bind("x", Some(&missing_id("ServiceAccount"))))
        .await;
    assert_eq!(
        code_and_field(&missing),
        (Some("NOT_FOUND"), Some("input.serviceAccountId"))
    );
}
