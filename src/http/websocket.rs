//! GraphQL over WebSocket (`graphql-transport-ws`): the upgrade, `connection_init` with the
//! token, per-user and per-address socket caps, the account gate that re-checks the session
//! before each operation, message size limits and close codes.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Upgrades to `graphql-transport-ws` with the configured message and buffer sizes.
pub(super) async fn graphql_ws(
    State(state): State<HttpState>,
    connect: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let config = state.app.config.clone();
    let addr = client_addr(&state.app, &headers, &connect);
    let rid = request_id(&headers);
    upgrade
        .protocols(["graphql-transport-ws"])
        .max_message_size(config.ws_max_message_bytes)
        .max_frame_size(config.ws_max_message_bytes)
        // The default 128 KiB read buffer would dominate an idle subscriber's memory.
        .read_buffer_size(config.ws_buffer_bytes)
        .write_buffer_size(config.ws_buffer_bytes)
        .on_upgrade(move |socket| serve_socket(state, socket, addr, rid))
}

pub(super) fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.to_owned().into(),
    }))
}

/// Waits for an authenticated `connection_init`, then hands the socket to async-graphql with
/// a cap on concurrent subscriptions.
pub(super) async fn serve_socket(state: HttpState, socket: WebSocket, addr: String, rid: String) {
    let config = state.app.config.clone();
    let (mut sink, mut stream) = socket.split();
    // Held until the socket ends; beyond the caps, 4429 before anything else is read.
    let Some(_address_slot) = state.app.sockets_by_address.claim(&addr) else {
        let _ = sink.send(close(4429, TOO_MANY_SOCKETS)).await;
        return;
    };
    let init_timeout = Duration::from_secs(config.ws_init_timeout_secs);
    let first = match tokio::time::timeout(init_timeout, next_text(&mut stream)).await {
        Ok(Incoming::Text(text)) => text,
        Ok(Incoming::TooBig) => {
            let _ = sink.send(close(1009, MESSAGE_TOO_BIG)).await;
            return;
        }
        Ok(Incoming::End) => return,
        Err(_) => {
            let _ = sink
                .send(close(4408, "Connection initialisation timeout"))
                .await;
            return;
        }
    };
    let init: Json = serde_json::from_str(&first).unwrap_or(Json::Null);
    if init.get("type").and_then(Json::as_str) != Some("connection_init") {
        let _ = sink.send(close(4401, "Unauthorized")).await;
        return;
    }
    let authorization = init
        .get("payload")
        .and_then(|p| p.get("authorization").or_else(|| p.get("Authorization")))
        .and_then(Json::as_str);
    // An outage is not a sign-out: 1013 Try Again Later, and the client reconnects.
    if !state.app.db_health.admit(&state.app.db).await {
        let _ = sink.send(close(1013, TRY_AGAIN_LATER)).await;
        return;
    }
    let signed_in = match bearer_viewer(&state.app, authorization).await {
        // API keys call GraphQL over HTTP only.
        Ok(Some(caller)) if caller.viewer.service.is_none() => caller,
        Err(err) if err.code == ErrorCode::ServiceUnavailable => {
            state.app.db_health.mark_down();
            let _ = sink.send(close(1013, TRY_AGAIN_LATER)).await;
            return;
        }
        _ => {
            let _ = sink.send(close(4403, "Forbidden")).await;
            return;
        }
    };
    let Some(_user_slot) = state.app.sockets_by_user.claim(&signed_in.viewer.user_id) else {
        let _ = sink.send(close(4429, TOO_MANY_SOCKETS)).await;
        return;
    };
    let viewer = signed_in.viewer.clone();
    // What the socket was opened as: checked again before every operation it starts and on an
    // interval, so an account deactivated, revoked, signed out or changed since stops acting
    // and hearing as it was.
    let gate = AccountGate {
        app: state.app.clone(),
        signed_in,
    };
    let mut account_check =
        tokio::time::interval(Duration::from_secs(config.ws_account_check_secs.max(1)));
    account_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    account_check.tick().await;
    let viewer_for_loaders = viewer.clone();
    let mut data = Data::default();
    data.insert(viewer);
    add_loaders(&state.app, Some(&viewer_for_loaders), &mut data);
    data.insert(ClientAddr(addr));
    data.insert(RequestId(rid));

    let _live = crate::metrics::LiveSocket::open();
    let mut draining = state.app.lifecycle.watch();
    let active: Arc<Mutex<HashSet<String>>> = Arc::default();
    let (reply_tx, mut reply_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    // Closes the socket with a code from outside async-graphql's protocol handling.
    let (closing_tx, mut closing_rx) =
        tokio::sync::mpsc::unbounded_channel::<(u16, &'static str)>();
    let max = config.ws_max_subscriptions;
    let incoming_active = active.clone();
    let persisted = state.http.persisted().clone();
    let incoming_gate = gate.clone();
    let too_big = closing_tx.clone();
    let incoming = futures_util::stream::once(async move { first })
        .chain(futures_util::stream::unfold(stream, move |mut s| {
            let too_big = too_big.clone();
            async move {
                match next_text(&mut s).await {
                    Incoming::Text(text) => Some((text, s)),
                    Incoming::TooBig => {
                        let _ = too_big.send((1009, MESSAGE_TOO_BIG));
                        // Nothing more is read; the loop below closes the socket.
                        std::future::pending::<()>().await;
                        None
                    }
                    Incoming::End => None,
                }
            }
        }))
        .then(move |text| {
            let (keep, starts) = admit(&text, &incoming_active, max, &reply_tx);
            let gate = incoming_gate.clone();
            let closing_tx = closing_tx.clone();
            let persisted = persisted.clone();
            let reply_tx = reply_tx.clone();
            let active = incoming_active.clone();
            async move {
                if starts && !gate.still_signed_in().await {
                    let _ = closing_tx.send((4403, ACCOUNT_CHANGED));
                    return None;
                }
                if keep && starts {
                    return with_document(&persisted, text, &active, &reply_tx).await;
                }
                keep.then_some(text)
            }
        })
        .filter_map(std::future::ready)
        .boxed();
    // Operations refused before they ran: their `error` was sent, their `complete` is not.
    let mut refused: HashSet<String> = HashSet::new();
    let protocol = WebSocketProtocols::GraphQLWS;
    let mut graphql = async_graphql::http::WebSocket::new(state.schema.clone(), incoming, protocol)
        .connection_data(data)
        .on_connection_init(|_| async { Ok(Data::default()) });
    loop {
        tokio::select! {
            message = graphql.next() => {
                let Some(message) = message else { break };
                let outgoing = match message {
                    WsMessage::Text(text) => match outgoing(text, &active, &mut refused) {
                        Some(text) => Message::Text(text.into()),
                        None => continue,
                    },
                    WsMessage::Close(code, reason) => {
                        let _ = sink.send(close(code, &reason)).await;
                        break;
                    }
                };
                if sink.send(outgoing).await.is_err() {
                    break;
                }
            }
            Some(reply) = reply_rx.recv() => {
                if sink.send(Message::Text(reply.into())).await.is_err() {
                    break;
                }
            }
            Some((code, reason)) = closing_rx.recv() => {
                let _ = sink.send(close(code, reason)).await;
                break;
            }
            _ = account_check.tick() => {
                if !gate.still_signed_in().await {
                    let _ = sink.send(close(4403, ACCOUNT_CHANGED)).await;
                    break;
                }
            }
            () = async { let _ = draining.wait_for(|draining| *draining).await; } => {
                // 1001 Going Away: clients reconnect, to another instance behind the balancer.
                let _ = sink.send(close(1001, "Server shutting down")).await;
                break;
            }
        }
    }
    // Completes the closing handshake: a client that closed gets its close frame back (the
    // reply is queued when its frame is read and leaves with this flush); where a close was
    // sent above, this does nothing.
    let _ = sink.close().await;
}

pub(super) const TOO_MANY_SOCKETS: &str = "Too many open connections; close one and retry";

pub(super) const TRY_AGAIN_LATER: &str = "The database is unavailable; reconnect shortly";

pub(super) const ACCOUNT_CHANGED: &str =
    "Forbidden: the account changed or signed out; sign in again";

/// What a socket was signed in as, checked against the account as it stands now.
#[derive(Clone)]
pub(super) struct AccountGate {
    app: Arc<AppState>,
    signed_in: crate::auth::service::Authenticated,
}

impl AccountGate {
    /// Whether the account still stands as the socket was opened: active, same role and
    /// teams, token version and session unrevoked. Read through the viewer cache (as HTTP
    /// requests are); a failed read keeps the socket, as the database may only be restarting.
    async fn still_signed_in(&self) -> bool {
        let signed_in = &self.signed_in;
        match crate::auth::service::current_record(&self.app, signed_in.viewer.user_id).await {
            Ok(Some(now)) => {
                now.viewer == signed_in.viewer
                    && now.admits(signed_in.token_version, signed_in.session)
            }
            Ok(None) => false,
            Err(_) => true,
        }
    }
}

/// What a client's socket delivered next.
pub(super) enum Incoming {
    Text(String),
    /// A message over `SALESGRAPH_WS_MAX_MESSAGE_BYTES`: the socket closes with 1009.
    TooBig,
    End,
}

pub(super) async fn next_text(
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
) -> Incoming {
    while let Some(message) = stream.next().await {
        match message {
            Ok(Message::Text(text)) => return Incoming::Text(text.to_string()),
            Ok(Message::Binary(bytes)) => {
                return String::from_utf8(bytes.to_vec()).map_or(Incoming::End, Incoming::Text);
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            // The reader's size limit surfaces as an error naming it.
            Err(error) if error.to_string().contains("too long") => return Incoming::TooBig,
            Ok(Message::Close(_)) | Err(_) => return Incoming::End,
        }
    }
    Incoming::End
}

pub(super) const MESSAGE_TOO_BIG: &str = "Message too big";

/// Tracks `subscribe`/`complete` from the client; refuses a subscription past the cap with an
/// `error` message for that id. Answers whether to forward the message, and whether it starts
/// an operation.
pub(super) fn admit(
    text: &str,
    active: &Mutex<HashSet<String>>,
    max: usize,
    reply: &tokio::sync::mpsc::UnboundedSender<String>,
) -> (bool, bool) {
    let Ok(message) = serde_json::from_str::<Json>(text) else {
        return (true, false);
    };
    let id = message.get("id").and_then(Json::as_str).map(str::to_owned);
    let mut active = active
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match (message.get("type").and_then(Json::as_str), id) {
        (Some("subscribe"), Some(id)) => {
            if active.len() >= max && !active.contains(&id) {
                let error = json!({
                    "type": "error",
                    "id": id,
                    "payload": [{
                        "message": format!("At most {max} subscriptions per connection"),
                        "extensions": { "code": ErrorCode::QueryRejected.as_str() }
                    }]
                });
                let _ = reply.send(error.to_string());
                return (false, false);
            }
            active.insert(id);
            (true, true)
        }
        (Some("complete"), Some(id)) => {
            active.remove(&id);
            (true, false)
        }
        _ => (true, false),
    }
}

/// What to send of a message the library produced, if anything. An operation the server
/// refused before running it (a document that does not parse or validate, over a limit, or
/// with variables that do not fit) is answered with the protocol's `error` message, which ends
/// it, instead of a `next` carrying the errors and a `complete`. Finished operations stop
/// counting against the cap.
/// A `subscribe` message with its document's text: one named by `documentId` or Apollo's
/// `extensions.persistedQuery` is looked up, and what may not run (unknown, or unregistered
/// where only registered documents run) is answered with an `error` for that id instead.
async fn with_document(
    persisted: &crate::graphql::persisted::Persisted,
    text: String,
    active: &Mutex<HashSet<String>>,
    reply: &tokio::sync::mpsc::UnboundedSender<String>,
) -> Option<String> {
    let Ok(mut message) = serde_json::from_str::<Json>(&text) else {
        return Some(text);
    };
    let id = message
        .get("id")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(Json::Object(payload)) = message.get_mut("payload") else {
        return Some(text);
    };
    let mut request = async_graphql::Request::new(
        payload
            .get("query")
            .and_then(Json::as_str)
            .unwrap_or_default(),
    );
    if let Some(Json::String(document_id)) = payload.remove(crate::graphql::persisted::DOCUMENT_ID)
    {
        request.extensions.0.insert(
            crate::graphql::persisted::DOCUMENT_ID.to_owned(),
            async_graphql::Value::String(document_id),
        );
    }
    if let Some(persisted_query) = payload
        .get_mut("extensions")
        .and_then(Json::as_object_mut)
        .and_then(|extensions| extensions.remove("persistedQuery"))
        && let Ok(value) = async_graphql::Value::from_json(persisted_query)
    {
        request
            .extensions
            .0
            .insert("persistedQuery".to_owned(), value);
    }
    let named = crate::graphql::persisted::Named::take(&mut request);
    match persisted.resolve(named).await {
        Ok(query) => {
            payload.insert("query".to_owned(), Json::String(query));
            Some(message.to_string())
        }
        Err(error) => {
            active
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&id);
            let error = serde_json::to_value(&error).unwrap_or(Json::Null);
            let _ =
                reply.send(json!({ "id": id, "type": "error", "payload": [error] }).to_string());
            None
        }
    }
}

pub(super) fn outgoing(
    text: String,
    active: &Mutex<HashSet<String>>,
    refused: &mut HashSet<String>,
) -> Option<String> {
    let Ok(message) = serde_json::from_str::<Json>(&text) else {
        return Some(text);
    };
    let Some(id) = message.get("id").and_then(Json::as_str) else {
        return Some(text);
    };
    let forget = || {
        active
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(id);
    };
    match message.get("type").and_then(Json::as_str) {
        Some("next") => {
            let payload = message.get("payload");
            let errors = payload
                .and_then(|p| p.get("errors"))
                .and_then(Json::as_array)
                .filter(|errors| !errors.is_empty());
            let no_data = payload
                .and_then(|p| p.get("data"))
                .is_none_or(Json::is_null);
            match errors {
                Some(errors) if no_data && errors.iter().all(|e| e.get("path").is_none()) => {
                    forget();
                    refused.insert(id.to_owned());
                    Some(json!({ "id": id, "type": "error", "payload": errors }).to_string())
                }
                _ => Some(text),
            }
        }
        Some("complete") if refused.remove(id) => None,
        Some("complete" | "error") => {
            forget();
            Some(text)
        }
        _ => Some(text),
    }
}
