//! The hostile corpus: documents and connections an attacker would send, each against a real
//! `salesgraph serve` process, which must answer them and then still serve `/healthz` and a
//! normal query. Anyone can re-run it: `cargo nextest run -E 'test(/^hostile::/)'`.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;
use crate::processes::ServerProcess;
use crate::websocket::{Socket, close_code, connected_at, open_at, send};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const DEPTHS: [usize; 4] = [100, 1_500, 10_000, 100_000];

/// The four shapes of deep value nesting: a list argument, an object argument, a variable's
/// default, and a variable's JSON value. Each is `(query, variables)`.
fn nested_forms(depth: usize) -> Vec<(&'static str, String, Value)> {
    let list = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let object = format!("{}1{}", "{a:".repeat(depth), "}".repeat(depth));
    let mut json_value = json!(1);
    // serde_json's reader stops at 128 levels; a deeper JSON value is sent as text below.
    for _ in 0..depth.min(120) {
        json_value = json!([json_value]);
    }
    vec![
        (
            "list argument",
            format!("{{ serverInfo(x: {list}) {{ version }} }}"),
            Value::Null,
        ),
        (
            "object argument",
            format!("{{ serverInfo(x: {object}) {{ version }} }}"),
            Value::Null,
        ),
        (
            "variable default",
            format!("query($v: [Int] = {list}) {{ serverInfo {{ version }} }}"),
            Value::Null,
        ),
        (
            "variable value",
            "query($v: [Int]) { serverInfo { version } }".to_owned(),
            json!({ "v": json_value }),
        ),
    ]
}

/// A POST body whose variable `v` is nested `depth` deep, written as text (any depth).
fn deep_json_body(depth: usize) -> String {
    format!(
        r#"{{"query":"query($v: [Int]) {{ serverInfo {{ version }} }}","variables":{{"v":{}1{}}}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

/// Proves the process still serves: health, and a normal query.
async fn assert_alive(server: &ServerProcess) {
    let health = reqwest::get(format!("http://{}/healthz", server.addr))
        .await
        .expect("the process still answers /healthz");
    assert!(health.status().is_success());
    let body = server
        .gql(None, "{ serverInfo { version } }", json!({}))
        .await;
    assert!(body["data"]["serverInfo"]["version"].is_string(), "{body}");
}

/// Asserts an HTTP answer refused the request: 400 with `QUERY_REJECTED`, or a transport
/// limit (413 body too large, 414/431 request line or headers too large).
async fn assert_refused(what: &str, response: reqwest::Response) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match status {
        400 => assert_eq!(error_code(&body), Some("QUERY_REJECTED"), "{what}: {body}"),
        413 | 414 | 431 => {}
        other => panic!("{what}: unexpected status {other}: {body}"),
    }
}

/// `count` concurrent POSTs of `document`, each on its own connection; each task yields the
/// answer's status.
fn send_burst(
    server: &ServerProcess,
    document: &str,
    count: usize,
) -> Vec<tokio::task::JoinHandle<reqwest::Result<reqwest::StatusCode>>> {
    (0..count)
        .map(|_| {
            let (document, addr) = (document.to_owned(), server.addr);
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(format!("http://{addr}/graphql"))
                    .json(&json!({ "query": document }))
                    .send()
                    .await
                    .map(|response| response.status())
            })
        })
        .collect()
}

async fn start(app: &TestApp) -> ServerProcess {
    ServerProcess::start(app, &[]).await
}

#[tokio::test]
async fn deeply_nested_values_are_refused_over_http_and_the_process_stays_up() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let server = start(&app).await;
    // A connection the server closed after an early answer (413, 431) is never reused.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let url = format!("http://{}/graphql", server.addr);
    for depth in DEPTHS {
        for (form, query, variables) in nested_forms(depth) {
            let what = format!("POST {form} at {depth}");
            let body = json!({ "query": query, "variables": variables }).to_string();
            let oversized = body.len() > app.state.config.body_limit_bytes;
            let response = client
                .post(&url)
                .header("accept", GRAPHQL_RESPONSE)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            match response {
                Ok(response) => assert_refused(&what, response).await,
                // The server answers 413 as soon as the limit is passed and closes the
                // connection, which the client may see as a failed send.
                Err(error) => assert!(oversized, "{what}: {error}"),
            }

            let what = format!("GET {form} at {depth}");
            let response = client
                .get(&url)
                .header("accept", GRAPHQL_RESPONSE)
                .query(&[("query", query), ("variables", variables.to_string())])
                .send()
                .await;
            // A request line past hyper's buffer may be dropped without an answer.
            if let Ok(response) = response {
                assert_refused(&what, response).await;
            }
        }
        let response = client
            .post(&url)
            .header("accept", GRAPHQL_RESPONSE)
            .header("content-type", "application/json")
            .body(deep_json_body(depth))
            .send()
            .await
            .unwrap();
        assert_refused(&format!("JSON variables at {depth}"), response).await;
        assert_alive(&server).await;
    }
}

/// The next text or close message on `socket`, within five seconds; `None` when it ended.
async fn reply(socket: &mut Socket) -> Option<Message> {
    use futures_util::StreamExt;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(Some(Ok(message @ (Message::Text(_) | Message::Close(_))))) => {
                return Some(message);
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => return None,
            Err(_) => panic!("no answer within five seconds"),
        }
    }
}

#[tokio::test]
async fn deeply_nested_values_are_refused_over_websocket_and_the_process_stays_up() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let server = start(&app).await;
    for depth in DEPTHS {
        for (form, query, variables) in nested_forms(depth) {
            let what = format!("subscribe {form} at {depth}");
            let mut socket = connected_at(server.addr, &app.admin_token).await;
            send(
                &mut socket,
                json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}),
            )
            .await;
            match reply(&mut socket).await {
                Some(Message::Text(text)) => {
                    // A refused document is a `next` with errors (or an `error`), then the end.
                    let message: Value = serde_json::from_str(&text).unwrap();
                    let errors = match message["type"].as_str() {
                        Some("next") => &message["payload"]["errors"],
                        Some("error") => &message["payload"],
                        _ => panic!("{what}: {message}"),
                    };
                    assert_eq!(
                        errors[0]["extensions"]["code"], "QUERY_REJECTED",
                        "{what}: {message}"
                    );
                }
                // A message over the socket's size limit closes the connection.
                Some(Message::Close(_)) | None => assert!(
                    query.len() > app.state.config.ws_max_message_bytes,
                    "{what}: closed"
                ),
                Some(other) => panic!("{what}: {other:?}"),
            }
        }
        assert_alive(&server).await;
    }
}

/// `query { ...F0 }` where each fragment spreads the next twice: 2^n paths in 1 KB.
fn fan_out(n: usize) -> String {
    let mut document = String::from("query { ...F0 }");
    for i in 0..n {
        let next = i + 1;
        document.push_str(&format!(
            " fragment F{i} on Query {{ ...F{next} ...F{next} }}"
        ));
    }
    document.push_str(&format!(
        " fragment F{n} on Query {{ serverInfo {{ version }} }}"
    ));
    document
}

#[tokio::test]
async fn fragment_fan_out_is_refused_quickly_and_health_answers_during_a_burst() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let server = start(&app).await;
    // 2^4 paths run; 2^10 are over the complexity limit; the rest over the expansion budget,
    // refused before the library walks any path.
    let small = server.gql(None, &fan_out(4), json!({})).await;
    assert!(
        small["data"]["serverInfo"]["version"].is_string(),
        "{small}"
    );
    for n in [10, 22, 26, 31] {
        let started = Instant::now();
        let body = server.gql(None, &fan_out(n), json!({})).await;
        let took = started.elapsed();
        assert_eq!(error_code(&body), Some("QUERY_REJECTED"), "n={n}: {body}");
        assert!(took < Duration::from_millis(500), "n={n} took {took:?}");
    }
    let burst = send_burst(&server, &fan_out(31), 16);
    let started = Instant::now();
    let health = reqwest::get(format!("http://{}/healthz", server.addr))
        .await
        .unwrap();
    assert!(health.status().is_success());
    assert!(started.elapsed() < Duration::from_secs(1));
    for request in burst {
        assert!(request.await.unwrap().is_ok());
    }
    assert_alive(&server).await;
}

#[tokio::test]
async fn thousands_of_directives_or_errors_produce_a_small_answer() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let server = start(&app).await;
    let directives: String = (0..20_000).map(|i| format!(" @d{i}")).collect();
    for document in [
        format!("query{directives} {{ serverInfo {{ version }} }}"),
        format!("query($v: Int{directives}) {{ serverInfo {{ version }} }}"),
        format!("{{ ...F }} fragment F on Query{directives} {{ serverInfo {{ version }} }}"),
    ] {
        let body = server.gql(None, &document, json!({})).await;
        assert_eq!(error_code(&body), Some("QUERY_REJECTED"), "{body}");
        assert!(body.to_string().len() < 2_000, "{body}");
    }
    // 1,500 unknown fields: every one is a validation error, but only the first are returned.
    let fields: String = (0..1_500).map(|i| format!(" f{i}")).collect();
    let body = server.gql(None, &format!("{{{fields} }}"), json!({})).await;
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 100, "{body}");
    assert_eq!(errors[0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    let last = &errors[99]["extensions"];
    assert_eq!(last["code"], "QUERY_REJECTED");
    assert_eq!(last["omittedErrors"], 1_401);
    assert_alive(&server).await;
}

#[tokio::test]
async fn refused_documents_share_one_metrics_series() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let server = start(&app).await;
    for i in 0..50 {
        let name = format!("invented{i}x{}", "y".repeat(200));
        let body = server
            .gql(None, &format!("{{ {name} {{ id }} }}"), json!({}))
            .await;
        assert_eq!(
            error_code(&body),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{body}"
        );
        // The same text twice: the second run reuses the cached document.
        server
            .gql(None, &format!("{{ {name} {{ id }} }}"), json!({}))
            .await;
    }
    let metrics = reqwest::get(format!("http://{}/metrics", server.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !metrics.contains("invented"),
        "a client's names became series"
    );
    assert!(metrics.contains(r#"operation="invalid""#), "{metrics}");
    assert_alive(&server).await;
}

/// Whether the server closed `stream` (end of file or reset) within `within`.
async fn closed_by_server(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A 408 or similar answer before the close is fine: keep reading to the end.
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn connections_that_never_finish_their_headers_are_closed_at_the_deadline() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn_on_file_or_postgres().await;
    let server = ServerProcess::start(&app, &[("SALESGRAPH_HEADER_READ_TIMEOUT_SECS", "1")]).await;
    // 1,500 connections: a third send nothing, a third half a request head, a third a whole
    // head line by line but never the blank line that ends it.
    let mut idle = Vec::new();
    for i in 0..1_500 {
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        match i % 3 {
            0 => {}
            1 => stream
                .write_all(b"POST /graphql HTTP/1.1\r\nHost: sal")
                .await
                .unwrap(),
            _ => {
                stream
                    .write_all(b"GET /healthz HTTP/1.1\r\nHost: salesgraph\r\nX-A: 1\r\n")
                    .await
                    .unwrap();
            }
        }
        idle.push(stream);
    }
    // One more trickles a header a byte at a time, never pausing as long as the deadline.
    let mut trickle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let trickling = tokio::spawn(async move {
        trickle
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        for byte in b"X-Slow: ".iter().cycle().take(200) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if trickle.write_all(&[*byte]).await.is_err() {
                return true;
            }
        }
        false
    });
    // Meanwhile the server answers others at once.
    let started = Instant::now();
    assert_alive(&server).await;
    assert!(started.elapsed() < Duration::from_secs(1));

    for (i, stream) in idle.iter_mut().enumerate() {
        assert!(
            closed_by_server(stream, Duration::from_secs(10)).await,
            "connection {i} is still open"
        );
    }
    assert!(
        trickling.await.unwrap(),
        "a header trickled a byte at a time outlived the deadline"
    );
    // A kept-alive connection that answered a request is closed once it idles that long too,
    // and a connection that finishes its head in time is served.
    let mut kept = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: salesgraph\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 12];
    tokio::io::AsyncReadExt::read_exact(&mut kept, &mut answer)
        .await
        .unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    assert!(closed_by_server(&mut kept, Duration::from_secs(10)).await);
    assert_alive(&server).await;
}

/// Opens a socket at `addr` and sends `connection_init` with `token`; the first answer.
async fn init_answer_at(addr: std::net::SocketAddr, token: &str) -> (Socket, Option<Message>) {
    let mut socket = open_at(addr).await;
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}}),
    )
    .await;
    let answer = reply(&mut socket).await;
    (socket, answer)
}

fn is_ack(answer: &Option<Message>) -> bool {
    matches!(answer, Some(Message::Text(text)) if text.contains("connection_ack"))
}

#[tokio::test]
async fn a_socket_flood_from_one_user_and_one_address_is_capped_and_the_process_stays_up() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let server = start(&app).await;
    let rep = app.a_user().create().await;

    // One user opens 60 sockets at once: 10 (the default per user) are served, 50 closed 4429.
    let answers =
        futures_util::future::join_all((0..60).map(|_| init_answer_at(server.addr, &rep.token)))
            .await;
    let (mut held, refused): (Vec<_>, Vec<_>) =
        answers.into_iter().partition(|(_, answer)| is_ack(answer));
    assert_eq!(held.len(), 10);
    for (_, answer) in refused {
        assert_eq!(close_code(answer.expect("a close")), 4429);
    }
    // Each served socket carries its 20 subscriptions.
    for (socket, _) in &mut held {
        for id in 0..20 {
            send(
                socket,
                json!({"id": id.to_string(), "type": "subscribe", "payload": {"query": "subscription { myAccountChanged { kind } }"}}),
            )
            .await;
        }
    }

    // Anonymous sockets from the same address that never sign in: beyond the address's 100
    // (10 of which the user holds), each is closed 4429 before anything is read.
    let anonymous = futures_util::future::join_all((0..200).map(|_| async {
        let mut socket = open_at(server.addr).await;
        let answer = tokio::time::timeout(Duration::from_secs(2), socket.next()).await;
        (socket, answer)
    }))
    .await;
    let closed_at_once = anonymous
        .iter()
        .filter(|(_, answer)| {
            matches!(answer, Ok(Some(Ok(Message::Close(Some(frame))))) if u16::from(frame.code) == 4429)
        })
        .count();
    assert!(closed_at_once >= 110, "{closed_at_once} of 200 refused");
    assert_alive(&server).await;

    // Everything given back once closed: the user is served again.
    drop(anonymous);
    drop(held);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_socket, answer) = init_answer_at(server.addr, &rep.token).await;
    assert!(is_ack(&answer), "{answer:?}");
}

#[tokio::test]
async fn a_burst_of_the_largest_documents_does_not_starve_other_requests() {
    let app = TestApp::spawn_on_file_or_postgres().await;
    let server = start(&app).await;
    // Just under the 256 KiB body limit and the selection budget: 9,000 fields to parse and
    // validate, refused by the complexity limit only after the whole walk.
    let document = format!("{{{} }}", " serverInfo { version }".repeat(9_000));
    let answered = Instant::now();
    let one = server.gql(None, &document, json!({})).await;
    let alone = answered.elapsed();
    assert_eq!(error_code(&one), Some("QUERY_REJECTED"), "{one}");

    let burst = send_burst(&server, &document, 48);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    assert_alive(&server).await;
    let health = started.elapsed();
    for request in burst {
        assert_eq!(request.await.unwrap().unwrap(), 200);
    }
    assert!(
        health < Duration::from_secs(1).max(alone * 4),
        "health and a small query took {health:?} during the burst (one large document alone: {alone:?})"
    );
}
