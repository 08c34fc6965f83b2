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

#[cfg(test)]
mod tests {
    use super::*;

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
