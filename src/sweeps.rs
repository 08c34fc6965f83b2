//! Sweep plumbing shared by every domain's background sweep: what a run did, the lock that
//! keeps two runs of one sweep from overlapping, and the claim that makes a period's run happen
//! once across instances. `jobs.rs` schedules the sweeps; the domains write them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction,
    EntityTrait, QueryFilter, Set, Statement,
};

use crate::error::AppResult;
use crate::state::AppState;

/// What a sweep did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// False when another instance held the sweep's lock.
    pub ran: bool,
    pub affected: u64,
}

/// Begins a write transaction holding the sweep's lock, or `None` when another instance holds
/// it. On SQLite (one instance) the lock is always won.
pub async fn begin_exclusive(
    state: &AppState,
    lock_id: i64,
) -> AppResult<Option<DatabaseTransaction>> {
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
            return Ok(None);
        }
    }
    Ok(Some(txn))
}

/// Claims the current period of sweep `name` for the caller: true for the first tick, on any
/// instance, at least `period` after the last claimed start (a twentieth of it early still
/// counts, as instances' timers drift), false for every other tick of that period.
pub async fn claim_period(
    state: &AppState,
    name: &str,
    period: chrono::Duration,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    use entity::sweep_run::{ActiveModel, Column, Entity};
    // A period too long to subtract (a mistyped interval) is never due again once run.
    if let Some(due_since) = now.checked_sub_signed(period - period / 20) {
        let claimed = Entity::update_many()
            .col_expr(Column::StartedAt, Expr::value(now))
            .filter(Column::Name.eq(name))
            .filter(Column::StartedAt.lte(due_since))
            .exec(&state.db)
            .await?
            .rows_affected;
        if claimed == 1 {
            return Ok(true);
        }
    }
    // Not due, or never run: the first run creates the row, and of two instances creating it
    // at once the primary key lets one win.
    let created = ActiveModel {
        name: Set(name.to_owned()),
        started_at: Set(now),
    }
    .insert(&state.db)
    .await;
    match created {
        Ok(_) => Ok(true),
        Err(err) if crate::error::is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}
