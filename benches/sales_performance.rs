//! Latency of `salesPerformance` for the whole company, per seller, team and region.
//!
//! ```sh
//! cargo bench --bench sales_performance
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench sales_performance
//! ```
//!
//! Knobs: `BENCH_TEAMS` (10), `BENCH_REPS` per team (5), `BENCH_DEALS` per rep (20: 40% won,
//! 20% lost, 40% open; every fifth deal split 70/30 with a teammate), `BENCH_RUNS` per grouping
//! (50). Requests run one at a time, so the figures are latencies, not throughput.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on any surprise

mod support;

use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::{Value, json};
use support::{Bench, knob, percentile};

const QUERY: &str = "query($g: PerformanceGroupBy!) { salesPerformance(input: {period: \"2026-Q4\", groupBy: $g}) { groupId groupName target wonAmount achievementRate collectedAmount pipelineAmount weightedPipelineAmount pipelineCoverage winRate winRateByAmount avgDealSize avgSalesCycleDays leadConversionRate visitsCompleted onSiteRate } }";

#[tokio::main]
async fn main() {
    let teams = knob("BENCH_TEAMS", 10);
    let reps = knob("BENCH_REPS", 5);
    let deals = knob("BENCH_DEALS", 20);
    let runs = knob("BENCH_RUNS", 50);
    let now: chrono::DateTime<chrono::Utc> = "2026-11-25T01:00:00Z".parse().unwrap();
    let bench = Bench::start(now).await;
    let client = bench.client.clone();
    let admin = client
        .login(support::ADMIN_EMAIL, support::ADMIN_PASSWORD)
        .await;
    let seeding = Instant::now();
    let user = |role: &str, team: Option<Value>| {
        json!({"i": {"email": format!("{}@bench.local", uuid::Uuid::now_v7().simple()),
            "displayName": role, "role": role, "password": "bench-password-1", "teamId": team}})
    };
    let create_user =
        "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id email } } }";
    for t in 0..teams {
        let manager = client
            .gql(Some(&admin), create_user, user("SALES_MANAGER", None))
            .await;
        let team = client
            .gql(
                Some(&admin),
                "mutation($i: CreateTeamInput!) { createTeam(input: $i) { team { id } } }",
                json!({"i": {"name": format!("Team {t}"), "region": format!("Region {}", t % 3), "managerId": manager["createUser"]["user"]["id"]}}),
            )
            .await["createTeam"]["team"]["id"]
            .clone();
        let mut members = Vec::new();
        for _ in 0..reps {
            let rep = client
                .gql(
                    Some(&admin),
                    create_user,
                    user("SALES_REP", Some(team.clone())),
                )
                .await;
            let email = rep["createUser"]["user"]["email"]
                .as_str()
                .unwrap()
                .to_owned();
            members.push((
                rep["createUser"]["user"]["id"].clone(),
                client.login(&email, "bench-password-1").await,
            ));
        }
        for (r, (_, token)) in members.iter().enumerate() {
            let customer = client
                .gql(
                    Some(token),
                    "mutation { createCustomer(input: {name: \"Bench\"}) { customer { id } } }",
                    json!({}),
                )
                .await["createCustomer"]["customer"]["id"]
                .clone();
            for d in 0..deals {
                let deal = client
                    .gql(
                        Some(token),
                        "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { opportunity { id version } } }",
                        json!({"i": {"customerId": customer, "name": "Deal", "amount": format!("{}", 1000 + d * 37), "expectedCloseDate": "2026-12-15"}}),
                    )
                    .await["createOpportunity"]["opportunity"]
                    .clone();
                let mut version = deal["version"].as_i64().unwrap();
                if d % 5 == 0 && members.len() > 1 {
                    let mate = &members[(r + 1) % members.len()].0;
                    let me = &members[r].0;
                    client
                        .gql(
                            Some(token),
                            "mutation($id: ID!, $v: Int!, $a: ID!, $b: ID!) { setOpportunitySplits(input: {id: $id, expectedVersion: $v, splits: [{userId: $a, percent: \"70\"}, {userId: $b, percent: \"30\"}]}) { opportunity { version } } }",
                            json!({"id": deal["id"], "v": version, "a": me, "b": mate}),
                        )
                        .await;
                    version += 1;
                }
                match d % 5 {
                    0 | 1 => {
                        client.gql(Some(token), "mutation($id: ID!, $v: Int!) { winOpportunity(input: {reasonId: \"0193a000-0000-7000-8000-000000000505\", id: $id, expectedVersion: $v}) { opportunity { id } } }", json!({"id": deal["id"], "v": version})).await;
                    }
                    2 => {
                        client.gql(Some(token), "mutation($id: ID!, $v: Int!) { loseOpportunity(input: {reasonId: \"0193a000-0000-7000-8000-000000000407\", id: $id, expectedVersion: $v, reason: \"Price\"}) { opportunity { id } } }", json!({"id": deal["id"], "v": version})).await;
                    }
                    _ => {}
                }
            }
        }
    }
    let sellers = teams * (reps + 1);
    eprintln!(
        "seeded {teams} teams, {sellers} sellers, {} deals on {} in {:.1?}",
        teams * reps * deals,
        bench.backend,
        seeding.elapsed()
    );
    println!(
        "salesPerformance on {}: {teams} teams, {sellers} sellers, {} deals, {runs} runs per grouping",
        bench.backend,
        teams * reps * deals
    );
    for group in ["USER", "TEAM", "REGION"] {
        client.gql(Some(&admin), QUERY, json!({"g": group})).await;
        bench.statements.store(0, Ordering::Relaxed);
        let mut latencies = Vec::with_capacity(runs);
        for _ in 0..runs {
            let sent = Instant::now();
            let data = client.gql(Some(&admin), QUERY, json!({"g": group})).await;
            latencies.push(sent.elapsed());
            assert!(!data["salesPerformance"].as_array().unwrap().is_empty());
        }
        latencies.sort();
        println!(
            "  {group:<6} p50 {:.2?}, p95 {:.2?}, max {:.2?}, {:.1} SQL statements per request",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.95),
            latencies[latencies.len() - 1],
            bench.statements.load(Ordering::Relaxed) as f64 / runs as f64
        );
    }
    bench.finish().await;
}
