//! Stopping without dropping work on the floor: on SIGTERM the server stops accepting
//! connections, finishes the requests in flight, tells every WebSocket client it is going away
//! (close code 1001) so it reconnects to another instance, and reports itself not ready.

use tokio::sync::watch;

/// Whether this instance is draining, and which WebSockets are still open.
#[derive(Debug)]
pub struct Lifecycle {
    draining: watch::Sender<bool>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        let (draining, _) = watch::channel(false);
        Self { draining }
    }
}

impl Lifecycle {
    /// A handle a live WebSocket holds for as long as it is open; it fires when draining starts.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.draining.subscribe()
    }

    /// Starts draining: readiness fails and every open WebSocket is asked to close.
    pub fn begin_drain(&self) {
        self.draining.send_replace(true);
    }

    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// How many WebSockets are still open.
    pub fn open_sockets(&self) -> usize {
        self.draining.receiver_count()
    }

    /// Resolves once every WebSocket has closed.
    pub async fn sockets_closed(&self) {
        self.draining.closed().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn draining_reaches_every_watcher_and_waits_for_them_to_go() {
        let lifecycle = Lifecycle::default();
        let mut first = lifecycle.watch();
        let second = lifecycle.watch();
        assert_eq!(lifecycle.open_sockets(), 2);
        assert!(!lifecycle.is_draining());

        lifecycle.begin_drain();

        assert!(lifecycle.is_draining());
        assert!(first.wait_for(|d| *d).await.is_ok());
        drop(first);
        drop(second);
        tokio::time::timeout(
            std::time::Duration::from_secs(1),
            lifecycle.sockets_closed(),
        )
        .await
        .expect("sockets_closed resolves once every watcher is gone");
    }
}
