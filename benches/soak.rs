//! Soak, then drain: a `salesgraph serve` child process on PostgreSQL carries a steady mixed
//! load (writes with idempotency keys, list and 360° reads) plus idle WebSocket subscriptions
//! for `BENCH_SECS`, while its resident memory is sampled; then it receives SIGTERM with the
//! load still running. Reports memory over time, throughput per sample, what happened to the
//! requests in flight at SIGTERM, the close codes the WebSockets received and how the process
//! ended.
//!
//! ```sh
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench soak
//! ```
//!
//! Knobs: `BENCH_SECS` (600), `BENCH_CLIENTS` (32), `BENCH_SUBSCRIBERS` (200),
//! `BENCH_SAMPLE_SECS` (30).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on any surprise

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use support::knob;
use support::process::{ServerProcess, post as gql, rss_kib};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const ADMIN: &str = "admin@soak.bench";
const PASSWORD: &str = "soak-bench-password";
const CREATE_LEAD: &str =
    "mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } } }";
const FOLLOW_UP: &str =
    "mutation($i: LogFollowUpInput!) { logFollowUp(input: $i) { followUp { id } } }";
const LEADS: &str = "{ leads(first: 20) { totalCount nodes { id name status owner { email } } } }";
const CUSTOMER: &str = "query($id: ID!) { customer(id: $id) { id name owner { displayName } \
    contacts { nodes { name } } opportunities { nodes { name stage { name } } } lastFollowUp { content } \
    visits(first: 10) { nodes { id } } contracts { nodes { id } } receivable { outstanding credit } } }";
const SUBSCRIPTION: &str =
    "subscription { opportunityStageChanged { opportunity { id } toStage { name } } }";

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Outcome {
    Ok,
    ErrorAnswer,
    NoAnswer,
}

#[tokio::main]
async fn main() {
    let seconds = knob("BENCH_SECS", 600) as u64;
    let clients = knob("BENCH_CLIENTS", 32);
    let subscribers = knob("BENCH_SUBSCRIBERS", 200);
    let sample = Duration::from_secs(knob("BENCH_SAMPLE_SECS", 30).max(1) as u64);
    let base = std::env::var("BENCH_DATABASE_URL").expect("BENCH_DATABASE_URL: a PostgreSQL URL");
    let schema = format!("soak_{}", uuid::Uuid::now_v7().simple());
    let admin_db = Database::connect(base.clone()).await.unwrap();
    admin_db
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .unwrap();

    // The bench's subscribers share one address and few users: the socket caps are lifted.
    let lifted = [
        ("SALESGRAPH_WS_MAX_PER_ADDRESS", "1000000".to_owned()),
        ("SALESGRAPH_WS_MAX_PER_USER", "1000000".to_owned()),
    ];
    let mut server = ServerProcess::start_in_schema(&base, &schema, (ADMIN, PASSWORD), &lifted);
    let pid = server.child.id();
    let url = format!("http://{}/graphql", server.addr);
    let ws_url = format!("ws://{}/graphql/ws", server.addr);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let login = gql(
        &http,
        &url,
        None,
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
        json!({"e": ADMIN, "p": PASSWORD}),
    )
    .await;
    let token: Arc<str> = Arc::from(login["data"]["login"]["accessToken"].as_str().unwrap());
    let mut customers = Vec::new();
    for c in 0..20 {
        let created = gql(
            &http,
            &url,
            Some(&token),
            "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }",
            json!({"i": {"name": format!("Soak customer {c}")}}),
        )
        .await;
        customers.push(
            created["data"]["createCustomer"]["customer"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let customers = Arc::new(customers);

    // Idle subscribers, each remembering the close code the server ends with.
    let mut sockets = Vec::new();
    for _ in 0..subscribers {
        let mut request = ws_url.as_str().into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        socket
            .send(Message::Text(
                json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}})
                    .to_string()
                    .into(),
            ))
            .await
            .unwrap();
        socket
            .send(Message::Text(
                json!({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
                    .to_string()
                    .into(),
            ))
            .await
            .unwrap();
        sockets.push(tokio::spawn(async move {
            while let Some(message) = socket.next().await {
                match message {
                    Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                    Ok(_) => {}
                    Err(_) => return None,
                }
            }
            None
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = rss_kib(pid);

    // The load: every client cycles through two writes and two reads until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|w| {
            let (http, url, token, customers, stop, served) = (
                http.clone(),
                url.clone(),
                token.clone(),
                customers.clone(),
                stop.clone(),
                served.clone(),
            );
            tokio::spawn(async move {
                let mut log: Vec<(Instant, Instant, Outcome)> = Vec::new();
                let mut i = 0_u64;
                while !stop.load(Ordering::Relaxed) {
                    let customer = &customers[(w + i as usize) % customers.len()];
                    let body = match i % 4 {
                        0 => json!({"query": CREATE_LEAD, "variables": {"i": {
                            "name": format!("Soak lead {w}-{i}"), "source": "REFERRAL",
                            "phone": format!("+1 {:03} {:03} {:04}", 200 + w, i / 10_000 % 1000, i % 10_000),
                            "assign": "POOL", "idempotencyKey": format!("soak-{w}-{i}")}}}),
                        1 => json!({"query": FOLLOW_UP, "variables": {"i": {
                            "subjectId": customer, "kind": "CALL", "content": format!("Soak call {w}-{i}")}}}),
                        2 => json!({"query": LEADS}),
                        _ => json!({"query": CUSTOMER, "variables": {"id": customer}}),
                    };
                    let sent = Instant::now();
                    let outcome = match http.post(&url).bearer_auth(&*token).json(&body).send().await {
                        Err(_) => Outcome::NoAnswer,
                        Ok(response) => match response.json::<Value>().await {
                            Err(_) => Outcome::NoAnswer,
                            Ok(answer) if answer["errors"].is_null() => Outcome::Ok,
                            Ok(answer) => {
                                if !stop.load(Ordering::Relaxed) {
                                    eprintln!("error answer: {answer}");
                                }
                                Outcome::ErrorAnswer
                            }
                        },
                    };
                    if outcome == Outcome::Ok {
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                    log.push((sent, Instant::now(), outcome));
                    if outcome == Outcome::NoAnswer {
                        // The server is going away: do not spin.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    i += 1;
                }
                log
            })
        })
        .collect();

    println!(
        "{clients} clients, {subscribers} idle subscriptions; server RSS {idle_rss} KiB before the load"
    );
    println!("| minute | RSS KiB | requests served in the interval | req/s |");
    println!("|---|---|---|---|");
    let mut samples = Vec::new();
    let mut last = 0;
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(sample).await;
        let rss = rss_kib(pid);
        let total = served.load(Ordering::Relaxed);
        let rate = (total - last) as f64 / sample.as_secs_f64();
        println!(
            "| {:.1} | {rss} | {} | {rate:.0} |",
            started.elapsed().as_secs_f64() / 60.0,
            total - last
        );
        samples.push(rss);
        last = total;
    }
    if let (Some(first), Some(end)) = (samples.get(samples.len() / 4), samples.last()) {
        let peak = samples.iter().max().copied().unwrap_or(0);
        println!(
            "RSS after a quarter of the run {first} KiB, at the end {end} KiB ({:+.1}%), peak {peak} KiB",
            (*end as f64 - *first as f64) * 100.0 / (*first).max(1) as f64
        );
    }

    // SIGTERM with the load still running.
    let term_at = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exit = None;
    while term_at.elapsed() < Duration::from_secs(60) {
        if let Some(code) = server.child.try_wait().unwrap() {
            exit = Some((code, term_at.elapsed()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut in_flight: HashMap<Outcome, usize> = HashMap::new();
    let mut after: HashMap<Outcome, usize> = HashMap::new();
    let mut served_total = 0;
    for worker in workers {
        for (sent, done, outcome) in worker.await.unwrap() {
            if outcome == Outcome::Ok {
                served_total += 1;
            }
            if sent < term_at && done >= term_at {
                *in_flight.entry(outcome).or_default() += 1;
            } else if sent >= term_at {
                *after.entry(outcome).or_default() += 1;
            }
        }
    }
    let mut close_codes: HashMap<Option<u16>, usize> = HashMap::new();
    for socket in sockets {
        let code = tokio::time::timeout(Duration::from_secs(5), socket)
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        *close_codes.entry(code).or_default() += 1;
    }
    println!("{served_total} requests served in {:.0} s", seconds);
    println!(
        "SIGTERM under load: requests in flight then {in_flight:?}; sent afterwards {after:?}"
    );
    println!("WebSocket close codes: {close_codes:?}");
    match exit {
        Some((code, took)) => println!("server exited with {code} after {took:.2?}"),
        None => println!("server still running 60 s after SIGTERM"),
    }
    drop(server);
    let _ = admin_db
        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .await;
}
