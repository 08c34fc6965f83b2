//! Background sweeps. Each runs on an interval inside the server and can be called directly
//! (tests do, with a manual clock). With several instances on PostgreSQL, a transaction-scoped
//! advisory lock lets exactly one instance run a given sweep at a time.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement};
use tokio::sync::watch;

use crate::error::AppResult;
use crate::state::AppState;

/// What a sweep did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// False when another instance held the sweep's lock.
    pub ran: bool,
    pub affected: u64,
}

/// Runs `sweep` in one transaction if this instance wins the sweep's advisory lock.
async fn exclusively<F>(state: &AppState, lock_id: i64, sweep: F) -> AppResult<SweepReport>
where
    F: for<'c> FnOnce(
            &'c sea_orm::DatabaseTransaction,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = AppResult<u64>> + Send + 'c>,
        > + Send,
{
    let txn = crate::db::begin_write(&state.db).await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        let row = txn
            .query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1) AS locked",
                [lock_id.into()],
            ))
            .await?;
        let locked = match row {
            Some(row) => row.try_get::<bool>("", "locked")?,
            None => false,
        };
        if !locked {
            txn.rollback().await?;
            return Ok(SweepReport::default());
        }
    }
    let affected = sweep(&txn).await?;
    txn.commit().await?;
    Ok(SweepReport {
        ran: true,
        affected,
    })
}

const HOUSEKEEPING_LOCK: i64 = 0x5341_4c45_0001;

/// Deletes what no rule needs any more: idempotency keys past retention, refresh tokens
/// expired for a day, and login failures outside the throttling window.
pub async fn housekeeping(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let key_cutoff = now - chrono::Duration::days(state.config.idempotency_retention_days);
    let token_cutoff = now - chrono::Duration::days(1);
    let failure_cutoff = now - chrono::Duration::seconds(state.config.login_window_secs);
    exclusively(state, HOUSEKEEPING_LOCK, move |txn| {
        Box::pin(async move {
            let keys = entity::idempotency_key::Entity::delete_many()
                .filter(entity::idempotency_key::Column::CreatedAt.lt(key_cutoff))
                .exec(txn)
                .await?
                .rows_affected;
            let tokens = entity::refresh_token::Entity::delete_many()
                .filter(entity::refresh_token::Column::ExpiresAt.lt(token_cutoff))
                .exec(txn)
                .await?
                .rows_affected;
            let failures = entity::login_failure::Entity::delete_many()
                .filter(entity::login_failure::Column::FailedAt.lt(failure_cutoff))
                .exec(txn)
                .await?
                .rows_affected;
            Ok(keys + tokens + failures)
        })
    })
    .await
}

/// Runs every sweep on its interval until `shutdown` flips to true.
pub fn spawn(
    state: Arc<AppState>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let period = Duration::from_secs(state.config.housekeeping_interval_secs.max(1));
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    let now = state.clock.now();
                    match housekeeping(&state, now).await {
                        Ok(report) => tracing::info!(ran = report.ran, affected = report.affected, "housekeeping sweep"),
                        Err(err) => tracing::warn!(error = %err, "housekeeping sweep failed"),
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
