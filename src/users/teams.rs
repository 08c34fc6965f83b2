//! Teams: creating and changing them (unique names whatever their case and spacing, managers
//! who are active sales managers), reading and listing them.

use super::checks::{parse_display_name, require_admin};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::idempotency::{self, IdempotentCall, Outcome};
use crate::identity::{Role, Viewer};
use crate::pagination::{self, Page, PageRequest};
use crate::policy;
use crate::state::AppState;
use crate::versioned;
use entity::team::{self, Entity as Teams};
use entity::user::Entity as Users;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use uuid::Uuid;

/// Folds a team name for uniqueness: case, spacing.
pub(super) fn team_name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

async fn check_manager(db: &impl ConnectionTrait, manager_id: Uuid) -> AppResult<()> {
    let manager = Users::find_by_id(manager_id).one(db).await?;
    match manager {
        Some(m) if m.active && m.role == Role::SalesManager.as_str() => Ok(()),
        _ => Err(AppError::bad_input(
            "input.managerId",
            "The manager must be an active user with the SALES_MANAGER role",
        )),
    }
}

fn duplicate_team() -> AppError {
    AppError::duplicate("input.name", "A team with this name already exists")
}

/// A team to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewTeam {
    pub name: String,
    pub region: Option<String>,
    pub manager_id: Option<Uuid>,
}

/// Creates a team (admin). Idempotent by key. Errors: `FORBIDDEN`, `BAD_USER_INPUT`,
/// `DUPLICATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_team(
    state: &AppState,
    viewer: &Viewer,
    new: NewTeam,
    idempotency_key: Option<String>,
) -> AppResult<team::Model> {
    require_admin(viewer)?;
    let call = IdempotentCall::new(viewer.user_id, "createTeam", idempotency_key, &new)?;
    let name = parse_display_name(&new.name, "input.name")?;
    let region = new
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let now = state.clock.now();
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        if let Some(manager_id) = new.manager_id {
            check_manager(txn, manager_id).await?;
        }
        let key = team_name_key(&name);
        if Teams::find()
            .filter(team::Column::NameKey.eq(key.as_str()))
            .one(txn)
            .await?
            .is_some()
        {
            return Err(duplicate_team());
        }
        let created = team::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name),
            name_key: Set(key),
            region: Set(region),
            manager_id: Set(new.manager_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                duplicate_team()
            } else {
                err.into()
            }
        })?;
        crate::audit::Entry { actor_id: Some(viewer.user_id), action: "team.created", subject_type: "Team", subject_id: created.id, details: serde_json::json!({"name": created.name, "region": created.region, "managerId": created.manager_id}) }.record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?;
    if matches!(outcome, Outcome::Fresh(_)) && new.manager_id.is_some() {
        state.viewers.clear();
    }
    let id = outcome.into_inner();
    Teams::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Changes to a team; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub region: Option<Option<String>>,
    pub manager_id: Option<Option<Uuid>>,
}

/// Updates a team (admin) if still at `expected_version`. Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`, `DUPLICATE`, `CONFLICT`.
pub async fn update_team(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: TeamChanges,
) -> AppResult<team::Model> {
    require_admin(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = Teams::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Team"))?;
    versioned::check(expected_version, current.version)?;
    let mut model = team::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    if let Some(name) = &changes.name {
        let name = parse_display_name(name, "input.name")?;
        let key = team_name_key(&name);
        let clash = Teams::find()
            .filter(team::Column::NameKey.eq(key.as_str()))
            .filter(team::Column::Id.ne(id))
            .one(&txn)
            .await?;
        if clash.is_some() {
            return Err(duplicate_team());
        }
        changed.insert("name".into(), name.clone().into());
        model.name = Set(name);
        model.name_key = Set(key);
    }
    if let Some(region) = changes.region {
        let region = region
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        changed.insert("region".into(), serde_json::json!(region));
        model.region = Set(region);
    }
    if let Some(manager_id) = changes.manager_id {
        if let Some(manager_id) = manager_id {
            check_manager(&txn, manager_id).await?;
        }
        changed.insert("managerId".into(), serde_json::json!(manager_id));
        model.manager_id = Set(manager_id);
        if manager_id != current.manager_id {
            // The old manager and the new one see other records from now on.
            for manager in [current.manager_id, manager_id].into_iter().flatten() {
                crate::sync::scope_changed(&txn, Some(manager), None, now).await?;
            }
        }
    }
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "team.updated",
        subject_type: "Team",
        subject_id: id,
        details: changed.into(),
    };
    let target =
        versioned::Target::new(id, expected_version, current.version).on_duplicate(duplicate_team);
    let updated = versioned::save::<Teams>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    if changes.manager_id.is_some() {
        state.viewers.clear();
    }
    Ok(updated)
}

/// A team: every signed-in user may see any team (a colleague's team is part of what they
/// see of them). Errors: `NOT_FOUND`.
pub async fn get_team(
    db: &impl ConnectionTrait,
    _viewer: &Viewer,
    id: Uuid,
) -> AppResult<team::Model> {
    Teams::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Team"))
}

/// Lists teams (admin), oldest first. Errors: `FORBIDDEN`, `BAD_USER_INPUT` (paging).
pub async fn list_teams(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    page: &PageRequest,
) -> AppResult<Page<team::Model>> {
    require_admin(viewer)?;
    pagination::fetch(
        db,
        Teams::find().filter(policy::teams(viewer)),
        team::Column::Id,
        page,
        |t| t.id,
    )
    .await
}

/// Teams by id, without visibility (for loaders).
pub async fn teams_by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<Vec<team::Model>> {
    Ok(Teams::find()
        .filter(team::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}
