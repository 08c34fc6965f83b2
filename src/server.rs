//! The accept loop: HTTP/1.1 connections served by hyper with a deadline on request headers.
//!
//! `axum::serve` gives no way to bound how long a client may take to send a request's headers,
//! so a few thousand half-sent requests could hold as many connections and tasks open for as
//! long as the client liked. Here every connection gets `header_read_timeout` to deliver each
//! request head, counted from the moment the server waits for it: from accepting the connection
//! for the first request, and from the end of the previous response for the next one on a
//! kept-alive connection (so an idle kept-alive connection is closed after the same time).
//! WebSocket upgrades leave hyper's hands once upgraded and are not affected.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, asks every
/// connection to finish its request in flight and waits for them. Handlers see the peer address
/// as `ConnectInfo<SocketAddr>`, as with `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send,
) {
    // Receivers live in the connection tasks: `closed()` resolves when the last one ends.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    on_accept_error(&err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses are small and written whole: send them without waiting for more.
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let router = router.clone();
            async move {
                Ok::<_, Infallible>(router.oneshot(request).await.unwrap_or_else(|e| match e {}))
            }
        });
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let connection = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut connection = std::pin::pin!(connection);
            let stopping = async { stop.wait_for(|stopping| *stopping).await.is_ok() };
            tokio::select! {
                served = connection.as_mut() => log_connection_end(served, peer),
                _ = stopping => {
                    connection.as_mut().graceful_shutdown();
                    log_connection_end(connection.await, peer);
                }
            }
            drop(stop);
        });
    }
    drop(stop_rx);
    let _ = stop_tx.send(true);
    stop_tx.closed().await;
}

fn log_connection_end(served: Result<(), hyper::Error>, peer: SocketAddr) {
    if let Err(err) = served {
        if err.is_timeout() {
            tracing::debug!(%peer, "closed a connection that did not send request headers in time");
        } else {
            tracing::trace!(%peer, error = %err, "connection ended with an error");
        }
    }
}

/// Errors about one connection (reset before it was accepted) are skipped; others, such as
/// running out of file descriptors, pause accepting for a moment instead of spinning.
async fn on_accept_error(err: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "accepting a connection failed; pausing for a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
