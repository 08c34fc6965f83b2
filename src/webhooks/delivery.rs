//! The sender: every instance looks at the outbox on an interval. It turns each new event into
//! one delivery per subscribed endpoint (the event's `dispatched` flag flips once, whichever
//! instance gets there first), then takes due deliveries by a lease (a guarded update only one
//! instance wins), POSTs them signed, and records the attempt. A failure is retried on the
//! configured schedule with jitter; a delivery whose retries run out has failed, and an
//! endpoint that failed every delivery since that one began is disabled and admins are told.
//! A process dying mid-send leaves the lease to expire: the delivery is sent again (receivers
//! deduplicate by `webhook-id`), never lost.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use tokio::sync::watch;
use uuid::Uuid;

use super::courier::{Courier, Outcome, Send, post};
use super::service::WebhookStatus;
use crate::error::AppResult;
use crate::state::AppState;
use entity::{webhook, webhook_attempt, webhook_delivery, webhook_event, webhook_event_type};

/// Events turned into deliveries per look.
const FAN_OUT_BATCH: u64 = 200;
/// Deliveries taken per look by one instance.
const SEND_BATCH: u64 = 50;
/// Requests one instance has in flight at once.
const CONCURRENCY: usize = 8;

crate::string_enum! {
    /// Where a delivery stands.
    DeliveryStatus {
        /// Not yet answered with success; tried again when due.
        Pending => "PENDING",
        /// The endpoint answered 2xx.
        Succeeded => "SUCCEEDED",
        /// Every retry failed.
        Failed => "FAILED",
    }
}

/// What one look did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Deliveries made from new events.
    pub queued: usize,
    /// Attempts made.
    pub attempted: usize,
    pub succeeded: usize,
    pub failed: usize,
}

/// One look at the outbox: new events into deliveries, then every due delivery sent once.
pub async fn run_once(
    state: &AppState,
    courier: &Courier,
    now: DateTime<Utc>,
) -> AppResult<Report> {
    let mut report = Report {
        queued: fan_out(state, now).await?,
        ..Report::default()
    };
    let claimed = claim(state, now).await?;
    if claimed.is_empty() {
        return Ok(report);
    }
    let sends = prepare(state, &claimed).await?;
    // Each request is recorded as soon as it ends, beside the others still in flight.
    let results: Vec<AppResult<bool>> = futures_util::stream::iter(sends)
        .map(|send| async move {
            let outcome = post(courier, &state.config.webhooks, &send, now).await;
            settle(state, &send, &outcome, now).await?;
            Ok(outcome.succeeded())
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for result in results {
        report.attempted += 1;
        if result? {
            report.succeeded += 1;
        } else {
            report.failed += 1;
        }
    }
    Ok(report)
}

impl Report {
    /// Whether a look found a full batch, so more may be waiting.
    fn full(&self) -> bool {
        self.queued >= FAN_OUT_BATCH as usize || self.attempted >= SEND_BATCH as usize
    }
}

/// [`run_once`] with a client of its own (tests, the command line).
pub async fn deliver_due(state: &AppState, now: DateTime<Utc>) -> AppResult<Report> {
    run_once(state, &Courier::new(&state.config.webhooks)?, now).await
}

/// Makes the deliveries of events not yet dispatched, oldest first; how many.
async fn fan_out(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let waiting = webhook_event::Entity::find()
        .filter(webhook_event::Column::Dispatched.eq(false))
        .order_by_asc(webhook_event::Column::Id)
        .limit(FAN_OUT_BATCH)
        .all(&state.db)
        .await?;
    if waiting.is_empty() {
        return Ok(0);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let mut taken = Vec::new();
    for event in waiting {
        // Flips once: another instance fanning the same event out waits here, then finds
        // nothing to flip.
        let flipped = webhook_event::Entity::update_many()
            .col_expr(webhook_event::Column::Dispatched, Expr::value(true))
            .filter(webhook_event::Column::Id.eq(event.id))
            .filter(webhook_event::Column::Dispatched.eq(false))
            .exec(&txn)
            .await?
            .rows_affected;
        if flipped == 1 {
            taken.push(event);
        }
    }
    let types: HashSet<&str> = taken.iter().map(|e| e.event_type.as_str()).collect();
    let subscriptions = webhook_event_type::Entity::find()
        .filter(webhook_event_type::Column::EventType.is_in(types))
        .filter(webhook_event_type::Column::WebhookId.in_subquery(active_endpoints()))
        .all(&txn)
        .await?;
    // Endpoints bound to a service account get the events about what the account sees.
    let endpoints: Vec<Uuid> = subscriptions.iter().map(|s| s.webhook_id).collect();
    let bound = super::scope::bound(&txn, &endpoints, state.config.default_timezone).await?;
    let mut deliveries = Vec::new();
    for event in &taken {
        for subscription in subscriptions
            .iter()
            .filter(|s| s.event_type == event.event_type)
        {
            if let Some(account) = bound.get(&subscription.webhook_id)
                && !super::scope::account_sees(&txn, account.as_ref(), event).await?
            {
                continue;
            }
            deliveries.push(webhook_delivery::ActiveModel {
                id: Set(Uuid::now_v7()),
                webhook_id: Set(subscription.webhook_id),
                event_id: Set(event.id),
                status: Set(DeliveryStatus::Pending.as_str().to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                locked_until: Set(None),
                last_status_code: Set(None),
                last_latency_ms: Set(None),
                last_error: Set(None),
                created_at: Set(now),
                finished_at: Set(None),
            });
        }
    }
    let queued = deliveries.len();
    if !deliveries.is_empty() {
        webhook_delivery::Entity::insert_many(deliveries)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(queued)
}

/// The ids of endpoints that receive events.
fn active_endpoints() -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(webhook::Column::Id)
        .from(webhook::Entity)
        .and_where(Expr::col(webhook::Column::Status).eq(WebhookStatus::Active.as_str()))
        .to_owned()
}

/// A delivery this instance holds the lease of.
#[derive(Debug, Clone)]
struct Claimed {
    delivery: webhook_delivery::Model,
}

/// Takes the due deliveries of active endpoints, each by a guarded update only one instance
/// wins; the lease outlasts one request, so a crashed sender's delivery comes due again.
async fn claim(state: &AppState, now: DateTime<Utc>) -> AppResult<Vec<Claimed>> {
    use webhook_delivery::Column;
    let unleased = || {
        Condition::any()
            .add(Column::LockedUntil.is_null())
            .add(Column::LockedUntil.lt(now))
    };
    let due = webhook_delivery::Entity::find()
        .filter(Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(unleased())
        .filter(Column::WebhookId.in_subquery(active_endpoints()))
        .order_by_asc(Column::NextAttemptAt)
        .limit(SEND_BATCH)
        .all(&state.db)
        .await?;
    let lease = chrono::Duration::from_std(state.config.webhooks.timeout() * 2)
        .unwrap_or(chrono::Duration::minutes(1))
        + chrono::Duration::seconds(30);
    let mut claimed = Vec::with_capacity(due.len());
    for delivery in due {
        let won = webhook_delivery::Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(now + lease))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .filter(Column::Id.eq(delivery.id))
            .filter(Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(Column::Attempts.eq(delivery.attempts))
            .filter(unleased())
            .exec(&state.db)
            .await?
            .rows_affected;
        if won == 1 {
            let mut delivery = delivery;
            delivery.attempts += 1;
            claimed.push(Claimed { delivery });
        }
    }
    Ok(claimed)
}

async fn prepare(state: &AppState, claimed: &[Claimed]) -> AppResult<Vec<Send>> {
    let webhook_ids: HashSet<Uuid> = claimed.iter().map(|c| c.delivery.webhook_id).collect();
    let event_ids: HashSet<Uuid> = claimed.iter().map(|c| c.delivery.event_id).collect();
    let endpoints: HashMap<Uuid, webhook::Model> = webhook::Entity::find()
        .filter(webhook::Column::Id.is_in(webhook_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let events: HashMap<Uuid, webhook_event::Model> = webhook_event::Entity::find()
        .filter(webhook_event::Column::Id.is_in(event_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    Ok(claimed
        .iter()
        .filter_map(|c| {
            Some(Send {
                delivery: c.delivery.clone(),
                endpoint: endpoints.get(&c.delivery.webhook_id)?.clone(),
                event: events.get(&c.delivery.event_id)?.clone(),
            })
        })
        .collect())
}

/// When the next try of a delivery after its `attempts`-th is due, or `None` when retries are
/// spent: the scheduled wait, varied by up to a fifth either way.
pub fn next_try(
    schedule: &[Duration],
    attempts: i32,
    now: DateTime<Utc>,
    jitter: f64,
) -> Option<DateTime<Utc>> {
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    let wait = schedule.get(index)?.as_secs_f64() * (1.0 + 0.2 * jitter.clamp(-1.0, 1.0));
    let millis = (wait * 1000.0).round() as i64;
    now.checked_add_signed(chrono::Duration::milliseconds(std::cmp::Ord::max(
        millis, 1000,
    )))
}

/// Records the attempt and where the delivery stands after it, in one transaction.
async fn settle(
    state: &AppState,
    send: &Send,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use webhook_delivery::Column;
    let txn = crate::db::begin_write(&state.db).await?;
    webhook_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        delivery_id: Set(send.delivery.id),
        attempted_at: Set(now),
        status_code: Set(outcome.status.map(i32::from)),
        latency_ms: Set(outcome.latency_ms),
        error: Set(outcome.error.clone()),
    }
    .insert(&txn)
    .await?;
    let jitter = rand::random_range(-1.0..=1.0);
    let retry = next_try(
        &state.config.webhooks.webhook_retry_schedule.0,
        send.delivery.attempts,
        now,
        jitter,
    );
    let (status, next, finished) = match (outcome.succeeded(), retry) {
        (true, _) => (DeliveryStatus::Succeeded, now, Some(now)),
        (false, Some(at)) => (DeliveryStatus::Pending, at, None),
        (false, None) => (DeliveryStatus::Failed, now, Some(now)),
    };
    webhook_delivery::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status.as_str()))
        .col_expr(Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            Column::LastStatusCode,
            Expr::value(outcome.status.map(i32::from)),
        )
        .col_expr(Column::LastLatencyMs, Expr::value(outcome.latency_ms))
        .col_expr(Column::LastError, Expr::value(outcome.error.clone()))
        .col_expr(Column::FinishedAt, Expr::value(finished))
        .filter(Column::Id.eq(send.delivery.id))
        .exec(&txn)
        .await?;
    let mut told = Vec::new();
    match status {
        DeliveryStatus::Succeeded => super::service::mark_healthy(&txn, send.endpoint.id).await?,
        DeliveryStatus::Pending => {
            super::service::mark_failing(&txn, send.endpoint.id, now).await?
        }
        DeliveryStatus::Failed => {
            super::service::mark_failing(&txn, send.endpoint.id, now).await?;
            told = disable_if_failing(&txn, send, now).await?;
        }
    }
    txn.commit().await?;
    crate::notifications::service::announce(state.events.as_ref(), &told);
    Ok(())
}

/// Disables the endpoint when no delivery to it succeeded since this failed one began, and
/// tells every active admin; the notifications written.
async fn disable_if_failing(
    db: &impl ConnectionTrait,
    send: &Send,
    now: DateTime<Utc>,
) -> AppResult<Vec<entity::notification::Model>> {
    let reason = format!(
        "Disabled after every delivery failed since {}",
        send.delivery
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let disabled = webhook::Entity::update_many()
        .col_expr(
            webhook::Column::Status,
            Expr::value(WebhookStatus::Disabled.as_str()),
        )
        .col_expr(webhook::Column::DisabledReason, Expr::value(reason.clone()))
        .col_expr(
            webhook::Column::Version,
            Expr::col(webhook::Column::Version).add(1),
        )
        .col_expr(webhook::Column::UpdatedAt, Expr::value(now))
        .filter(webhook::Column::Id.eq(send.endpoint.id))
        .filter(webhook::Column::Status.eq(WebhookStatus::Active.as_str()))
        .filter(webhook::Column::FailingSince.lte(send.delivery.created_at))
        .exec(db)
        .await?
        .rows_affected;
    if disabled == 0 {
        return Ok(Vec::new());
    }
    crate::audit::Entry {
        actor_id: None,
        action: "webhook.disabled",
        subject_type: "Webhook",
        subject_id: send.endpoint.id,
        details: serde_json::json!({"reason": reason}),
    }
    .record(db, now)
    .await?;
    let admins = entity::user::Entity::find()
        .filter(entity::user::Column::Active.eq(true))
        .filter(entity::user::Column::Role.eq(crate::identity::Role::Admin.as_str()))
        .all(db)
        .await?;
    let mut written = Vec::with_capacity(admins.len());
    for admin in admins {
        written.push(
            crate::notifications::service::notify(
                db,
                crate::notifications::service::NewNotification {
                    user_id: admin.id,
                    kind: "WEBHOOK_DISABLED",
                    title: "A webhook was disabled".to_owned(),
                    body: format!(
                        "{} failed every delivery and was disabled.",
                        send.endpoint.url
                    ),
                    subject_type: Some("Webhook"),
                    subject_id: Some(send.endpoint.id),
                },
                now,
            )
            .await?,
        );
    }
    Ok(written)
}

/// Looks at the outbox every `SALESGRAPH_WEBHOOK_POLL_MS` until `shutdown` flips to true.
pub fn spawn(
    state: Arc<AppState>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let courier = match Courier::new(&state.config.webhooks) {
            Ok(courier) => courier,
            Err(_) => return,
        };
        let mut ticker =
            tokio::time::interval(Duration::from_millis(state.config.webhooks.webhook_poll_ms));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    // A burst is drained look after look; the interval only paces idle looks.
                    loop {
                        match run_once(&state, &courier, state.clock.now()).await {
                            Ok(report) => {
                                if report.attempted > 0 || report.queued > 0 {
                                    tracing::info!(queued = report.queued, attempted = report.attempted,
                                        succeeded = report.succeeded, failed = report.failed, "webhooks sent");
                                }
                                if !report.full() || *shutdown.borrow() {
                                    break;
                                }
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "webhook sender failed");
                                break;
                            }
                        }
                    }
                }
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_the_schedule_within_a_fifth_and_then_stop() {
        let schedule = [30, 120, 600].map(Duration::from_secs);
        let now = DateTime::UNIX_EPOCH;
        let at = |attempts, jitter| {
            next_try(&schedule, attempts, now, jitter).map(|t| (t - now).num_seconds())
        };
        assert_eq!(at(1, 0.0), Some(30));
        assert_eq!(at(1, -1.0), Some(24));
        assert_eq!(at(1, 1.0), Some(36));
        assert_eq!(at(2, 0.0), Some(120));
        assert_eq!(at(3, 5.0), Some(720));
        assert_eq!(at(4, 0.0), None);
        assert_eq!(at(0, 0.0), None);
        assert_eq!(next_try(&[], 1, now, 0.0), None);
    }
}
