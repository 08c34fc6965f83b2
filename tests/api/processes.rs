//! The `salesgraph` binary as operators run it: several server processes on one PostgreSQL
//! database behaving as one service, and a stop (SIGTERM) that finishes what is in flight.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::websocket::{close_code, connected, connected_at, json_of, next, send};

/// A `salesgraph serve` child process on the test's database; killed when dropped.
pub(crate) struct ServerProcess {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl ServerProcess {
    /// Starts the binary against `app`'s database (already migrated), with `app`'s secret and
    /// event channel, on a free port read back from its start-up log line.
    pub(crate) async fn start(app: &TestApp, extra: &[(&str, &str)]) -> Self {
        let (url, schema) = app.database();
        let config = &app.state.config;
        let mut command = Command::new(env!("CARGO_BIN_EXE_salesgraph"));
        command
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("SALESGRAPH_DATABASE_SCHEMA", schema.unwrap_or_default())
            .env("SALESGRAPH_BIND", "127.0.0.1:0")
            .env("SALESGRAPH_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env("SALESGRAPH_MIGRATE_ON_START", "false")
            .env(
                "SALESGRAPH_JWT_SECRET",
                config.jwt_secret.clone().unwrap_or_default(),
            )
            .env("SALESGRAPH_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("SALESGRAPH_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("SALESGRAPH_EVENT_CHANNEL", &config.event_channel)
            .env("SALESGRAPH_ARGON2_MEMORY_KIB", "1024")
            .env("SALESGRAPH_ARGON2_ITERATIONS", "1")
            .env("SALESGRAPH_SHUTDOWN_GRACE_SECS", "10")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in extra {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start salesgraph");
        let stdout = child.stdout.take().expect("piped stdout");
        let (found, address) = std::sync::mpsc::channel();
        // Reads the log until the bound address shows, then keeps draining it so the pipe
        // never fills up and blocks the server.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let parsed: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                if let Some(addr) = parsed["fields"]["address"].as_str() {
                    let _ = found.send(addr.to_owned());
                }
            }
        });
        let addr =
            tokio::task::spawn_blocking(move || address.recv_timeout(Duration::from_secs(60)))
                .await
                .unwrap()
                .expect("the server logs the address it serves on");
        Self {
            child,
            addr: addr.parse().expect("a socket address"),
        }
    }

    pub(crate) async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = reqwest::Client::new()
            .post(format!("http://{}/graphql", self.addr))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits for the process to exit; `None` if it is still running after `limit`.
    async fn exited_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("poll child") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const LOGIN: &str = "mutation($email: String!, $password: String!) { login(input: {email: $email, password: $password}) { accessToken } }";
const CREATE_LEAD: &str =
    "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id owner { id } } } }";

#[tokio::test]
async fn two_server_processes_on_one_database_act_as_one_service() {
    let app = TestApp::spawn_on_postgres().await;
    crate::fixtures::without_playbook(&app).await;
    let (a, b) = tokio::join!(
        ServerProcess::start(&app, &[]),
        ServerProcess::start(&app, &[])
    );
    let manager = app.a_user().role("SALES_MANAGER").create().await;
    let team = app.a_team("Two processes", Some(&manager.id)).await;
    let reps = [
        app.a_user().in_team(&team).create().await,
        app.a_user().in_team(&team).create().await,
        app.a_user().in_team(&team).create().await,
    ];
    let rep = &reps[0];
    let customer = crate::fixtures::a_customer(&app, &rep.token, "Two Processes Co").await;

    // A stage change made through A reaches the manager subscribed on B.
    let created = a
        .gql(
            Some(&rep.token),
            "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } } }",
            json!({"input": {"customerId": customer, "name": "Across", "amount": "10", "expectedCloseDate": "2026-12-31"}}),
        )
        .await;
    let deal = created["data"]["createOpportunity"]["opportunity"]["id"].clone();
    let stages = a
        .gql(Some(&rep.token), "{ pipelineStages { id } }", json!({}))
        .await;
    let mut watching = connected_at(b.addr, &manager.token).await;
    send(
        &mut watching,
        json!({"id": "s", "type": "subscribe", "payload": {"query": "subscription { opportunityStageChanged { opportunity { id } } }"}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let moved = a
        .gql(
            Some(&rep.token),
            "mutation($id: ID!, $s: ID!) { moveOpportunityStage(input: {id: $id, stageId: $s, expectedVersion: 1}) { opportunity { id } } }",
            json!({"id": deal, "s": stages["data"]["pipelineStages"][1]["id"]}),
        )
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    let event = json_of(next(&mut watching).await);
    assert_eq!(
        event["payload"]["data"]["opportunityStageChanged"]["opportunity"]["id"], deal,
        "{event}"
    );

    // Contract numbers drawn concurrently through both processes: unique and gapless.
    let creates = (0..20).map(|i| {
        let server = if i % 2 == 0 { &a } else { &b };
        server.gql(
            Some(&rep.token),
            "mutation($input: CreateContractInput!) { createContract(input: $input) { contract { number } } }",
            json!({"input": {"customerId": customer, "title": format!("Contract {i}"), "amount": "100"}}),
        )
    });
    let mut numbers: Vec<u64> = futures_util::future::join_all(creates)
        .await
        .iter()
        .map(|body| {
            let number = body["data"]["createContract"]["contract"]["number"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"));
            number.rsplit('-').next().unwrap().parse().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    let first = numbers[0];
    assert_eq!(numbers, (first..first + 20).collect::<Vec<_>>());

    // Round-robin assignment stays even when the leads arrive through both processes.
    let leads = (0..12).map(|i| {
        let server = if i % 2 == 0 { &a } else { &b };
        server.gql(
            Some(&app.admin_token),
            CREATE_LEAD,
            json!({"input": {"name": "Inbound", "source": "REFERRAL", "assign": "AUTO", "teamId": team,
                "phone": format!("1380000{i:04}")}}),
        )
    });
    for body in futures_util::future::join_all(leads).await {
        assert!(body["errors"].is_null(), "{body}");
    }
    for rep in &reps {
        let held = app
            .gql(Some(&rep.token), "{ leads { totalCount } }", json!({}))
            .await;
        assert_eq!(held["data"]["leads"]["totalCount"], 4, "{held}");
    }

    // Failed sign-ins count against the account whichever process they reach.
    let target = &reps[1];
    for i in 0..5 {
        let server = if i % 2 == 0 { &a } else { &b };
        let failed = server
            .gql(
                None,
                LOGIN,
                json!({"email": target.email, "password": "not-the-password"}),
            )
            .await;
        assert_eq!(error_code(&failed), Some("UNAUTHENTICATED"), "{failed}");
    }
    let locked = b
        .gql(
            None,
            LOGIN,
            json!({"email": target.email, "password": target.password}),
        )
        .await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "{locked}");
}

#[tokio::test]
async fn sigterm_finishes_requests_in_flight_and_closes_websockets_with_1001() {
    let app = TestApp::spawn_on_postgres().await;
    let mut server = ServerProcess::start(&app, &[]).await;
    let rep = app.a_user().create().await;
    let mut socket = connected_at(server.addr, &rep.token).await;
    send(
        &mut socket,
        json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { myAccountChanged { kind } }"}}),
    )
    .await;
    // Hold the leads table so the next createLead is still running when the stop arrives.
    let blocker = app.state.db.begin().await.unwrap();
    blocker
        .execute_unprepared("LOCK TABLE leads IN SHARE ROW EXCLUSIVE MODE")
        .await
        .unwrap();
    let in_flight = {
        let url = format!("http://{}/graphql", server.addr);
        let token = rep.token.clone();
        tokio::spawn(async move {
            let response = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"query": CREATE_LEAD, "variables": {"input": {
                    "name": "Written during shutdown", "source": "REFERRAL", "phone": "13900000001"}}}))
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !in_flight.is_finished(),
        "the request should be waiting on the lock"
    );

    server.terminate();

    assert_eq!(close_code(next(&mut socket).await), 1001);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server must wait for the request in flight"
    );
    blocker.commit().await.unwrap();
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(
        body["data"]["createLead"]["lead"]["id"].is_string(),
        "{body}"
    );
    let exit = server
        .exited_within(Duration::from_secs(10))
        .await
        .expect("the server exits once drained");
    assert!(exit.success(), "{exit:?}");
    let stored = app
        .gql(Some(&rep.token), "{ leads { totalCount } }", json!({}))
        .await;
    assert_eq!(stored["data"]["leads"]["totalCount"], 1);
}

#[tokio::test]
async fn a_draining_instance_fails_readiness_and_sends_its_websockets_away() {
    let app = TestApp::spawn().await;
    let rep = app.a_user().create().await;
    let mut socket = connected(&app, &rep.token).await;
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);

    app.state.lifecycle.begin_drain();

    assert_eq!(close_code(next(&mut socket).await), 1001);
    let draining = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(draining.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
}
