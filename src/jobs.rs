//! Background sweeps. Each runs on an interval inside the server and can be called directly
//! (tests do, with a manual clock). With several instances on one database, every instance's
//! timer ticks, but only the first tick of each period claims it (`sweep_runs`), so a sweep
//! runs once per period across all of them; a transaction-scoped advisory lock still keeps
//! two runs of one sweep from overlapping (direct calls, a slow run meeting the next period).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tokio::sync::watch;

use crate::error::AppResult;
use crate::state::AppState;
use crate::sweeps::begin_exclusive;
pub use crate::sweeps::{SweepReport, claim_period};

const HOUSEKEEPING_LOCK: i64 = 0x5341_4c45_0001;

/// Deletes what no rule needs any more: idempotency keys past retention, refresh tokens
/// expired for a day, login failures outside the throttling window, and sync changes older
/// than a sync may lie behind, and webhook deliveries and events past their retention.
pub async fn housekeeping(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let key_cutoff = now - chrono::Duration::days(state.config.idempotency_retention_days);
    let token_cutoff = now - chrono::Duration::days(1);
    let failure_cutoff = now - chrono::Duration::seconds(state.config.login_window_secs);
    let Some(txn) = begin_exclusive(state, HOUSEKEEPING_LOCK).await? else {
        return Ok(SweepReport::default());
    };
    let keys = entity::idempotency_key::Entity::delete_many()
        .filter(entity::idempotency_key::Column::CreatedAt.lt(key_cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    let tokens = entity::refresh_token::Entity::delete_many()
        .filter(entity::refresh_token::Column::ExpiresAt.lt(token_cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    let failures = entity::login_failure::Entity::delete_many()
        .filter(entity::login_failure::Column::FailedAt.lt(failure_cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    let sync_cutoff = now - chrono::Duration::days(state.config.sync_retention_days.max(1));
    let sync_changes = crate::sync::prune(&txn, sync_cutoff).await?;
    let webhook_cutoff = now - chrono::Duration::days(state.config.webhooks.webhook_retention_days);
    let webhook_rows = crate::webhooks::deliveries::prune(&txn, webhook_cutoff).await?;
    let intake_cutoff = now - chrono::Duration::seconds(state.config.api_keys.intake_window_secs);
    let forms = crate::leads::intake::prune(&txn, intake_cutoff).await?;
    txn.commit().await?;
    Ok(SweepReport {
        ran: true,
        affected: keys + tokens + failures + sync_changes + webhook_rows + forms,
    })
}

/// Runs one sweep every `period` until `shutdown` flips to true.
fn every<F, Fut>(
    state: Arc<AppState>,
    name: &'static str,
    period: Duration,
    mut shutdown: watch::Receiver<bool>,
    sweep: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(Arc<AppState>, DateTime<Utc>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = AppResult<SweepReport>> + Send,
{
    tokio::spawn(async move {
        let period = period.max(Duration::from_secs(1));
        let claim_span = chrono::Duration::from_std(period).unwrap_or(chrono::Duration::MAX);
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    let now = state.clock.now();
                    match claim_period(&state, name, claim_span, now).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::debug!(sweep = name, "sweep already run this period");
                            continue;
                        }
                        Err(err) => {
                            tracing::warn!(sweep = name, error = %err, "sweep not claimed");
                            continue;
                        }
                    }
                    match sweep(state.clone(), now).await {
                        Ok(report) => tracing::info!(sweep = name, ran = report.ran, affected = report.affected, "sweep finished"),
                        Err(err) => tracing::warn!(sweep = name, error = %err, "sweep failed"),
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

/// Starts every sweep on its interval, and the metrics upkeep; they stop when `shutdown` flips
/// to true.
pub fn spawn(
    state: Arc<AppState>,
    shutdown: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let housekeeping_period = Duration::from_secs(state.config.housekeeping_interval_secs);
    let pool_period = Duration::from_secs(state.config.lead_sweep_interval_secs);
    vec![
        // Per instance, not a sweep: each process folds its own latency samples.
        crate::metrics::spawn_upkeep(shutdown.clone()),
        // Every instance sends webhooks; each delivery is leased to one of them.
        crate::webhooks::delivery::spawn(state.clone(), shutdown.clone()),
        every(
            state.clone(),
            "housekeeping",
            housekeeping_period,
            shutdown.clone(),
            |state, now| async move { housekeeping(&state, now).await },
        ),
        every(
            state.clone(),
            "lead-pool",
            pool_period,
            shutdown.clone(),
            |state, now| async move { crate::leads::pool::return_neglected_leads(&state, now).await },
        ),
        every(
            state.clone(),
            "stale-deals",
            Duration::from_secs(state.config.stale_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::opportunities::service::report_stale(&state, now).await },
        ),
        every(
            state.clone(),
            "missed-visits",
            Duration::from_secs(state.config.missed_visit_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::visits::missed::mark_missed(&state, now).await },
        ),
        every(
            state.clone(),
            "overdue-installments",
            Duration::from_secs(state.config.overdue_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::billing::overdue::remind(&state, now).await },
        ),
        every(
            state.clone(),
            "activity-reminders",
            Duration::from_secs(state.config.activity_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::activities::reminders::remind(&state, now).await },
        ),
        every(
            state.clone(),
            "search-index",
            Duration::from_secs(state.config.search_index_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::finder::sweep(&state, now).await },
        ),
        every(
            state.clone(),
            "attachment-orphans",
            Duration::from_secs(state.config.attachment_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::attachments::service::sweep(&state, now).await },
        ),
        // Purging the bin frees files, so it runs as often as the file sweep.
        every(
            state.clone(),
            "recycle-bin",
            Duration::from_secs(state.config.attachment_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::recycle::service::purge(&state, now).await },
        ),
        every(
            state.clone(),
            "report-reminders",
            Duration::from_secs(state.config.report_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::work_reports::reminders::remind(&state, now).await },
        ),
        every(
            state.clone(),
            "quote-expiry",
            Duration::from_secs(state.config.quote_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::quotes::expiry::expire_due(&state, now).await },
        ),
        every(
            state.clone(),
            "late-deliveries",
            Duration::from_secs(state.config.late_delivery_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::orders::late::report_late(&state, now).await },
        ),
        every(
            state.clone(),
            "callbacks",
            Duration::from_secs(state.config.callback_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::aftersales::sweep::sweep(&state, now).await },
        ),
        every(
            state.clone(),
            "ticket-escalations",
            Duration::from_secs(state.config.ticket_sweep_interval_secs),
            shutdown.clone(),
            |state, now| async move { crate::tickets::sweep::escalate(&state, now).await },
        ),
        every(
            state.clone(),
            "customer-grades",
            Duration::from_secs(state.config.grade_sweep_interval_secs),
            shutdown,
            |state, now| async move { crate::health::sweep::regrade(&state, now).await },
        ),
    ]
}
