//! Latency of the management reports over benchmark data (`salesgraph seed-bench`):
//! `campaignReport` and `activityReport` for the quarter under way, as the admin (every seller,
//! every lead and deal) and as a manager (their teams'). Requests run one at a time, so the
//! figures are latencies, not throughput.
//!
//! ```sh
//! # a fresh schema, seeded at BENCH_SCALE (default 0.05) first:
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench reports
//! # a database seeded earlier today (scale 1 takes minutes to seed; reuse it):
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/seedbench BENCH_SCHEMA=public cargo bench --bench reports
//! BENCH_SQLITE_FILE=/tmp/seed1.db cargo bench --bench reports
//! ```
//!
//! Knobs: `BENCH_RUNS` requests per report and caller (20).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on any surprise

mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, Utc};
use serde_json::{Value, json};
use support::{Bench, knob, percentile};

const CAMPAIGNS: &str = "query($from: Date!, $to: Date!) { campaignReport(input: {from: $from, to: $to}) { \
    rows { campaign { name channel } cost members leads qualifiedLeads deals wonDeals wonAmount collectedAmount \
    costPerLead costPerWonDeal roi anyTouch { touchedDeals wonDealCredit wonAmount roi } } \
    total { cost wonAmount } } }";
const ACTIVITY: &str = "query($p: String!, $g: ActivityGroupBy!) { activityReport(input: {period: $p, groupBy: $g}) { \
    groupId groupName followUps { calls meetings emails visits notes total } visitsPlanned visitsCompleted \
    visitsMissed newLeads qualifiedLeads newCustomers opportunitiesCreated leadsResponded \
    firstResponseMedianMinutes firstResponseP90Minutes } }";

#[tokio::main]
async fn main() {
    let runs = knob("BENCH_RUNS", 20);
    let now = Utc::now();
    let bench = Bench::start(now).await;
    let reused = std::env::var("BENCH_SCHEMA").is_ok_and(|s| !s.is_empty())
        || std::env::var("BENCH_SQLITE_FILE").is_ok_and(|s| !s.is_empty());
    if !reused {
        let scale: f64 = std::env::var("BENCH_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.05);
        let options = salesgraph::seed::SeedOptions {
            scale,
            seed: 42,
            today: now.date_naive(),
            company_timezone: bench.state.config.company_tz(),
            password_hasher: bench.state.hasher,
            progress: false,
        };
        salesgraph::seed::run(&bench.state.db, &options)
            .await
            .unwrap();
    }
    let client = bench.client.clone();
    let admin = client
        .login(support::ADMIN_EMAIL, support::ADMIN_PASSWORD)
        .await;
    let manager = client
        .login(
            &format!("manager1@{}", salesgraph::seed::BENCH_DOMAIN),
            salesgraph::seed::BENCH_PASSWORD,
        )
        .await;
    // The quarter under way, in the company's days.
    let today = now
        .with_timezone(&bench.state.config.company_tz())
        .date_naive();
    let first_month = (today.month0() / 3) * 3 + 1;
    let from = NaiveDate::from_ymd_opt(today.year(), first_month, 1).unwrap();
    let to = from
        .checked_add_months(chrono::Months::new(3))
        .unwrap()
        .pred_opt()
        .unwrap();
    let quarter = format!("{}-Q{}", today.year(), today.month0() / 3 + 1);

    println!(
        "{} · {quarter} ({from} to {to}) · {runs} requests one at a time per line",
        bench.backend
    );
    println!("| Report | Caller | Rows | p50 | p95 | max | SQL statements per request |");
    println!("|---|---|---|---|---|---|---|");
    let cases: Vec<(&str, &str, &str, Value)> = vec![
        (
            "campaignReport",
            "admin",
            CAMPAIGNS,
            json!({"from": from, "to": to}),
        ),
        (
            "campaignReport",
            "manager",
            CAMPAIGNS,
            json!({"from": from, "to": to}),
        ),
        (
            "activityReport USER",
            "admin",
            ACTIVITY,
            json!({"p": quarter, "g": "USER"}),
        ),
        (
            "activityReport TEAM",
            "admin",
            ACTIVITY,
            json!({"p": quarter, "g": "TEAM"}),
        ),
        (
            "activityReport REGION",
            "admin",
            ACTIVITY,
            json!({"p": quarter, "g": "REGION"}),
        ),
        (
            "activityReport USER",
            "manager",
            ACTIVITY,
            json!({"p": quarter, "g": "USER"}),
        ),
    ];
    for (name, caller, query, variables) in cases {
        let token = if caller == "admin" { &admin } else { &manager };
        // One request to warm the caches and plans, not measured.
        let warm = client.gql(Some(token), query, variables.clone()).await;
        let rows = match warm.get("campaignReport") {
            Some(report) => report["rows"].as_array().map(Vec::len),
            None => warm["activityReport"].as_array().map(Vec::len),
        }
        .unwrap_or_else(|| panic!("{name}: {warm}"));
        let mut times: Vec<Duration> = Vec::with_capacity(runs);
        bench.statements.store(0, Ordering::SeqCst);
        for _ in 0..runs {
            let started = Instant::now();
            let answer = client.gql(Some(token), query, variables.clone()).await;
            times.push(started.elapsed());
            assert!(answer.is_object(), "{name}: {answer}");
        }
        let statements = bench.statements.load(Ordering::SeqCst) as f64 / runs as f64;
        times.sort();
        println!(
            "| {name} | {caller} | {rows} | {:.1?} | {:.1?} | {:.1?} | {statements:.1} |",
            percentile(&times, 0.50),
            percentile(&times, 0.95),
            times.last().copied().unwrap_or_default(),
        );
    }
    bench.finish().await;
}
