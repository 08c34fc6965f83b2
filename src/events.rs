//! Domain events, published after commit and carrying ids only; subscribers re-check
//! visibility before delivering anything.

use futures_util::stream::{BoxStream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

/// What happened. Append variants as domains grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A user's profile, role, team or activity changed.
    UserUpdated,
    /// A notification was written for `audience`.
    NotificationCreated,
    /// A deal changed stage (subject: the `StageChange`).
    OpportunityStageChanged,
}

impl EventKind {
    const ALL: [EventKind; 3] = [
        Self::UserUpdated,
        Self::NotificationCreated,
        Self::OpportunityStageChanged,
    ];

    /// The name carried in `NOTIFY` payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserUpdated => "USER_UPDATED",
            Self::NotificationCreated => "NOTIFICATION_CREATED",
            Self::OpportunityStageChanged => "OPPORTUNITY_STAGE_CHANGED",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// One event: what happened to which record, by whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DomainEvent {
    pub kind: EventKind,
    pub subject_id: Uuid,
    pub actor_id: Option<Uuid>,
    /// The one user the event is for, when it is private to them.
    pub audience: Option<Uuid>,
}

/// Delivers events to every subscriber of this deployment.
pub trait EventBus: Send + Sync + 'static {
    fn publish(&self, event: DomainEvent);
    /// Events published from now on. A subscriber too slow to keep up skips what it missed.
    fn subscribe(&self) -> BoxStream<'static, DomainEvent>;
}

/// The embedded default: one process, a `tokio` broadcast channel.
#[derive(Debug)]
pub struct InProcessEventBus {
    sender: broadcast::Sender<DomainEvent>,
}

impl InProcessEventBus {
    pub fn new(capacity: usize) -> Self {
        Self {
            sender: broadcast::channel(capacity).0,
        }
    }
}

impl EventBus for InProcessEventBus {
    fn publish(&self, event: DomainEvent) {
        // No subscriber is not an error: events are hints, never the record.
        let _ = self.sender.send(event);
    }

    fn subscribe(&self) -> BoxStream<'static, DomainEvent> {
        BroadcastStream::new(self.sender.subscribe())
            .filter_map(|item| async move {
                // A lagging subscriber skips what it missed; clients resync after reconnects.
                item.ok()
            })
            .boxed()
    }
}

/// The wire form of an event in a `NOTIFY` payload: ids only, never content.
#[derive(serde::Serialize, serde::Deserialize)]
struct Wire {
    k: String,
    s: Uuid,
    a: Option<Uuid>,
    u: Option<Uuid>,
}

impl DomainEvent {
    /// The `NOTIFY` payload of this event.
    pub fn to_payload(&self) -> String {
        serde_json::json!({
            "k": self.kind.as_str(),
            "s": self.subject_id,
            "a": self.actor_id,
            "u": self.audience,
        })
        .to_string()
    }

    /// An event from a `NOTIFY` payload; `None` for anything else.
    pub fn from_payload(payload: &str) -> Option<Self> {
        let wire: Wire = serde_json::from_str(payload).ok()?;
        Some(Self {
            kind: EventKind::parse(&wire.k)?,
            subject_id: wire.s,
            actor_id: wire.a,
            audience: wire.u,
        })
    }
}

/// Several instances on one PostgreSQL: every event is sent with `NOTIFY` on the deployment's
/// channel and every instance (this one included) hears it with `LISTEN`, then delivers it to
/// its own subscribers, who re-check visibility. Sending and listening run in background
/// tasks; a lost listening connection is re-established by the listener on its next receive.
#[derive(Debug)]
pub struct PgEventBus {
    local: broadcast::Sender<DomainEvent>,
    outgoing: tokio::sync::mpsc::UnboundedSender<DomainEvent>,
}

impl PgEventBus {
    /// Starts listening on `channel` and the task that sends this instance's events.
    pub async fn start(
        db: sea_orm::DatabaseConnection,
        channel: String,
        capacity: usize,
    ) -> Result<Self, sea_orm::DbErr> {
        use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
        // The listener keeps its own connection, so closing or draining the request pool
        // never waits on it.
        let options = (*db.get_postgres_connection_pool().connect_options()).clone();
        let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(options);
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(&pool)
            .await
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        listener
            .listen(&channel)
            .await
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        let local = broadcast::channel(capacity).0;
        let heard = local.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        if let Some(event) = DomainEvent::from_payload(notification.payload()) {
                            let _ = heard.send(event);
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "event listener lost its connection; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        let (outgoing, mut queue) = tokio::sync::mpsc::unbounded_channel::<DomainEvent>();
        tokio::spawn(async move {
            while let Some(event) = queue.recv().await {
                let sent = db
                    .execute_raw(Statement::from_sql_and_values(
                        DatabaseBackend::Postgres,
                        "SELECT pg_notify($1, $2)",
                        [channel.clone().into(), event.to_payload().into()],
                    ))
                    .await;
                if let Err(err) = sent {
                    // Events are hints: subscribers resync from the records after reconnecting.
                    tracing::warn!(error = %err, "could not send an event");
                }
            }
        });
        Ok(Self { local, outgoing })
    }
}

impl EventBus for PgEventBus {
    fn publish(&self, event: DomainEvent) {
        let _ = self.outgoing.send(event);
    }

    fn subscribe(&self) -> BoxStream<'static, DomainEvent> {
        BroadcastStream::new(self.local.subscribe())
            .filter_map(|item| async move { item.ok() })
            .boxed()
    }
}

/// The bus the configuration asks for: PostgreSQL `LISTEN/NOTIFY` on PostgreSQL (unless
/// `SALESGRAPH_EVENT_BUS=memory`), in-process otherwise.
pub async fn for_deployment(
    db: &sea_orm::DatabaseConnection,
    config: &crate::config::Config,
) -> crate::error::AppResult<std::sync::Arc<dyn EventBus>> {
    use sea_orm::DatabaseBackend;
    let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
    let wanted = match config.event_bus.as_str() {
        "memory" => false,
        "postgres" => true,
        _ => postgres,
    };
    if wanted && postgres {
        let bus = PgEventBus::start(db.clone(), config.event_channel.clone(), 4096).await?;
        Ok(std::sync::Arc::new(bus))
    } else {
        Ok(std::sync::Arc::new(InProcessEventBus::new(4096)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_the_notify_payload_and_other_payloads_are_ignored() {
        for kind in EventKind::ALL {
            let event = DomainEvent {
                kind,
                subject_id: Uuid::now_v7(),
                actor_id: Some(Uuid::now_v7()),
                audience: None,
            };
            assert_eq!(DomainEvent::from_payload(&event.to_payload()), Some(event));
        }
        assert_eq!(DomainEvent::from_payload("hello"), None);
        assert_eq!(
            DomainEvent::from_payload(r#"{"k":"NOPE","s":"00000000-0000-0000-0000-000000000000"}"#),
            None
        );
    }

    #[tokio::test]
    async fn subscribers_receive_events_published_after_they_subscribed() {
        let bus = InProcessEventBus::new(8);
        let early = DomainEvent {
            kind: EventKind::UserUpdated,
            subject_id: Uuid::now_v7(),
            actor_id: None,
            audience: None,
        };
        bus.publish(early);
        let mut stream = bus.subscribe();
        let event = DomainEvent {
            kind: EventKind::UserUpdated,
            subject_id: Uuid::now_v7(),
            actor_id: None,
            audience: None,
        };
        bus.publish(event);

        assert_eq!(stream.next().await, Some(event));
    }

    #[tokio::test]
    async fn a_lagging_subscriber_skips_to_what_is_still_buffered() {
        let bus = InProcessEventBus::new(2);
        let mut stream = bus.subscribe();
        let events: Vec<DomainEvent> = (0..4)
            .map(|_| DomainEvent {
                kind: EventKind::UserUpdated,
                subject_id: Uuid::now_v7(),
                actor_id: None,
                audience: None,
            })
            .collect();
        for event in &events {
            bus.publish(*event);
        }

        assert_eq!(stream.next().await, Some(events[2]));
        assert_eq!(stream.next().await, Some(events[3]));
    }
}
