//! User and team operations.

pub(super) use super::checks::{parse_display_name, require_admin};
pub use super::teams::{
    NewTeam, TeamChanges, create_team, get_team, list_teams, teams_by_ids, update_team,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::passwords;
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::events::{DomainEvent, EventKind};
use crate::idempotency::{self, IdempotentCall, Outcome};
use crate::identity::{Role, Viewer};
use crate::input::{Email, parse_email};
use crate::pagination::{self, Page, PageRequest};
use crate::policy;
use crate::state::AppState;
use crate::versioned;
use entity::team::Entity as Teams;
use entity::user::{self, Entity as Users};

pub(super) fn parse_timezone(timezone: &str, field: &str) -> AppResult<String> {
    timezone
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| AppError::bad_input(field, "Not an IANA time zone, e.g. Asia/Shanghai"))
}

/// A user to create, before validation.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
    pub team_id: Option<Uuid>,
    pub timezone: Option<String>,
}

/// A user whose input passed validation and whose password is hashed, ready to insert.
#[derive(Debug, Clone)]
pub struct PreparedUser {
    email: String,
    display_name: String,
    role: Role,
    password_hash: String,
    team_id: Option<Uuid>,
    timezone: String,
}

/// Validates a new user and hashes the password (outside any transaction: hashing is slow).
/// Errors: `BAD_USER_INPUT`.
pub async fn prepare_user(state: &AppState, new: NewUser) -> AppResult<PreparedUser> {
    // Every field is checked, and every problem reported together.
    let mut problems = crate::input::Problems::default();
    let email = problems.check(parse_email(&new.email, "input.email"));
    let display_name = problems.check(parse_display_name(&new.display_name, "input.displayName"));
    problems.check(passwords::validate_policy(
        &new.password,
        "input.password",
        state.config.password_min_chars,
        &[
            email.as_deref().unwrap_or(&new.email),
            display_name.as_deref().unwrap_or(&new.display_name),
        ],
    ));
    let timezone = match &new.timezone {
        Some(tz) => problems.check(parse_timezone(tz, "input.timezone")),
        None => Some(state.config.default_timezone.name().to_owned()),
    };
    problems.finish()?;
    let (Some(email), Some(display_name), Some(timezone)) = (email, display_name, timezone) else {
        return Err(AppError::internal());
    };
    let password_hash = passwords::hash(state.hasher, new.password).await?;
    Ok(PreparedUser {
        email,
        display_name,
        role: new.role,
        password_hash,
        team_id: new.team_id,
        timezone,
    })
}

/// Inserts a prepared user and its password hash (no authorization: callers check; `db` is a
/// transaction, or both rows may not land together). Errors: `BAD_USER_INPUT` (unknown team),
/// `DUPLICATE`.
pub async fn insert_prepared(
    db: &impl ConnectionTrait,
    user: PreparedUser,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<user::Model> {
    if let Some(team_id) = user.team_id {
        Teams::find_by_id(team_id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::bad_input("input.teamId", "No such team"))?;
    }
    if Users::find()
        .filter(user::Column::Email.eq(user.email.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(duplicate_email());
    }
    let created = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(user.email),
        display_name: Set(user.display_name),
        role: Set(user.role.as_str().to_owned()),
        team_id: Set(user.team_id),
        timezone: Set(user.timezone),
        active: Set(true),
        kind: Set(super::PERSON.to_owned()),
        token_version: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|err| {
        if is_unique_violation(&err) {
            duplicate_email()
        } else {
            AppError::from(err)
        }
    })?;
    entity::user_credential::ActiveModel {
        user_id: Set(created.id),
        password_hash: Set(user.password_hash),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(created)
}

/// Validates and inserts a user (no authorization: callers check). Used by the CLI and the
/// bootstrap admin. Errors: `BAD_USER_INPUT`, `DUPLICATE`.
pub async fn insert_user(state: &AppState, new: NewUser) -> AppResult<user::Model> {
    let prepared = prepare_user(state, new).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let created = insert_prepared(&txn, prepared, state.clock.now()).await?;
    txn.commit().await?;
    Ok(created)
}

pub(super) fn duplicate_email() -> AppError {
    AppError::duplicate("input.email", "A user with this e-mail already exists")
}

/// What makes two `createUser` calls the same (the password stays out of the fingerprint).
#[derive(Serialize)]
pub(super) struct CreateUserFingerprint<'a> {
    email: String,
    display_name: &'a str,
    role: &'a str,
    team_id: Option<Uuid>,
    timezone: Option<&'a str>,
}

/// Creates a user (admin). Idempotent by key. Errors: `FORBIDDEN`, `BAD_USER_INPUT`,
/// `DUPLICATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_user(
    state: &AppState,
    viewer: &Viewer,
    new: NewUser,
    idempotency_key: Option<String>,
) -> AppResult<Outcome<user::Model>> {
    require_admin(viewer)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "createUser",
        idempotency_key,
        &CreateUserFingerprint {
            email: Email::normalize(&new.email),
            display_name: &new.display_name,
            role: new.role.as_str(),
            team_id: new.team_id,
            timezone: new.timezone.as_deref(),
        },
    )?;
    let now = state.clock.now();
    let fetch = |id| async move {
        Users::find_by_id(id)
            .one(&state.db)
            .await?
            .ok_or_else(AppError::internal)
    };
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        let prepared = prepare_user(state, new).await?;
        let created = insert_prepared(txn, prepared, now).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "user.created",
            subject_type: "User",
            subject_id: created.id,
            details: serde_json::json!({
                "email": created.email,
                "role": created.role,
                "teamId": created.team_id,
            }),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?;
    let user = fetch(*outcome.value()).await?;
    Ok(outcome.map(|_| user))
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` removes the user from their team.
    pub team_id: Option<Option<Uuid>>,
    pub active: Option<bool>,
    pub timezone: Option<String>,
}

/// Updates a user (admin) if still at `expected_version`. Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`, `CONFLICT`, `INVALID_STATE` (an admin demoting or deactivating themself).
pub async fn update_user(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: UserChanges,
) -> AppResult<user::Model> {
    require_admin(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    // Service accounts change through `updateServiceAccount`.
    let current = Users::find_by_id(id)
        .filter(user::Column::Kind.eq(super::PERSON))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("User"))?;
    versioned::check(expected_version, current.version)?;
    if id == viewer.user_id
        && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(AppError::invalid_state(
            "Admins cannot deactivate or demote themselves",
        ));
    }
    let mut model = user::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    // Every problem of the changes' own fields at once.
    let mut problems = crate::input::Problems::default();
    if let Some(name) = &changes.display_name
        && let Some(name) = problems.check(parse_display_name(name, "input.displayName"))
    {
        changed.insert("displayName".into(), name.clone().into());
        model.display_name = Set(name);
    }
    if let Some(timezone) = &changes.timezone
        && let Some(timezone) = problems.check(parse_timezone(timezone, "input.timezone"))
    {
        changed.insert("timezone".into(), timezone.clone().into());
        model.timezone = Set(timezone);
    }
    problems.finish()?;
    if let Some(team_id) = changes.team_id {
        if let Some(team_id) = team_id {
            Teams::find_by_id(team_id)
                .one(&txn)
                .await?
                .ok_or_else(|| AppError::bad_input("input.teamId", "No such team"))?;
        }
        changed.insert("teamId".into(), serde_json::json!(team_id));
        model.team_id = Set(team_id);
        if team_id != current.team_id {
            // The user, and whoever manages either team, see other records from now on.
            crate::sync::scope_changed(&txn, Some(id), None, now).await?;
            for team in [current.team_id, team_id].into_iter().flatten() {
                crate::sync::scope_changed(&txn, None, Some(team), now).await?;
            }
        }
    }
    let role_changed = changes.role.is_some_and(|r| r.as_str() != current.role);
    if let Some(role) = changes.role {
        changed.insert("role".into(), role.as_str().into());
        model.role = Set(role.as_str().to_owned());
    }
    let deactivated = changes.active == Some(false) && current.active;
    if let Some(active) = changes.active {
        changed.insert("active".into(), active.into());
        model.active = Set(active);
    }
    if role_changed || deactivated {
        model.token_version = Set(current.token_version + 1);
        crate::sync::scope_changed(&txn, Some(id), None, now).await?;
    }
    if deactivated {
        crate::auth::service::revoke_all_sessions(&txn, id, now).await?;
    }
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "user.updated",
        subject_type: "User",
        subject_id: id,
        details: changed.into(),
    };
    // The version guard makes concurrent updates safe even between the read and this write.
    let target = versioned::Target::new(id, expected_version, current.version);
    let updated = versioned::save::<Users>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    state.viewers.forget(id);
    state.events.publish(DomainEvent {
        kind: EventKind::UserUpdated,
        subject_id: id,
        actor_id: Some(viewer.user_id),
        audience: Some(id),
    });
    Ok(updated)
}

/// A colleague: every signed-in user may see any user's name and team (their contact details
/// are shown per [`policy::can_see_contact`]), as nested users show them. Errors: `NOT_FOUND`.
pub async fn get_user(
    db: &impl ConnectionTrait,
    _viewer: &Viewer,
    id: Uuid,
) -> AppResult<user::Model> {
    Users::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("User"))
}

/// Filters for the user list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub team_id: Option<Uuid>,
    pub active: Option<bool>,
    pub search: Option<String>,
}

/// Lists users (admin), oldest first. Errors: `FORBIDDEN`, `BAD_USER_INPUT` (paging).
pub async fn list_users(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: UserFilter,
    page: &PageRequest,
) -> AppResult<Page<user::Model>> {
    require_admin(viewer)?;
    // Service accounts are listed by `serviceAccounts`.
    let mut condition = Condition::all()
        .add(policy::users(viewer))
        .add(user::Column::Kind.eq(super::PERSON));
    if let Some(role) = filter.role {
        condition = condition.add(user::Column::Role.eq(role.as_str()));
    }
    if let Some(team_id) = filter.team_id {
        condition = condition.add(user::Column::TeamId.eq(team_id));
    }
    if let Some(active) = filter.active {
        condition = condition.add(user::Column::Active.eq(active));
    }
    if let Some(pattern) = crate::search::pattern(filter.search.as_deref(), "filter.search")? {
        let column = |c: user::Column| Expr::col((user::Entity, c));
        condition = condition.add(
            Condition::any()
                .add(column(user::Column::Email).like(pattern.clone()))
                .add(crate::search::lower_like(
                    column(user::Column::DisplayName),
                    &pattern,
                )),
        );
    }
    pagination::fetch(
        db,
        Users::find().filter(condition),
        user::Column::Id,
        page,
        |u| u.id,
    )
    .await
}

/// Users by id, without visibility (for loaders resolving fields of already visible records).
pub async fn users_by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<Vec<user::Model>> {
    Ok(Users::find()
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// Checks that `user_id` may own sales records the viewer hands over: an active rep or manager
/// the viewer can see. Errors: `BAD_USER_INPUT` on `field`.
pub async fn check_assignable(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    user_id: Uuid,
    field: &str,
) -> AppResult<user::Model> {
    let user = Users::find_by_id(user_id).one(db).await?;
    match user {
        Some(user)
            if user.active
                && user.kind == super::PERSON
                && (user.role == Role::SalesRep.as_str()
                    || user.role == Role::SalesManager.as_str())
                && policy::can_see_user(viewer, user.id, user.team_id) =>
        {
            Ok(user)
        }
        _ => Err(AppError::bad_input(
            field,
            "Must be an active sales rep or manager within your teams",
        )),
    }
}

/// The manager of a user's team, unless that is the user themself (for notifications).
pub async fn managers_of(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<Uuid>> {
    let Some(user) = Users::find_by_id(user_id).one(db).await? else {
        return Ok(Vec::new());
    };
    let Some(team) = user.team_id else {
        return Ok(Vec::new());
    };
    Ok(Teams::find_by_id(team)
        .one(db)
        .await?
        .and_then(|t| t.manager_id)
        .filter(|m| *m != user_id)
        .into_iter()
        .collect())
}

/// Ids of the active users holding `role`.
pub async fn active_with_role(db: &impl ConnectionTrait, role: Role) -> AppResult<Vec<Uuid>> {
    Ok(Users::find()
        .filter(user::Column::Role.eq(role.as_str()))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Kind.eq(super::PERSON))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// Active sales reps of a team, in a stable order (for round-robin assignment).
pub async fn active_reps_of_team(
    db: &impl ConnectionTrait,
    team_id: Uuid,
) -> AppResult<Vec<user::Model>> {
    use sea_orm::QueryOrder;
    Ok(Users::find()
        .filter(user::Column::TeamId.eq(team_id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.eq(Role::SalesRep.as_str()))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::teams::team_name_key;

    #[test]
    fn team_names_fold_case_and_spacing() {
        assert_eq!(
            team_name_key("  East   Coast "),
            team_name_key("east coast")
        );
        assert_ne!(team_name_key("East"), team_name_key("West"));
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert_eq!(
            parse_timezone("Europe/Berlin", "f").unwrap(),
            "Europe/Berlin"
        );
        assert!(parse_timezone("Mars/Olympus", "f").is_err());
    }
}
