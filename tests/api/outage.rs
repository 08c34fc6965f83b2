//! A database outage is not a sign-out: valid tokens get `503 SERVICE_UNAVAILABLE` with
//! `retryable: true` (WebSocket: close 1013 Try Again Later), answered within a second once the
//! instance knows, and service resumes by itself when the database is back. PostgreSQL is
//! reached through a proxy the test cuts, as a network or database failure would.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::*;

/// A TCP proxy to PostgreSQL that can be cut (connections dropped, new ones refused) and
/// restored on the same port.
struct Proxy {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start() -> Self {
        let (_, upstream) = postgres_address(&postgres_base_url());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self {
            port: listener.local_addr().unwrap().port(),
            upstream,
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(pipe.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    /// Drops every connection and stops listening: connecting is refused.
    async fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener);
    }
}

async fn me(app: &TestApp, token: &str) -> (u16, Value, Duration, Option<String>) {
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": "{ me { id } }"}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, started.elapsed(), retry_after)
}

async fn ws_init_close_code(app: &TestApp, token: &str) -> Option<u16> {
    use futures_util::{SinkExt, StreamExt};
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init =
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}});
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    match tokio::time::timeout(Duration::from_secs(15), socket.next()).await {
        Ok(Some(Ok(Message::Close(Some(frame))))) => Some(frame.code.into()),
        _ => None,
    }
}

#[tokio::test]
async fn an_outage_answers_503_retryable_fast_and_never_signs_anyone_out() {
    let proxy = Proxy::start().await;
    let app = TestApp::spawn_on_postgres_through(proxy.port, |c| c.viewer_cache_secs = 1).await;
    let rep = app.a_user().create().await;
    assert_eq!(me(&app, &rep.token).await.0, 200);

    proxy.cut().await;
    // Past the viewer cache: the token must be checked against the database, which is gone.
    tokio::time::sleep(Duration::from_millis(1_100)).await;

    // The first request finds out (within the pool's acquire timeout)...
    let (status, body, _, retry_after) = me(&app, &rep.token).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"));
    assert_eq!(body["errors"][0]["extensions"]["retryable"], true);
    assert_eq!(retry_after.as_deref(), Some("1"));
    // ...then every request is answered at once, anonymous ones included.
    for _ in 0..5 {
        let (status, body, took, _) = me(&app, &rep.token).await;
        assert_eq!(
            (status, error_code(&body)),
            (503, Some("SERVICE_UNAVAILABLE"))
        );
        assert!(took < Duration::from_secs(1), "took {took:?}");
    }
    let started = Instant::now();
    let login = app.login(&rep.email, &rep.password).await;
    assert_eq!(error_code(&login), Some("SERVICE_UNAVAILABLE"), "{login}");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(ws_init_close_code(&app, &rep.token).await, Some(1013));

    proxy.restore().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body, _, _) = me(&app, &rep.token).await;
        if status == 200 {
            assert_eq!(body["data"]["me"]["id"], rep.id.as_str());
            break;
        }
        assert!(Instant::now() < deadline, "not back: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
