//! The lead pool: claiming, releasing, assigning, automatic rotation, and the sweep that
//! returns neglected leads.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::access::{get_lead, lead_for_work, notify_assigned, write_event};
use super::model::{LeadEventKind, LeadStatus};
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::input::required_text;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::lead::{self, Entity as Leads};
use entity::{assignment_cursor, user};

/// Makes concurrent transactions acting for the same user wait for each other: an update takes
/// the row lock on PostgreSQL; SQLite write transactions are serialized anyway.
async fn serialize_on_user(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<()> {
    user::Entity::update_many()
        .col_expr(
            user::Column::TokenVersion,
            Expr::col(user::Column::TokenVersion),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

async fn open_leads_of(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    Ok(Leads::find()
        .filter(lead::Column::OwnerId.eq(user_id))
        .filter(lead::Column::Status.is_in(LeadStatus::OPEN_STORED))
        .count(db)
        .await?)
}

/// Takes a pool lead for the caller, within the claim limit. Errors: `FORBIDDEN` (finance),
/// `NOT_FOUND`, `INVALID_STATE` (not in the pool any more, limit reached, closed lead).
pub async fn claim_lead(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<lead::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get_lead(&txn, viewer, id).await?;
    if !current.in_pool {
        return Err(AppError::invalid_state("The lead is no longer in the pool"));
    }
    serialize_on_user(&txn, viewer.user_id).await?;
    let limit = state.config.lead_claim_limit;
    if open_leads_of(&txn, viewer.user_id).await? >= limit {
        return Err(AppError::invalid_state(format!(
            "You already hold {limit} open leads, the most allowed; convert, disqualify or release some first"
        )));
    }
    let deadline = now + Duration::days(state.config.lead_pool_days);
    let result = Leads::update_many()
        .col_expr(lead::Column::OwnerId, Expr::value(Some(viewer.user_id)))
        .col_expr(lead::Column::InPool, Expr::value(false))
        .col_expr(lead::Column::PoolDeadline, Expr::value(Some(deadline)))
        .col_expr(
            lead::Column::Version,
            Expr::col(lead::Column::Version).add(1),
        )
        .col_expr(lead::Column::UpdatedAt, Expr::value(now))
        .filter(lead::Column::Id.eq(id))
        .filter(lead::Column::InPool.eq(true))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::invalid_state("The lead is no longer in the pool"));
    }
    write_event(
        &txn,
        id,
        LeadEventKind::Claimed,
        Some(viewer.user_id),
        None,
        Some(viewer.user_id),
        None,
        now,
    )
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "lead.claimed",
        subject_type: "Lead",
        subject_id: id,
        details: serde_json::json!({}),
    }
    .record(&txn, now)
    .await?;
    let claimed = Leads::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::internal)?;
    txn.commit().await?;
    Ok(claimed)
}

/// Puts a lead the caller may work back into the pool. Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT` (no reason), `INVALID_STATE`.
pub async fn release_lead(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<lead::Model> {
    let reason = required_text(reason, "input.reason", 1000)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = lead_for_work(&txn, viewer, id).await?;
    move_to_pool(&txn, &current, now).await?;
    write_event(
        &txn,
        id,
        LeadEventKind::Released,
        Some(viewer.user_id),
        current.owner_id,
        None,
        Some(reason.clone()),
        now,
    )
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "lead.released",
        subject_type: "Lead",
        subject_id: id,
        details: serde_json::json!({"reason": reason}),
    }
    .record(&txn, now)
    .await?;
    let released = Leads::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::internal)?;
    txn.commit().await?;
    Ok(released)
}

/// Moves `current` into the pool if it is unchanged since read. Errors: `CONFLICT`.
async fn move_to_pool(
    db: &impl ConnectionTrait,
    current: &lead::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let result = Leads::update_many()
        .col_expr(lead::Column::OwnerId, Expr::value(Option::<Uuid>::None))
        .col_expr(lead::Column::InPool, Expr::value(true))
        .col_expr(
            lead::Column::PoolDeadline,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(lead::Column::Version, Expr::value(current.version + 1))
        .col_expr(lead::Column::UpdatedAt, Expr::value(now))
        .filter(lead::Column::Id.eq(current.id))
        .filter(lead::Column::Version.eq(current.version))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::conflict(current.version + 1));
    }
    Ok(())
}

/// Hands a lead (owned within the caller's teams, or in the pool) to a rep. Managers and admins
/// only. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (assignee), `INVALID_STATE`.
pub async fn assign_lead(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    assignee: Uuid,
) -> AppResult<lead::Model> {
    if !matches!(viewer.role, Role::Admin | Role::SalesManager) {
        return Err(AppError::forbidden());
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get_lead(&txn, viewer, id).await?;
    if !LeadStatus::OPEN_STORED.contains(&current.status.as_str()) {
        return Err(AppError::invalid_state(format!(
            "A {} lead is read-only",
            current.status.to_lowercase()
        )));
    }
    let assignee =
        crate::users::service::check_assignable(&txn, viewer, assignee, "input.assigneeId").await?;
    let result = Leads::update_many()
        .col_expr(lead::Column::OwnerId, Expr::value(Some(assignee.id)))
        .col_expr(lead::Column::InPool, Expr::value(false))
        .col_expr(
            lead::Column::PoolDeadline,
            Expr::value(Some(now + Duration::days(state.config.lead_pool_days))),
        )
        .col_expr(lead::Column::Version, Expr::value(current.version + 1))
        .col_expr(lead::Column::UpdatedAt, Expr::value(now))
        .filter(lead::Column::Id.eq(id))
        .filter(lead::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::conflict(current.version + 1));
    }
    write_event(
        &txn,
        id,
        LeadEventKind::Assigned,
        Some(viewer.user_id),
        current.owner_id,
        Some(assignee.id),
        None,
        now,
    )
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "lead.assigned",
        subject_type: "Lead",
        subject_id: id,
        details: serde_json::json!({"assigneeId": assignee.id}),
    }
    .record(&txn, now)
    .await?;
    let assigned = Leads::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::internal)?;
    let written = notify_assigned(&txn, &assigned, viewer.user_id, now).await?;
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), written.as_slice());
    Ok(assigned)
}

/// The next active rep of `team_id` in turn. The rotation's position is a row per team, locked
/// for the transaction, so turns stay fair across restarts and instances. Errors:
/// `INVALID_STATE` (no active rep).
pub(crate) async fn next_in_rotation(
    db: &impl ConnectionTrait,
    team_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let reps = crate::users::service::active_reps_of_team(db, team_id).await?;
    if reps.is_empty() {
        return Err(AppError::invalid_state(
            "The team has no active sales rep to assign to",
        ));
    }
    assignment_cursor::Entity::insert(assignment_cursor::ActiveModel {
        team_id: Set(team_id),
        last_user_id: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(assignment_cursor::Column::TeamId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    // Lock the team's cursor row (a no-op update) before reading it.
    assignment_cursor::Entity::update_many()
        .col_expr(assignment_cursor::Column::UpdatedAt, Expr::value(now))
        .filter(assignment_cursor::Column::TeamId.eq(team_id))
        .exec(db)
        .await?;
    let cursor = assignment_cursor::Entity::find_by_id(team_id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)?;
    let next = cursor
        .last_user_id
        .and_then(|last| reps.iter().find(|rep| rep.id > last))
        .unwrap_or(&reps[0])
        .id;
    assignment_cursor::ActiveModel {
        team_id: Set(team_id),
        last_user_id: Set(Some(next)),
        updated_at: Set(now),
    }
    .update(db)
    .await?;
    Ok(next)
}

/// How many neglected leads one sweep returns at most; the next sweep continues.
/// Lock of the sweep returning neglected leads to the pool.
const LEAD_POOL_LOCK: i64 = 0x5341_4c45_0002;
const SWEEP_BATCH: u64 = 500;

/// Returns owned open leads whose pool deadline passed to the pool, recording the event and
/// notifying the former owner. Each lead is returned once even when instances sweep together.
pub async fn return_neglected_leads(
    state: &AppState,
    now: DateTime<Utc>,
) -> AppResult<SweepReport> {
    let Some(txn) = crate::sweeps::begin_exclusive(state, LEAD_POOL_LOCK).await? else {
        return Ok(SweepReport::default());
    };
    let overdue = Leads::find()
        .filter(lead::Column::OwnerId.is_not_null())
        .filter(lead::Column::Status.is_in(LeadStatus::OPEN_STORED))
        .filter(lead::Column::PoolDeadline.lt(now))
        .order_by_asc(lead::Column::PoolDeadline)
        .limit(SWEEP_BATCH)
        .all(&txn)
        .await?;
    let mut written = Vec::new();
    for current in overdue {
        if move_to_pool(&txn, &current, now).await.is_err() {
            continue; // changed since read (a follow-up, a claim): not neglected any more
        }
        write_event(
            &txn,
            current.id,
            LeadEventKind::ReturnedToPool,
            None,
            current.owner_id,
            None,
            Some("No follow-up in time".to_owned()),
            now,
        )
        .await?;
        if let Some(owner) = current.owner_id {
            let notice = NewNotification {
                user_id: owner,
                kind: "LEAD_RETURNED_TO_POOL",
                title: format!("Lead returned to the pool: {}", current.name),
                body: format!(
                    "{} had no follow-up in time and went back to the pool.",
                    current.name
                ),
                subject_type: Some("Lead"),
                subject_id: Some(current.id),
            };
            written.push(notifications::notify(&txn, notice, now).await?);
        }
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(SweepReport {
        ran: true,
        affected: written.len() as u64,
    })
}
