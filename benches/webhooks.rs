//! Webhook delivery through the real sender: two `salesgraph serve` processes on one PostgreSQL
//! schema (each with its own sender), a receiver in this process on 127.0.0.1. Admins register
//! one endpoint for `CUSTOMER_CREATED`; clients create customers through both instances, in
//! bursts. Reports, per burst: how long from each `createCustomer` answer until the receiver
//! got its event (p50, p95, max), the throughput of the whole burst, and that every event came
//! exactly once and with a valid signature.
//!
//! ```sh
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench webhooks
//! ```
//!
//! Knobs: `BENCH_EVENTS` per burst (500), `BENCH_CLIENTS` creating at once (16), `BENCH_POLL_MS`
//! the senders' poll interval (1000, the default).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on any surprise

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use support::process::{ServerProcess, post};
use support::{knob, percentile};

const ADMIN: &str = "admin@webhooks.bench";
const PASSWORD: &str = "webhooks-bench-password";
const CREATE: &str =
    "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }";

/// What the receiver got, by customer name: when, and how many times.
#[derive(Default)]
struct Inbox {
    arrivals: HashMap<String, (Instant, usize)>,
    bad_signatures: usize,
    secret: Option<String>,
}

async fn receive(
    State(inbox): State<Arc<Mutex<Inbox>>>,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    let at = Instant::now();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let name = parsed["data"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut inbox = inbox.lock().unwrap();
    let valid = inbox.secret.as_deref().is_some_and(|secret| {
        let checker = standardwebhooks::Webhook::new(secret).unwrap();
        let mut copied = http::HeaderMap::new();
        for header in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            if let Some(value) = headers.get(header).and_then(|v| v.to_str().ok()) {
                copied.insert(header, value.parse().unwrap());
            }
        }
        checker.verify(&body, &copied).is_ok()
    });
    if !valid {
        inbox.bad_signatures += 1;
    }
    inbox.arrivals.entry(name).or_insert((at, 0)).1 += 1;
    "ok"
}

#[tokio::main]
async fn main() {
    let events = knob("BENCH_EVENTS", 500);
    let clients = knob("BENCH_CLIENTS", 16);
    let poll_ms = knob("BENCH_POLL_MS", 1000);
    let base = std::env::var("BENCH_DATABASE_URL").expect("BENCH_DATABASE_URL: a PostgreSQL URL");
    let schema = format!("webhooks_{}", uuid::Uuid::now_v7().simple());
    Database::connect(base.clone())
        .await
        .unwrap()
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .unwrap();

    let inbox: Arc<Mutex<Inbox>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}/hooks", listener.local_addr().unwrap());
    let router = axum::Router::new()
        .fallback(receive)
        .with_state(inbox.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let settings = [
        ("SALESGRAPH_WEBHOOK_ALLOW_INSECURE", "true".to_owned()),
        ("SALESGRAPH_WEBHOOK_POLL_MS", poll_ms.to_string()),
    ];
    let first = ServerProcess::start_in_schema(&base, &schema, (ADMIN, PASSWORD), &settings);
    let second = ServerProcess::start_in_schema(&base, &schema, (ADMIN, PASSWORD), &settings);
    let urls = [
        format!("http://{}/graphql", first.addr),
        format!("http://{}/graphql", second.addr),
    ];
    let http = reqwest::Client::new();
    let login = post(
        &http,
        &urls[0],
        None,
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
        json!({"e": ADMIN, "p": PASSWORD}),
    )
    .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = post(
        &http,
        &urls[0],
        Some(&token),
        "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }",
        json!({"input": {"url": receiver, "eventTypes": ["CUSTOMER_CREATED"]}}),
    )
    .await;
    inbox.lock().unwrap().secret = Some(
        created["data"]["createWebhook"]["secret"]
            .as_str()
            .unwrap()
            .to_owned(),
    );

    println!(
        "webhook delivery: {events} events per burst, {clients} clients, 2 instances, poll {poll_ms} ms"
    );
    println!(
        "burst | created in | all delivered in | latency p50 | p95 | max | duplicates | bad signatures"
    );
    for burst in 0..3 {
        let started = Instant::now();
        let committed: Vec<(String, Instant)> = futures_util::stream::iter(0..events)
            .map(|n| {
                let (http, token) = (http.clone(), token.clone());
                let url = urls[n % 2].clone();
                async move {
                    let name = format!("Bench {burst}-{n}");
                    let answer = post(
                        &http,
                        &url,
                        Some(&token),
                        CREATE,
                        json!({"input": {"name": name}}),
                    )
                    .await;
                    assert!(answer["errors"].is_null(), "{answer}");
                    (name, Instant::now())
                }
            })
            .buffer_unordered(clients)
            .collect()
            .await;
        let created_in = started.elapsed();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let got = {
                let inbox = inbox.lock().unwrap();
                committed
                    .iter()
                    .filter(|(name, _)| inbox.arrivals.contains_key(name))
                    .count()
            };
            if got == committed.len() || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Time for any duplicate to show up.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let inbox = inbox.lock().unwrap();
        let mut latencies = Vec::new();
        let mut duplicates = 0;
        let mut last = started;
        for (name, at) in &committed {
            let (arrived, times) = inbox.arrivals.get(name).expect("every event arrives");
            latencies.push(arrived.saturating_duration_since(*at));
            duplicates += times - 1;
            last = last.max(*arrived);
        }
        latencies.sort();
        println!(
            "{burst} | {:.2} s | {:.2} s | {:.0} ms | {:.0} ms | {:.0} ms | {duplicates} | {}",
            created_in.as_secs_f64(),
            (last - started).as_secs_f64(),
            percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.95).as_secs_f64() * 1000.0,
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
            inbox.bad_signatures,
        );
    }
    drop((first, second));
}
