//! Load benchmark of the morning query: concurrent reps each asking for their day's visit tasks
//! with customer (and its last follow-up), contact and deal nested.
//!
//! ```sh
//! cargo bench --bench my_visit_tasks                       # embedded SQLite (a temp file)
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench my_visit_tasks
//! ```
//!
//! Knobs: `BENCH_REPS` (50), `BENCH_TASKS` per rep and day (20), `BENCH_CLIENTS` concurrent
//! clients (32), `BENCH_SECS` measured seconds (10). The server runs in this process on a
//! loopback port; clients speak plain GraphQL over HTTP. On PostgreSQL the data lives in a fresh
//! schema, dropped afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on any surprise

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{Bench, Client, knob, percentile};

const QUERY: &str = "query($d: Date!) { myVisitTasks(date: $d) { id version status purpose \
    plannedStart plannedEnd address location { lat lng } \
    customer { name address storedGrade location { lat lng } lastFollowUp { kind content occurredAt } } \
    contact { name phone } opportunity { name amount stage { name } } } }";

/// Plans `tasks` visits for tomorrow (Shanghai) for one new rep; returns the rep's token.
async fn seed_rep(client: &Client, admin: &str, index: usize, tasks: usize, day: &str) -> String {
    let email = format!("rep{index}-{}@bench.local", uuid::Uuid::now_v7().simple());
    client
        .gql(
            Some(admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
            json!({"i": {"email": email, "displayName": format!("Rep {index}"), "role": "SALES_REP",
                "password": "bench-password-1", "timezone": "Asia/Shanghai"}}),
        )
        .await;
    let token = client.login(&email, "bench-password-1").await;
    let mut stops = Vec::new();
    for c in 0..5 {
        let data = client
            .gql(
                Some(&token),
                "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }",
                json!({"i": {"name": format!("Stop {index}-{c}"), "address": "1 Century Avenue",
                    "location": {"lat": 31.23 + c as f64 * 0.01, "lng": 121.47}}}),
            )
            .await;
        let customer = data["createCustomer"]["customer"]["id"].clone();
        let contact = client
            .gql(
                Some(&token),
                "mutation($i: AddContactInput!) { addContact(input: $i) { contact { id } } }",
                json!({"i": {"customerId": customer, "name": "Buyer", "phone": format!("+86 138 {index:04} {c:04}")}}),
            )
            .await["addContact"]["contact"]["id"]
            .clone();
        let deal = client
            .gql(
                Some(&token),
                "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { opportunity { id } } }",
                json!({"i": {"customerId": customer, "name": "Renewal", "amount": "12000", "expectedCloseDate": "2026-12-31"}}),
            )
            .await["createOpportunity"]["opportunity"]["id"]
            .clone();
        client
            .gql(
                Some(&token),
                "mutation($i: LogFollowUpInput!) { logFollowUp(input: $i) { followUp { id } } }",
                json!({"i": {"subjectId": customer, "kind": "CALL", "content": "Agreed to meet"}}),
            )
            .await;
        stops.push((customer, contact, deal));
    }
    let day_start: chrono::DateTime<chrono::Utc> = format!("{day}T00:30:00Z").parse().unwrap(); // 08:30 in Shanghai
    for t in 0..tasks {
        let (customer, contact, deal) = &stops[t % stops.len()];
        let start = day_start + chrono::Duration::minutes(t as i64 * 20);
        client
            .gql(
                Some(&token),
                "mutation($i: PlanVisitInput!) { planVisit(input: $i) { visit { id } } }",
                json!({"i": {"customerId": customer, "contactId": contact, "opportunityId": deal,
                    "purpose": "Weekly round", "plannedStart": start,
                    "plannedEnd": start + chrono::Duration::minutes(15)}}),
            )
            .await;
    }
    token
}

#[tokio::main]
async fn main() {
    let reps = knob("BENCH_REPS", 50);
    let tasks = knob("BENCH_TASKS", 20);
    let clients = knob("BENCH_CLIENTS", 32);
    let seconds = knob("BENCH_SECS", 10);

    let now: chrono::DateTime<chrono::Utc> = "2026-11-25T01:00:00Z".parse().unwrap();
    let bench = Bench::start(now).await;
    let client = bench.client.clone();
    let statements = bench.statements.clone();
    let backend = bench.backend;
    let day = "2026-11-26";

    let seeding = Instant::now();
    let admin = client
        .login("admin@bench.local", "bench-admin-password")
        .await;
    let mut tokens = Vec::with_capacity(reps);
    for index in 0..reps {
        tokens.push(seed_rep(&client, &admin, index, tasks, day).await);
    }
    eprintln!(
        "seeded {reps} reps × {tasks} tasks on {backend} in {:.1?}",
        seeding.elapsed()
    );
    let tokens = Arc::new(tokens);
    for token in tokens.iter() {
        let data = client.gql(Some(token), QUERY, json!({"d": day})).await;
        assert_eq!(data["myVisitTasks"].as_array().unwrap().len(), tasks);
    }

    statements.store(0, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(seconds as u64);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|worker| {
            let client = client.clone();
            let tokens = tokens.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = worker;
                while Instant::now() < deadline {
                    let token = &tokens[i % tokens.len()];
                    let sent = Instant::now();
                    let data = client.gql(Some(token), QUERY, json!({"d": day})).await;
                    latencies.push(sent.elapsed());
                    assert_eq!(data["myVisitTasks"].as_array().map(Vec::len), Some(tasks));
                    i += clients;
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let count = latencies.len();
    println!(
        "myVisitTasks on {backend}: {reps} reps × {tasks} tasks, {clients} clients, {seconds} s"
    );
    println!(
        "  {count} requests, {:.0} req/s, p50 {:.2?}, p95 {:.2?}, p99 {:.2?}, {:.2} SQL statements per request",
        count as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        statements.load(Ordering::Relaxed) as f64 / count as f64,
    );

    bench.finish().await;
}
