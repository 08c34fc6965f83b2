//! Fault drill: PostgreSQL is stopped and started again three times while clients write leads
//! through a `salesgraph serve` child process, each write carrying an idempotency key and retried
//! until acknowledged — as phones on a flaky network do. Reports what clients saw while the
//! database was down, how long after each restart writes succeeded again, whether the server
//! stayed up, and whether every acknowledged write is stored exactly once.
//!
//! ```sh
//! # restarts the local PostgreSQL cluster: run it on a development machine, alone
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench faults
//! ```
//!
//! Knobs: `BENCH_CLIENTS` (16), `BENCH_RESTARTS` (3), `BENCH_DOWN_SECS` the database stays
//! down each time (3), `BENCH_UP_SECS` between restarts (6), `PG_CLUSTER` (`15 main`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on any surprise

mod support;

use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use support::knob;
use support::process::ServerProcess;

const ADMIN: &str = "admin@faults.bench";
const PASSWORD: &str = "faults-bench-password";
const CREATE: &str = "mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } } }";

fn cluster(action: &str) {
    let cluster = std::env::var("PG_CLUSTER").unwrap_or_else(|_| "15 main".to_owned());
    let mut args = vec!["--skip-systemctl-redirect"];
    args.extend(cluster.split_whitespace());
    args.push(action);
    if action == "stop" {
        args.extend(["-m", "fast"]);
    }
    let status = Command::new("pg_ctlcluster")
        .args(&args)
        .status()
        .expect("pg_ctlcluster");
    assert!(status.success(), "pg_ctlcluster {action} failed");
}

/// What one client saw for one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Seen {
    Ok,
    Unavailable,
    OtherError,
    NoAnswer,
}

#[tokio::main]
async fn main() {
    let clients = knob("BENCH_CLIENTS", 16);
    let restarts = knob("BENCH_RESTARTS", 3);
    let down = Duration::from_secs(knob("BENCH_DOWN_SECS", 3) as u64);
    let up = Duration::from_secs(knob("BENCH_UP_SECS", 6) as u64);
    let base = std::env::var("BENCH_DATABASE_URL").expect("BENCH_DATABASE_URL: a PostgreSQL URL");
    let schema = format!("faults_{}", uuid::Uuid::now_v7().simple());
    Database::connect(base.clone())
        .await
        .unwrap()
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .unwrap();

    let mut server = ServerProcess::start_in_schema(&base, &schema, (ADMIN, PASSWORD), &[]);
    let addr = server.addr.clone();
    let url = format!("http://{addr}/graphql");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let login: Value = http
        .post(&url)
        .json(&json!({"query": "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
            "variables": {"e": ADMIN, "p": PASSWORD}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token: Arc<str> = Arc::from(login["data"]["login"]["accessToken"].as_str().unwrap());

    // Writers: each write is retried with its key until acknowledged.
    let stop = Arc::new(AtomicBool::new(false));
    let log: Arc<std::sync::Mutex<Vec<(Instant, Seen)>>> = Arc::default();
    let workers: Vec<_> = (0..clients)
        .map(|w| {
            let (http, url, token, stop, log) = (http.clone(), url.clone(), token.clone(), stop.clone(), log.clone());
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                let mut n = 0_u32;
                while !stop.load(Ordering::Relaxed) {
                    let key = format!("fault-{w}-{n}");
                    loop {
                        let answer = http
                            .post(&url)
                            .bearer_auth(&*token)
                            .json(&json!({"query": CREATE, "variables": {"i": {"name": key, "source": "REFERRAL",
                                "phone": format!("+1 555 {w:03} {n:04}"), "assign": "POOL", "idempotencyKey": key}}}))
                            .send()
                            .await;
                        let seen = match answer {
                            Err(_) => Seen::NoAnswer,
                            Ok(response) => match response.json::<Value>().await {
                                Err(_) => Seen::NoAnswer,
                                Ok(body) if body["data"]["createLead"]["lead"]["id"].is_string() => Seen::Ok,
                                Ok(body) if body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE" => Seen::Unavailable,
                                Ok(body) => {
                                    eprintln!("unexpected answer: {body}");
                                    Seen::OtherError
                                }
                            },
                        };
                        log.lock().unwrap().push((Instant::now(), seen));
                        if seen == Seen::Ok {
                            acknowledged.push(key.clone());
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    n += 1;
                }
                acknowledged
            })
        })
        .collect();

    tokio::time::sleep(up).await;
    let mut returns = Vec::new();
    for round in 0..restarts {
        let stopped_at = Instant::now();
        cluster("stop");
        tokio::time::sleep(down).await;
        cluster("start");
        let started_at = Instant::now();
        eprintln!("restart {round}: down for {:.1?}", started_at - stopped_at);
        returns.push((stopped_at, started_at));
        tokio::time::sleep(up).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for w in workers {
        acknowledged.extend(w.await.unwrap());
    }
    let alive = server.child.try_wait().unwrap().is_none();

    let log = log.lock().unwrap().clone();
    let mut totals: HashMap<Seen, usize> = HashMap::new();
    for (_, seen) in &log {
        *totals.entry(*seen).or_default() += 1;
    }
    println!("{} attempts: {totals:?}", log.len());
    for (round, (stopped, started)) in returns.iter().enumerate() {
        let during: HashMap<Seen, usize> = log
            .iter()
            .filter(|(at, _)| at >= stopped && at < started)
            .fold(HashMap::new(), |mut m, (_, s)| {
                *m.entry(*s).or_default() += 1;
                m
            });
        let recovered = log
            .iter()
            .find(|(at, seen)| at >= started && *seen == Seen::Ok)
            .map(|(at, _)| at.duration_since(*started));
        println!(
            "restart {round}: while down {during:?}; first acknowledged write {} after the database was back",
            recovered.map_or("never".to_owned(), |d| format!("{:.2} s", d.as_secs_f64()))
        );
    }

    let db = Database::connect(base.clone()).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT name, COUNT(*) FROM \"{schema}\".leads GROUP BY name"),
        ))
        .await
        .unwrap();
    let stored: HashMap<String, i64> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index::<String>(0).unwrap(),
                r.try_get_by_index::<i64>(1).unwrap(),
            )
        })
        .collect();
    let missing = acknowledged
        .iter()
        .filter(|k| !stored.contains_key(*k))
        .count();
    let duplicated = stored.values().filter(|c| **c > 1).count();
    println!(
        "server still running: {alive}; {} writes acknowledged, {} stored; acknowledged but missing: {missing}; stored more than once: {duplicated}",
        acknowledged.len(),
        stored.len()
    );
    drop(server);
    let _ = db
        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .await;
}
