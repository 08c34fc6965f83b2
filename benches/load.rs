//! Load benchmark of the hot operations on benchmark data (`salesgraph seed-bench`), each beside
//! a hand-written SQL baseline served by the same process and pool (`support::baseline`).
//! Reads: `myVisitTasks`, `myAgenda` (the day's activities and visits), `searchRep` and
//! `searchAdmin` (the search box over customers, a rep's own and all), `opportunities` (a manager's first page with `totalCount`) and
//! `opportunitiesPage` (without), `customersManager`/`customersFinance` and
//! `contractsManager`/`contractsFinance` (first pages), `leadsByScore` (a manager's, highest
//! score first), `customer` (the 360° view), `receivablesAging`, `salesPerformance` and
//! `salesPerformanceByProductLine` (the quarter under way, by product line); then the writes.
//!
//! ```sh
//! # a fresh schema, seeded at BENCH_SCALE (default 0.05) first:
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench load
//! # a database seeded earlier (scale 1 takes minutes to seed; reuse it):
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/seedbench BENCH_SCHEMA=public cargo bench --bench load
//! BENCH_SQLITE_FILE=/tmp/seed1.db cargo bench --bench load
//! ```
//!
//! Knobs: `BENCH_CLIENTS` concurrent HTTP clients (64), `BENCH_SECS` measured seconds per
//! operation and mode per round (10), `BENCH_ROUNDS` alternating GraphQL/baseline rounds per
//! read, pooled (3), `BENCH_BASELINE_BARE=1` mounts the baseline outside the server's layers
//! (as before session 15), `BENCH_USERS` signed-in reps (64), `BENCH_POOL` database
//! connections (16), `BENCH_ONLY` comma-separated operation names to run, `BENCH_PERIOD` the
//! `salesPerformance` period (the current month). Reports, per
//! operation: requests/s, p50/p95/p99, SQL statements and server CPU time per request (the
//! process's threads other than the load generator's own runtime), for GraphQL and for the
//! baseline, and their ratios.
//!
//! The seeded deals lack the calls, ticks and quotes the default stage playbook asks for, so
//! before `moveOpportunityStage` runs the bench deletes every stage's exit criteria from the
//! database it runs on: the moves measure the move and an empty gate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on any surprise

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use salesgraph::ids::{NodeType, encode_id};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use support::{Bench, knob, percentile, server_cpu};
use uuid::Uuid;

/// The server runs in this process: give it the allocator `salesgraph serve` uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PASSWORD: &str = "bench-password";

const VISITS: &str = "query($d: Date!) { myVisitTasks(date: $d) { id version status purpose \
    plannedStart plannedEnd address location { lat lng } \
    customer { name address storedGrade location { lat lng } lastFollowUp { kind content occurredAt } } \
    contact { name phone } opportunity { name amount stage { name } } } }";
const AGENDA: &str = "query($d: Date!) { myAgenda(date: $d) { date \
    activities { id kind title dueAt done overdue subject { ... on Customer { id name } } } \
    overdue { id title dueAt } visitTasks { id status purpose plannedStart customer { name } } } }";
const SEARCH: &str = "query($q: String!) { search(query: $q, types: [CUSTOMER], first: 10) { \
    ... on Customer { id name } } }";
/// What the search reads look for: the suffix every Chinese seeded customer shares (the least
/// selective term there is), a name's middle, and pinyin of a city.
const SEARCH_TERMS: [&str; 3] = ["有限公司", "金辉制造", "shanghai"];
const OPPORTUNITIES: &str = "{ opportunities(first: 20) { totalCount edges { node { id name \
    amount status expectedCloseDate customer { id name } owner { id displayName } stage { id name } } } } }";
const OPPORTUNITIES_PAGE: &str = "{ opportunities(first: 20) { pageInfo { hasNextPage } edges { node { id name \
    amount status expectedCloseDate customer { id name } owner { id displayName } stage { id name } } } } }";
const CUSTOMERS: &str = "{ customers(first: 20) { pageInfo { hasNextPage } edges { node { id name storedGrade region } } } }";
const CONTRACTS: &str = "{ contracts(first: 20) { pageInfo { hasNextPage } edges { node { id number \
    amount status customer { name } } } } }";
const LEADS_BY_SCORE: &str = "{ leads(first: 20, orderBy: {field: SCORE, direction: DESC}) { \
    pageInfo { hasNextPage } edges { node { id name score status } } } }";
const CUSTOMER: &str = "query($id: ID!) { customer(id: $id) { id name address storedGrade \
    owner { displayName } contacts { nodes { name phone } } opportunities { nodes { id name amount stage { name } } } \
    lastFollowUp { kind content occurredAt } visits(first: 10) { nodes { id status plannedStart } } \
    contracts { nodes { id number amount status } } receivable { outstanding overdue credit } } }";
const AGING: &str = "query($asOf: Date!) { receivablesAging(input: {asOf: $asOf, groupBy: TEAM}) { \
    asOf rows { key label buckets { current d1To30 d31To60 d61To90 over90 total } } \
    totals { current d1To30 d31To60 d61To90 over90 total } } }";
const PERFORMANCE: &str = "query($p: String!) { salesPerformance(input: {period: $p, groupBy: TEAM}) { \
    groupId groupName target wonAmount achievementRate collectedAmount pipelineAmount \
    weightedPipelineAmount pipelineCoverage winRate avgDealSize avgSalesCycleDays \
    leadConversionRate visitsCompleted onSiteRate } }";
const BY_PRODUCT_LINE: &str = "query($p: String!) { salesPerformance(input: {period: $p, groupBy: PRODUCT_LINE}) { \
    groupId groupName wonAmount quantity averageDiscountPercent marginAmount marginRate \
    pipelineAmount weightedPipelineAmount } }";
const CREATE_LEAD: &str =
    "mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } } }";
const FOLLOW_UP: &str =
    "mutation($i: LogFollowUpInput!) { logFollowUp(input: $i) { followUp { id } } }";
const CHECK_IN: &str =
    "mutation($i: CheckInVisitInput!) { checkInVisit(input: $i) { visit { id status } } }";
const MOVE: &str = "mutation($i: MoveOpportunityStageInput!) { moveOpportunityStage(input: $i) { \
    opportunity { id version } } }";

/// The load generator's own runtime, so that the server's CPU time is measured apart from it.
fn client_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(support::client_runtime)
}

/// One signed-in rep and what the writes work on.
struct Rep {
    token: String,
    day: NaiveDate,
    customers: Vec<Uuid>,
    planned: Vec<(Uuid, f64, f64)>,
    deals: Vec<(Uuid, i32, usize)>,
}

/// What one request sends.
struct Call {
    path: &'static str,
    token: Arc<str>,
    body: Value,
}

/// Gives a worker's i-th request; `None` ends that worker early.
type Next = Arc<dyn Fn(usize, usize) -> Option<Call> + Send + Sync>;

/// What one timed run recorded, before it is summarised.
#[derive(Default)]
struct Sample {
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
    statements: usize,
    /// CPU time the server's threads used over the run.
    cpu: Duration,
}

impl Sample {
    /// Adds another run of the same mode to this one.
    fn absorb(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self.statements += other.statements;
        self.cpu += other.cpu;
    }

    /// Throughput over the runs' combined time, percentiles over all their requests.
    fn summary(mut self) -> Run {
        self.latencies.sort();
        // Workers stop early when what they write runs out (planned visits to check in): a run
        // that measured nothing reports zeros rather than a rate over an empty interval.
        let measured = self.latencies.len();
        if self.latencies.is_empty() {
            self.latencies.push(Duration::ZERO);
        }
        let elapsed = self.elapsed.as_secs_f64();
        Run {
            errors: self.errors,
            per_second: if elapsed > 0.0 {
                measured as f64 / elapsed
            } else {
                0.0
            },
            p50: percentile(&self.latencies, 0.50),
            p95: percentile(&self.latencies, 0.95),
            p99: percentile(&self.latencies, 0.99),
            statements: self.statements as f64 / measured.max(1) as f64,
            cpu_ms: self.cpu.as_secs_f64() * 1000.0 / measured.max(1) as f64,
        }
    }
}

/// The figures of one run.
struct Run {
    errors: usize,
    per_second: f64,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    statements: f64,
    /// Server CPU milliseconds per request.
    cpu_ms: f64,
}

async fn sql(bench: &Bench, text: &str, values: Vec<sea_orm::Value>) -> Vec<sea_orm::QueryResult> {
    let statement = support::baseline::statement(&bench.state, text, values);
    bench.state.db.query_all_raw(statement).await.unwrap()
}

async fn login(http: &reqwest::Client, url: &str, email: &str) -> String {
    let body: Value = http
        .post(url)
        .json(&json!({"query": "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
            "variables": {"e": email, "p": PASSWORD}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{email}: {body}"))
        .to_owned()
}

/// Drives `clients` concurrent loops for `seconds`; `next(worker, iteration)` gives each request
/// (`None` ends that worker early); `check` says whether an answer is a success.
async fn drive(
    bench: &Bench,
    base: &str,
    clients: usize,
    seconds: u64,
    next: Next,
    check: fn(&Value) -> bool,
) -> Sample {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    // Warm up connections and caches for a second, unmeasured.
    let warm_until = Instant::now() + Duration::from_secs(1);
    let warm: Vec<_> = (0..clients)
        .map(|worker| {
            let (http, next, base) = (http.clone(), next.clone(), base.to_owned());
            client_runtime().spawn(async move {
                let mut i = 0;
                while Instant::now() < warm_until {
                    let Some(call) = next(worker, i) else { break };
                    i += 1;
                    let _ = send(&http, &base, call).await;
                }
                i
            })
        })
        .collect();
    let mut offsets = Vec::new();
    for w in warm {
        offsets.push(w.await.unwrap());
    }
    bench.statements.store(0, Ordering::Relaxed);
    let cpu_before = server_cpu();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|worker| {
            let (http, next, base) = (http.clone(), next.clone(), base.to_owned());
            let offset = offsets[worker];
            client_runtime().spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut i = offset;
                while Instant::now() < deadline {
                    let Some(call) = next(worker, i) else { break };
                    i += 1;
                    let sent = Instant::now();
                    let answer = send(&http, &base, call).await;
                    latencies.push(sent.elapsed());
                    if !answer.as_ref().is_some_and(check) {
                        errors += 1;
                        if errors == 1 && worker == 0 {
                            eprintln!("  failed: {answer:?}");
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut sample = Sample::default();
    for w in workers {
        let (latencies, failed) = w.await.unwrap();
        sample.latencies.extend(latencies);
        sample.errors += failed;
    }
    sample.elapsed = started.elapsed();
    sample.cpu = server_cpu().saturating_sub(cpu_before);
    sample.statements = bench.statements.load(Ordering::Relaxed);
    sample
}

async fn send(http: &reqwest::Client, base: &str, call: Call) -> Option<Value> {
    let response = http
        .post(format!("{base}{}", call.path))
        .bearer_auth(&*call.token)
        .json(&call.body)
        .send()
        .await
        .ok()?;
    response.json().await.ok()
}

fn succeeded(body: &Value) -> bool {
    body["errors"].is_null() && body["data"].is_object()
}

/// One run of GraphQL, then one of the baseline when there is one.
/// Waits (up to a minute) until PostgreSQL has finished the statements of requests the
/// previous run gave up on, so a one-at-a-time run does not share the cores with them.
async fn settle(bench: &Bench) {
    let db = &bench.state.db;
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let busy = sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_activity \
         WHERE state = 'active' AND pid <> pg_backend_pid() AND datname = current_database()",
    );
    for _ in 0..120 {
        let active = db
            .query_one_raw(busy.clone())
            .await
            .ok()
            .flatten()
            .and_then(|row| row.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0);
        if active == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `rounds` runs of GraphQL, each followed by one of the baseline when there is one, the
/// modes' runs pooled: alternating keeps a drifting machine from favouring either side.
async fn compare(
    bench: &Bench,
    base: &str,
    (clients, seconds, rounds): (usize, u64, usize),
    graphql: &Next,
    baseline: Option<&Next>,
) -> (Run, Option<Run>) {
    let mut g = Sample::default();
    let mut b = baseline.map(|_| Sample::default());
    for _ in 0..rounds.max(1) {
        g.absorb(drive(bench, base, clients, seconds, graphql.clone(), succeeded).await);
        if let (Some(next), Some(pooled)) = (baseline, b.as_mut()) {
            let run = drive(bench, base, clients, seconds, next.clone(), |b| {
                b["data"].is_object()
            })
            .await;
            pooled.absorb(run);
        }
    }
    (g.summary(), b.map(Sample::summary))
}

/// Checks that GraphQL and the baseline answer a sample of requests with the same data, so the
/// ratio compares like with like; prints the first disagreements and stops the run on any.
async fn agree(name: &str, base: &str, graphql: &Next, baseline: &Next) {
    let http = reqwest::Client::new();
    let (mut same, mut checked) = (0, 0);
    for worker in 0..8 {
        for i in 0..3 {
            let (Some(g), Some(b)) = (graphql(worker, i), baseline(worker, i)) else {
                continue;
            };
            let (g, b) = (send(&http, base, g).await, send(&http, base, b).await);
            let g = g.map(|v| v["data"].clone());
            let b = b.map(|v| v["data"].clone());
            checked += 1;
            if g.is_some() && g == b {
                same += 1;
            } else if checked - same <= 2 {
                let at = match (&g, &b) {
                    (Some(g), Some(b)) => difference(g, b, String::new()),
                    _ => Some(format!("GraphQL {g:?}, baseline {b:?}")),
                };
                eprintln!("  {name}: answers differ at {}", at.unwrap_or_default());
            }
        }
    }
    println!("{name}: GraphQL and baseline gave the same data for {same} of {checked} requests");
    // A ratio between different answers would measure nothing.
    assert!(
        checked > 0 && same == checked,
        "{name}: the baseline must answer what GraphQL answers"
    );
}

/// Where two answers first differ: the path and both values.
fn difference(g: &Value, b: &Value, path: String) -> Option<String> {
    match (g, b) {
        (Value::Object(g), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = g.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|key| {
                let (x, y) = (&g.get(key), &b.get(key));
                match (x, y) {
                    (Some(x), Some(y)) => difference(x, y, format!("{path}.{key}")),
                    _ => Some(format!("{path}.{key}: {x:?} / {y:?}")),
                }
            })
        }
        (Value::Array(g), Value::Array(b)) if g.len() == b.len() => g
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| difference(x, y, format!("{path}[{i}]"))),
        _ if g == b => None,
        _ => Some(format!("{path}: {g} / {b}")),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn report(name: &str, graphql: &Run, baseline: Option<&Run>) {
    let line = |mode: &str, run: &Run| {
        println!(
            "| {name} | {mode} | {:.0} | {} | {} | {} | {:.1} | {:.2} | {} |",
            run.per_second,
            ms(run.p50),
            ms(run.p95),
            ms(run.p99),
            run.statements,
            run.cpu_ms,
            run.errors
        );
    };
    line("GraphQL", graphql);
    if let Some(baseline) = baseline {
        line("baseline SQL", baseline);
        println!(
            "| {name} | **ratio** | **{:.2}×** | | | **{:.2}×** | | | |",
            graphql.per_second / baseline.per_second,
            graphql.p99.as_secs_f64() / baseline.p99.as_secs_f64()
        );
    }
}

#[tokio::main]
async fn main() {
    let clients = knob("BENCH_CLIENTS", 64);
    let seconds = knob("BENCH_SECS", 10) as u64;
    // Each read is measured in this many alternating GraphQL/baseline rounds.
    let rounds = knob("BENCH_ROUNDS", 3);
    let users = knob("BENCH_USERS", 64);
    let only: Vec<String> = std::env::var("BENCH_ONLY")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let now: DateTime<Utc> = Utc::now();
    let bench = Bench::start_with(now, support::baseline::routes).await;
    let base = bench.client.url.trim_end_matches("/graphql").to_owned();

    let reused = std::env::var("BENCH_SCHEMA").is_ok_and(|s| !s.is_empty())
        || std::env::var("BENCH_SQLITE_FILE").is_ok_and(|s| !s.is_empty());
    if !reused {
        let scale: f64 = std::env::var("BENCH_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.05);
        let seeding = Instant::now();
        let options = salesgraph::seed::SeedOptions {
            scale,
            seed: 42,
            today: now.date_naive(),
            company_timezone: bench.state.config.company_tz(),
            password_hasher: bench.state.hasher,
            progress: true,
        };
        salesgraph::seed::run(&bench.state.db, &options)
            .await
            .unwrap();
        eprintln!("seeded scale {scale} in {:.1?}", seeding.elapsed());
    }
    let http = reqwest::Client::new();
    let graphql_url = bench.client.url.clone();

    // Reps with their day, customers, planned visits and open deals.
    let open_stages: Vec<Uuid> = sql(
        &bench,
        "SELECT id FROM pipeline_stages WHERE kind = 'OPEN' AND archived = $1 ORDER BY position",
        vec![false.into()],
    )
    .await
    .iter()
    .map(|r| r.try_get_by_index(0).unwrap())
    .collect();
    let mut reps = Vec::new();
    for i in 1..=users {
        let email = format!("rep{i}@bench.salesgraph.test");
        let found = sql(
            &bench,
            "SELECT id, timezone FROM users WHERE email = $1",
            vec![email.clone().into()],
        )
        .await;
        let Some(row) = found.first() else { break };
        let id: Uuid = row.try_get_by_index(0).unwrap();
        let tz: chrono_tz::Tz = row.try_get_by_index::<String>(1).unwrap().parse().unwrap();
        let customers = sql(
            &bench,
            "SELECT id FROM customers WHERE owner_id = $1 ORDER BY id LIMIT 20",
            vec![id.into()],
        )
        .await
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
        let planned = sql(
            &bench,
            "SELECT id, latitude, longitude FROM visit_tasks WHERE assignee_id = $1 AND status = 'PLANNED' \
             AND latitude IS NOT NULL ORDER BY planned_start DESC LIMIT 400",
            vec![id.into()],
        )
        .await
        .iter()
        .map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap(), r.try_get_by_index(2).unwrap()))
        .collect();
        let deals = sql(
            &bench,
            "SELECT id, version, stage_id FROM opportunities WHERE owner_id = $1 AND status = 'OPEN' ORDER BY id LIMIT 50",
            vec![id.into()],
        )
        .await
        .iter()
        .map(|r| {
            let stage: Uuid = r.try_get_by_index(2).unwrap();
            let position = open_stages.iter().position(|s| *s == stage).unwrap_or(0);
            (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap(), position)
        })
        .collect();
        reps.push(Rep {
            token: login(&http, &graphql_url, &email).await,
            day: now.with_timezone(&tz).date_naive(),
            customers,
            planned,
            deals,
        });
    }
    assert!(
        !reps.is_empty(),
        "no seeded reps: run salesgraph seed-bench first"
    );
    let managers: Vec<Arc<str>> = {
        let mut tokens = Vec::new();
        for t in 1..=reps.len().div_ceil(10).max(1) {
            let email = format!("manager{t}@bench.salesgraph.test");
            if sql(
                &bench,
                "SELECT id FROM users WHERE email = $1",
                vec![email.clone().into()],
            )
            .await
            .is_empty()
            {
                break;
            }
            tokens.push(Arc::from(login(&http, &graphql_url, &email).await));
        }
        tokens
    };
    let finance: Arc<str> =
        Arc::from(login(&http, &graphql_url, "finance1@bench.salesgraph.test").await);
    let admin: Arc<str> =
        Arc::from(login(&http, &graphql_url, "admin@bench.salesgraph.test").await);
    let reps = Arc::new(reps);
    let rep_tokens: Arc<Vec<Arc<str>>> =
        Arc::new(reps.iter().map(|r| Arc::from(r.token.as_str())).collect());
    let today = now
        .with_timezone(&bench.state.config.company_tz())
        .date_naive();
    let counts = sql(&bench, "SELECT (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM visit_tasks), (SELECT COUNT(*) FROM installments)", vec![]).await;
    let count = |i| counts[0].try_get_by_index::<i64>(i).unwrap();
    println!(
        "{} · {} customers, {} visit tasks, {} installments · {clients} clients · {seconds} s per run · {} reps signed in",
        bench.backend,
        count(0),
        count(1),
        count(2),
        reps.len()
    );
    println!(
        "| operation | mode | req/s | p50 ms | p95 ms | p99 ms | SQL/request | server CPU ms/request | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");

    // Each read: its GraphQL document, its baseline route, and who asks with which variables
    // for a worker's i-th request (the same for both modes).
    type Ask = Arc<dyn Fn(usize, usize) -> (Arc<str>, Value) + Send + Sync>;
    // The month under way by default; early in a month that holds little, so `BENCH_PERIOD`
    // (`2026-11`, `2026-Q4`) asks for a full one.
    let period = std::env::var("BENCH_PERIOD")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| today.format("%Y-%m").to_string());
    // The product-line report's target is a quarter: the one under way.
    let quarter = {
        use chrono::Datelike;
        format!("{}-Q{}", today.year(), today.month0() / 3 + 1)
    };
    let reads: Vec<(&str, &'static str, Option<&'static str>, Ask)> = vec![
        ("myVisitTasks", VISITS, Some("/baseline/my-visit-tasks"), {
            let (reps, tokens) = (reps.clone(), rep_tokens.clone());
            Arc::new(move |w, _| {
                let r = w % reps.len();
                (tokens[r].clone(), json!({"d": reps[r].day}))
            })
        }),
        // The rep's whole day: activities, the late ones and the visit tasks (no baseline yet).
        ("myAgenda", AGENDA, None, {
            let (reps, tokens) = (reps.clone(), rep_tokens.clone());
            Arc::new(move |w, _| {
                let r = w % reps.len();
                (tokens[r].clone(), json!({"d": reps[r].day}))
            })
        }),
        // The search box: a rep's (their own customers) and an admin's (all), beside the same
        // ranked read of the index written by hand.
        ("searchRep", SEARCH, Some("/baseline/search-own"), {
            let tokens = rep_tokens.clone();
            Arc::new(move |w, i| {
                let q = SEARCH_TERMS[(w + i) % SEARCH_TERMS.len()];
                (tokens[w % tokens.len()].clone(), json!({"q": q}))
            })
        }),
        ("searchAdmin", SEARCH, Some("/baseline/search-all"), {
            let admin = admin.clone();
            Arc::new(move |w, i| {
                let q = SEARCH_TERMS[(w + i) % SEARCH_TERMS.len()];
                (admin.clone(), json!({"q": q}))
            })
        }),
        (
            "opportunities",
            OPPORTUNITIES,
            Some("/baseline/opportunities"),
            {
                let managers = managers.clone();
                Arc::new(move |w, _| (managers[w % managers.len()].clone(), json!({})))
            },
        ),
        (
            "opportunitiesPage",
            OPPORTUNITIES_PAGE,
            Some("/baseline/opportunities-page"),
            {
                let managers = managers.clone();
                Arc::new(move |w, _| (managers[w % managers.len()].clone(), json!({})))
            },
        ),
        (
            "customersManager",
            CUSTOMERS,
            Some("/baseline/customers-managed"),
            {
                let managers = managers.clone();
                Arc::new(move |w, _| (managers[w % managers.len()].clone(), json!({})))
            },
        ),
        (
            "customersFinance",
            CUSTOMERS,
            Some("/baseline/customers-all"),
            {
                let finance = finance.clone();
                Arc::new(move |_, _| (finance.clone(), json!({})))
            },
        ),
        (
            "contractsManager",
            CONTRACTS,
            Some("/baseline/contracts-managed"),
            {
                let managers = managers.clone();
                Arc::new(move |w, _| (managers[w % managers.len()].clone(), json!({})))
            },
        ),
        (
            "contractsFinance",
            CONTRACTS,
            Some("/baseline/contracts-all"),
            {
                let finance = finance.clone();
                Arc::new(move |_, _| (finance.clone(), json!({})))
            },
        ),
        (
            "leadsByScore",
            LEADS_BY_SCORE,
            Some("/baseline/leads-by-score"),
            {
                let managers = managers.clone();
                Arc::new(move |w, _| (managers[w % managers.len()].clone(), json!({})))
            },
        ),
        ("customer", CUSTOMER, Some("/baseline/customer"), {
            let (reps, tokens) = (reps.clone(), rep_tokens.clone());
            Arc::new(move |w, i| {
                let r = w % reps.len();
                let customers = &reps[r].customers;
                let id = encode_id(NodeType::Customer, customers[i % customers.len()]).0;
                (tokens[r].clone(), json!({"id": id}))
            })
        }),
        (
            "receivablesAging",
            AGING,
            Some("/baseline/receivables-aging"),
            {
                let finance = finance.clone();
                Arc::new(move |_, _| (finance.clone(), json!({"asOf": today})))
            },
        ),
        ("salesPerformance", PERFORMANCE, None, {
            let admin = admin.clone();
            Arc::new(move |_, _| (admin.clone(), json!({"p": period})))
        }),
        ("salesPerformanceByProductLine", BY_PRODUCT_LINE, None, {
            let admin = admin.clone();
            Arc::new(move |_, _| (admin.clone(), json!({"p": quarter})))
        }),
    ];
    for (name, query, baseline_path, ask) in reads {
        if !wanted(name) {
            continue;
        }
        let graphql: Next = {
            let ask = ask.clone();
            Arc::new(move |w, i| {
                let (token, variables) = ask(w, i);
                let body = json!({"query": query, "variables": variables});
                Some(Call {
                    path: "/graphql",
                    token,
                    body,
                })
            })
        };
        let baseline: Option<Next> = baseline_path.map(|path| {
            let ask = ask.clone();
            Arc::new(move |w, i| {
                let (token, variables) = ask(w, i);
                Some(Call {
                    path,
                    token,
                    body: json!({"variables": variables}),
                })
            }) as Next
        });
        if let Some(baseline) = &baseline {
            agree(name, &base, &graphql, baseline).await;
        }
        let (g, b) = compare(
            &bench,
            &base,
            (clients, seconds, rounds),
            &graphql,
            baseline.as_ref(),
        )
        .await;
        report(name, &g, b.as_ref());
        // The reports' targets are latencies of one request at a time, whole company.
        if matches!(
            name,
            "receivablesAging" | "salesPerformance" | "salesPerformanceByProductLine"
        ) {
            settle(&bench).await;
            let (g, b) = compare(
                &bench,
                &base,
                (1, seconds, rounds),
                &graphql,
                baseline.as_ref(),
            )
            .await;
            report(&format!("{name} (1 client)"), &g, b.as_ref());
        }
    }

    // Writes, each through GraphQL only (their SQL is the server's own transaction).
    let run_id = Uuid::now_v7().simple().to_string();
    // Phones must differ from run to run on a reused database (duplicates are refused).
    let run_phone = 200 + Utc::now().timestamp() % 800;
    if wanted("moveOpportunityStage") {
        sql(&bench, "DELETE FROM checklist_ticks", vec![]).await;
        sql(&bench, "DELETE FROM exit_criteria", vec![]).await;
    }
    let writes: Vec<(&str, Next)> = vec![
        ("createLead", {
            let (tokens, run_id) = (rep_tokens.clone(), run_id.clone());
            Arc::new(move |w, i| {
                Some(Call {
                    path: "/graphql",
                    token: tokens[w % tokens.len()].clone(),
                    body: json!({"query": CREATE_LEAD, "variables": {"i": {
                    "name": format!("Load lead {w}-{i}"), "source": "REFERRAL", "phone": format!("+1 {} {:03} {:05}", run_phone, w, i % 100_000),
                    "idempotencyKey": format!("{run_id}-lead-{w}-{i}")}}}),
                })
            })
        }),
        ("logFollowUp", {
            let (reps, tokens, run_id) = (reps.clone(), rep_tokens.clone(), run_id.clone());
            Arc::new(move |w, i| {
                let r = w % reps.len();
                let c = encode_id(
                    NodeType::Customer,
                    reps[r].customers[i % reps[r].customers.len()],
                )
                .0;
                Some(Call {
                    path: "/graphql",
                    token: tokens[r].clone(),
                    body: json!({"query": FOLLOW_UP, "variables": {"i": {
                    "subjectId": c, "kind": "CALL", "content": "Checked in by phone",
                    "idempotencyKey": format!("{run_id}-fu-{w}-{i}")}}}),
                })
            })
        }),
        ("checkInVisit", {
            // Worker w takes every `clients`-th planned task of its rep, so none is checked in twice.
            let (reps, tokens, run_id) = (reps.clone(), rep_tokens.clone(), run_id.clone());
            let per_rep = clients.div_ceil(reps.len()).max(1);
            Arc::new(move |w, i| {
                let r = w % reps.len();
                let lane = w / reps.len();
                let (id, lat, lng) = *reps[r].planned.get(lane + i * per_rep)?;
                Some(Call {
                    path: "/graphql",
                    token: tokens[r].clone(),
                    body: json!({"query": CHECK_IN, "variables": {"i": {
                    "id": encode_id(NodeType::VisitTask, id).0, "location": {"lat": lat, "lng": lng, "accuracyMeters": 15.0},
                    // The server's clock stands still at the run's start; the phone agrees with it.
                    "deviceTime": now, "idempotencyKey": format!("{run_id}-ci-{id}")}}}),
                })
            })
        }),
        ("moveOpportunityStage", {
            // Worker w cycles its own deals through the open stages; versions follow the moves.
            let (reps, tokens, stages, run_id) = (
                reps.clone(),
                rep_tokens.clone(),
                open_stages.clone(),
                run_id.clone(),
            );
            let per_rep = clients.div_ceil(reps.len()).max(1);
            Arc::new(move |w, i| {
                let r = w % reps.len();
                let lane = w / reps.len();
                let mine: Vec<&(Uuid, i32, usize)> =
                    reps[r].deals.iter().skip(lane).step_by(per_rep).collect();
                if mine.is_empty() || stages.len() < 2 {
                    return None;
                }
                let (id, version, position) = *mine[i % mine.len()];
                let round = i / mine.len();
                let target = stages[(position + round + 1) % stages.len()];
                Some(Call {
                    path: "/graphql",
                    token: tokens[r].clone(),
                    body: json!({"query": MOVE, "variables": {"i": {
                    "id": encode_id(NodeType::Opportunity, id).0, "stageId": encode_id(NodeType::PipelineStage, target).0, "expectedVersion": version + round as i32,
                    "idempotencyKey": format!("{run_id}-mv-{id}-{round}")}}}),
                })
            })
        }),
    ];
    for (name, next) in writes {
        if !wanted(name) {
            continue;
        }
        let g = drive(&bench, &base, clients, seconds, next, succeeded)
            .await
            .summary();
        report(name, &g, None);
    }
    bench.finish().await;
}
