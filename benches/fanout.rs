//! Subscription fan-out: thousands of authenticated WebSocket subscribers to
//! `opportunityStageChanged`, spread over teams, against a `salesgraph serve` child process (so
//! its memory is its own). Reports the server's resident memory per idle subscription and, for
//! stage changes in several teams, how long until every entitled subscriber heard it, and
//! whether anybody else did. Then it closes every socket and samples the server's memory for
//! 30 s, opens and closes as many again (a leak would add up; retained heap is reused), and
//! sends 4,000 small queries to the emptied server.
//!
//! ```sh
//! cargo bench --bench fanout                                    # embedded SQLite (a temp file)
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench fanout
//! ```
//!
//! Knobs: `BENCH_SUBSCRIBERS` (10000), `BENCH_TEAMS` (50), `BENCH_TEAM_SIZE` reps per team (9),
//! `BENCH_MOVES` stage changes measured (5). Each team has a manager; every user holds
//! `subscribers / users` connections. A change is entitled to its owner's and the owner's
//! manager's connections. Needs about two file descriptors per subscriber across the two
//! processes (`ulimit -n`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on any surprise

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use support::knob;
use support::process::{ServerProcess, lazy_free_kib, rss_kib};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const ADMIN: &str = "admin@fanout.bench";
const PASSWORD: &str = "fanout-bench-password";
const SUBSCRIPTION: &str =
    "subscription { opportunityStageChanged { opportunity { id } toStage { name } } }";

fn start_server(database_url: &str, schema: &str) -> ServerProcess {
    ServerProcess::start_in_schema(
        database_url,
        schema,
        (ADMIN, PASSWORD),
        &[
            (
                "SALESGRAPH_LOGIN_MAX_FAILURES_PER_CLIENT",
                "1000000".to_owned(),
            ),
            // Every bench connection comes from 127.0.0.1 and each user holds 20 or more:
            // the caps on sockets per address and per user are lifted to measure the fan-out.
            ("SALESGRAPH_WS_MAX_PER_ADDRESS", "1000000".to_owned()),
            ("SALESGRAPH_WS_MAX_PER_USER", "1000000".to_owned()),
        ],
    )
}

async fn gql(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let body = support::process::post(http, url, token, query, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

async fn login(http: &reqwest::Client, url: &str, email: &str) -> String {
    let data = gql(
        http,
        url,
        None,
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
        json!({"e": email, "p": PASSWORD}),
    )
    .await;
    data["login"]["accessToken"].as_str().unwrap().to_owned()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `subscribers` sockets, spread over `members`, each acknowledged and subscribed.
async fn connect_all(
    members: &Arc<Vec<Member>>,
    ws: &str,
    subscribers: usize,
) -> Vec<(usize, Socket)> {
    futures_util::stream::iter(0..subscribers)
        .map(|i| {
            let (members, ws) = (members.clone(), ws.to_owned());
            async move {
                let member = &members[i % members.len()];
                let mut request = ws.as_str().into_client_request().unwrap();
                request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
                let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
                socket.send(Message::Text(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", member.token)}}).to_string().into())).await.unwrap();
                loop {
                    match socket.next().await {
                        Some(Ok(Message::Text(text))) if text.contains("connection_ack") => break,
                        Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_))) => {}
                        other => panic!("no ack: {other:?}"),
                    }
                }
                socket.send(Message::Text(json!({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}).to_string().into())).await.unwrap();
                (i, socket)
            }
        })
        .buffer_unordered(128)
        .collect()
        .await
}

/// The server's resident memory after the sockets closed, sampled for half a minute.
async fn rss_after_closing(pid: u32, what: &str) -> u64 {
    let closed = Instant::now();
    let mut last = 0;
    for after in [1, 5, 10, 30] {
        let wait = Duration::from_secs(after).saturating_sub(closed.elapsed());
        tokio::time::sleep(wait).await;
        last = rss_kib(pid);
        let lazy = lazy_free_kib(pid);
        let descriptors = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
        println!(
            "{what}: server RSS {last} KiB {after} s after every socket closed, of which {lazy} KiB freed lazily (MADV_FREE); {descriptors} file descriptors open"
        );
    }
    last
}

/// A user and the deal they own (reps only).
struct Member {
    token: String,
    deal: Option<String>,
    team: usize,
    manager: bool,
}

#[tokio::main]
async fn main() {
    let subscribers = knob("BENCH_SUBSCRIBERS", 10_000);
    let teams = knob("BENCH_TEAMS", 50);
    let team_size = knob("BENCH_TEAM_SIZE", 9);
    let moves = knob("BENCH_MOVES", 5).min(teams);

    let (database_url, schema, file) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(base.clone()).await.unwrap();
            admin
                .execute_unprepared(&format!("CREATE SCHEMA \"{name}\""))
                .await
                .unwrap();
            (base, name, None)
        }
        _ => {
            let path = std::env::temp_dir().join(format!(
                "salesgraph-fanout-{}.db",
                uuid::Uuid::now_v7().simple()
            ));
            (
                format!("sqlite://{}", path.display()),
                String::new(),
                Some(path),
            )
        }
    };
    let server = start_server(&database_url, &schema);
    let url = format!("http://{}/graphql", server.addr);
    let ws = format!("ws://{}/graphql/ws", server.addr);
    let http = reqwest::Client::new();
    let admin = login(&http, &url, ADMIN).await;
    let stages = gql(
        &http,
        &url,
        Some(&admin),
        "{ pipelineStages { id } }",
        json!({}),
    )
    .await;
    let stage_ids: Vec<String> = stages["pipelineStages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();

    // Teams: a manager and reps; every rep owns a customer with one open deal.
    let setup = Instant::now();
    let mut members = Vec::new();
    for t in 0..teams {
        let manager_email = format!("manager{t}@fanout.bench");
        let create_user =
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }";
        let manager = gql(&http, &url, Some(&admin), create_user, json!({"i": {"email": manager_email, "displayName": format!("Manager {t}"), "role": "SALES_MANAGER", "password": PASSWORD}})).await;
        let manager_id = manager["createUser"]["user"]["id"].clone();
        let team = gql(
            &http,
            &url,
            Some(&admin),
            "mutation($i: CreateTeamInput!) { createTeam(input: $i) { team { id } } }",
            json!({"i": {"name": format!("Team {t}"), "managerId": manager_id}}),
        )
        .await;
        let team_id = team["createTeam"]["team"]["id"].clone();
        members.push(Member {
            token: login(&http, &url, &manager_email).await,
            deal: None,
            team: t,
            manager: true,
        });
        for r in 0..team_size {
            let email = format!("rep{t}-{r}@fanout.bench");
            gql(&http, &url, Some(&admin), create_user, json!({"i": {"email": email, "displayName": format!("Rep {t}-{r}"), "role": "SALES_REP", "password": PASSWORD, "teamId": team_id}})).await;
            let token = login(&http, &url, &email).await;
            let deal = if r == 0 {
                let customer = gql(&http, &url, Some(&token), "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }", json!({"i": {"name": format!("Customer {t}")}})).await;
                let deal = gql(&http, &url, Some(&token), "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { opportunity { id } } }", json!({"i": {"customerId": customer["createCustomer"]["customer"]["id"], "name": format!("Deal {t}"), "amount": "1000", "expectedCloseDate": "2027-01-31", "need": "Cold storage"}})).await;
                // The call the default playbook asks for before the deal leaves its first stage.
                gql(&http, &url, Some(&token), "mutation($i: LogFollowUpInput!) { logFollowUp(input: $i) { followUp { id } } }", json!({"i": {"subjectId": deal["createOpportunity"]["opportunity"]["id"], "kind": "CALL", "content": "Needs cold storage"}})).await;
                Some(
                    deal["createOpportunity"]["opportunity"]["id"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            } else {
                None
            };
            members.push(Member {
                token,
                deal,
                team: t,
                manager: false,
            });
        }
    }
    eprintln!(
        "{} users in {teams} teams set up in {:.1?}",
        members.len(),
        setup.elapsed()
    );
    let members = Arc::new(members);
    let pid = server.child.id();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(pid);

    // Connect and subscribe, a few hundred at a time.
    let connecting = Instant::now();
    let received: Arc<Vec<AtomicUsize>> =
        Arc::new((0..subscribers).map(|_| AtomicUsize::new(0)).collect());
    let heard_at: Arc<std::sync::Mutex<Vec<(usize, Instant)>>> = Arc::default();
    let sockets = connect_all(&members, &ws, subscribers).await;
    eprintln!(
        "{subscribers} subscribers connected in {:.1?}",
        connecting.elapsed()
    );
    let mut readers = Vec::new();
    for (i, socket) in sockets {
        let (received, heard_at) = (received.clone(), heard_at.clone());
        readers.push(tokio::spawn(async move {
            let (_sink, mut stream) = socket.split();
            while let Some(Ok(message)) = stream.next().await {
                if let Message::Text(text) = message
                    && text.contains("opportunityStageChanged")
                {
                    received[i].fetch_add(1, Ordering::Relaxed);
                    heard_at.lock().unwrap().push((i, Instant::now()));
                }
            }
            _sink
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(pid);
    let per_sub = (after.saturating_sub(before)) as f64 / subscribers as f64;
    println!(
        "server RSS {before} KiB idle → {after} KiB with {subscribers} subscriptions: {per_sub:.1} KiB per idle subscription"
    );

    // Stage changes, one team at a time; entitled: the owner's and their manager's sockets.
    let mut worst = Duration::ZERO;
    let mut stray_total = 0;
    for m in 0..moves {
        let team = m * (teams / moves.max(1)).max(1);
        let owner_index = members
            .iter()
            .position(|x| x.team == team && x.deal.is_some())
            .unwrap();
        let manager_index = members
            .iter()
            .position(|x| x.team == team && x.manager)
            .unwrap();
        let entitled: Vec<usize> = (0..subscribers)
            .filter(|i| {
                let who = i % members.len();
                who == owner_index || who == manager_index
            })
            .collect();
        for r in received.iter() {
            r.store(0, Ordering::Relaxed);
        }
        heard_at.lock().unwrap().clear();
        let owner = &members[owner_index];
        let sent = Instant::now();
        gql(&http, &url, Some(&owner.token), "mutation($i: MoveOpportunityStageInput!) { moveOpportunityStage(input: $i) { opportunity { id } } }", json!({"i": {"id": owner.deal, "stageId": stage_ids[1], "expectedVersion": 1}})).await;
        let acknowledged = sent.elapsed();
        let deadline = sent + Duration::from_secs(10);
        while entitled
            .iter()
            .any(|i| received[*i].load(Ordering::Relaxed) == 0)
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let delivered = entitled
            .iter()
            .filter(|i| received[**i].load(Ordering::Relaxed) > 0)
            .count();
        let last = heard_at
            .lock()
            .unwrap()
            .iter()
            .map(|(_, at)| at.duration_since(sent))
            .max()
            .unwrap_or_default();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let stray = (0..subscribers)
            .filter(|i| !entitled.contains(i) && received[*i].load(Ordering::Relaxed) > 0)
            .count();
        worst = worst.max(last);
        stray_total += stray;
        println!(
            "move {m} (team {team}): mutation answered in {:.1} ms; {delivered}/{} entitled subscribers heard it, the last after {:.1} ms; {stray} others heard it",
            acknowledged.as_secs_f64() * 1000.0,
            entitled.len(),
            last.as_secs_f64() * 1000.0
        );
    }
    println!(
        "worst delivery {:.1} ms; {stray_total} deliveries to subscribers not entitled",
        worst.as_secs_f64() * 1000.0
    );
    for reader in readers {
        reader.abort();
    }
    // Memory once the sockets are gone, then a second round of as many sockets: if what stays
    // resident were leaked, the second round would add to it; if it is the allocator keeping
    // freed pages for reuse, the second round fits in it.
    let first_closed = rss_after_closing(pid, "round 1").await;
    let sockets = connect_all(&members, &ws, subscribers).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let second_open = rss_kib(pid);
    println!("round 2: server RSS {second_open} KiB with {subscribers} subscriptions again");
    drop(sockets);
    let second_closed = rss_after_closing(pid, "round 2").await;
    println!(
        "after closing: {first_closed} KiB (round 1), {second_closed} KiB (round 2); idle before any socket {before} KiB"
    );
    // Memory a worker thread freed on behalf of another goes back to the owning thread's heap
    // only when that thread allocates again: ordinary requests after the sockets are gone.
    futures_util::stream::iter(0..4_000)
        .map(|_| {
            let (http, url) = (http.clone(), url.clone());
            async move { gql(&http, &url, None, "{ serverInfo { version } }", json!({})).await }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "after 4,000 small requests on the emptied server: RSS {} KiB",
        rss_kib(pid)
    );
    drop(server);
    if !schema.is_empty() {
        let admin = Database::connect(database_url).await.unwrap();
        let _ = admin
            .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await;
    }
    if let Some(path) = file {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
