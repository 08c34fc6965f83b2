//! Service accounts and their API keys (admins only). An account is a user of kind `SERVICE`:
//! it holds a role (what its records' visibility and rules are), scopes (which root fields its
//! keys may call) and, for web-form intake, the team whose reps take turns on its leads. It
//! never signs in and is listed by `serviceAccounts` only. A key is shown once, when made.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::scopes;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::input::{optional_text, required_text};
use crate::state::AppState;
use crate::versioned;
use entity::api_key::{self, Entity as ApiKeys};
use entity::service_account::{self, Entity as ServiceAccounts};
use entity::user::{self, Entity as Users};

/// Longest description.
pub const MAX_DESCRIPTION: usize = 500;
/// Most keys one account holds unrevoked.
pub const MAX_LIVE_KEYS: usize = 20;
/// Characters of a key shown to tell keys apart: `sg_` and eight more.
const PREFIX_CHARS: usize = 11;

/// A service account: its user row and its grants.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: user::Model,
    pub grants: service_account::Model,
}

fn require_admin(viewer: &Viewer) -> AppResult<()> {
    if viewer.is_admin() && viewer.service.is_none() {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The scopes as stored; errors name the first unknown one (`input.scopes[i]`).
fn check_scopes(granted: &[String]) -> AppResult<String> {
    // Every scope once is the most an account needs.
    if granted.len() > scopes::SCOPES.len() {
        return Err(AppError::bad_input(
            "input.scopes",
            format!("At most {} scopes", scopes::SCOPES.len()),
        ));
    }
    let known = scopes::parse(granted).map_err(|(i, scope)| {
        AppError::bad_input(
            format!("input.scopes[{i}]"),
            format!("`{scope}` is not a scope; see the README for the list"),
        )
    })?;
    if known.is_empty() {
        return Err(AppError::bad_input(
            "input.scopes",
            "Grant at least one scope",
        ));
    }
    Ok(known.join(" "))
}

async fn check_team(db: &impl ConnectionTrait, team_id: Option<Uuid>) -> AppResult<()> {
    if let Some(team) = team_id {
        entity::team::Entity::find_by_id(team)
            .one(db)
            .await?
            .ok_or_else(|| AppError::not_found("Team").naming("input.intakeTeamId"))?;
    }
    Ok(())
}

/// A key's stored hash.
pub fn hash_key(key: &str) -> String {
    crate::auth::tokens::hex(&Sha256::digest(key.as_bytes()))
}

/// The account `id`, or `NOT_FOUND` (people are not service accounts).
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Account> {
    let user = Users::find_by_id(id)
        .filter(user::Column::Kind.eq(crate::users::SERVICE))
        .one(db)
        .await?;
    let grants = ServiceAccounts::find_by_id(id).one(db).await?;
    match (user, grants) {
        (Some(user), Some(grants)) => Ok(Account { user, grants }),
        _ => Err(AppError::not_found("Service account")),
    }
}

/// The service accounts among `ids`, without visibility (for fields of admins' records).
pub async fn accounts_by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<Vec<Account>> {
    let users = Users::find()
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .filter(user::Column::Kind.eq(crate::users::SERVICE))
        .all(db)
        .await?;
    let mut grants: std::collections::HashMap<Uuid, service_account::Model> =
        ServiceAccounts::find()
            .filter(service_account::Column::UserId.is_in(ids.to_vec()))
            .all(db)
            .await?
            .into_iter()
            .map(|g| (g.user_id, g))
            .collect();
    Ok(users
        .into_iter()
        .filter_map(|user| {
            grants
                .remove(&user.id)
                .map(|grants| Account { user, grants })
        })
        .collect())
}

/// Every service account, oldest first (admins).
pub async fn list(db: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<Vec<Account>> {
    require_admin(viewer)?;
    let users = Users::find()
        .filter(user::Column::Kind.eq(crate::users::SERVICE))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let mut grants: std::collections::HashMap<Uuid, service_account::Model> =
        ServiceAccounts::find()
            .all(db)
            .await?
            .into_iter()
            .map(|g| (g.user_id, g))
            .collect();
    Ok(users
        .into_iter()
        .filter_map(|user| {
            grants
                .remove(&user.id)
                .map(|grants| Account { user, grants })
        })
        .collect())
}

/// An account to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewServiceAccount {
    pub name: String,
    #[serde(serialize_with = "role_name")]
    pub role: Role,
    pub scopes: Vec<String>,
    pub team_id: Option<Uuid>,
    pub description: Option<String>,
}

fn role_name<S: serde::Serializer>(role: &Role, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(role.as_str())
}

/// Creates a service account. Errors: `FORBIDDEN`, `BAD_USER_INPUT`, `NOT_FOUND`
/// (`input.teamId`), `IDEMPOTENCY_KEY_REUSED`.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    new: NewServiceAccount,
    idempotency_key: Option<String>,
) -> AppResult<Account> {
    require_admin(viewer)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "createServiceAccount",
        idempotency_key,
        &new,
    )?;
    let mut problems = crate::input::Problems::default();
    let name = problems.check(required_text(&new.name, "input.name", 100));
    let scopes = problems.check(check_scopes(&new.scopes));
    let description = problems.check(optional_text(
        new.description.as_deref(),
        "input.description",
        MAX_DESCRIPTION,
    ));
    problems.finish()?;
    let (Some(name), Some(scopes), Some(description)) = (name, scopes, description) else {
        return Err(AppError::internal());
    };
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        check_team(txn, new.team_id).await?;
        let id = Uuid::now_v7();
        user::ActiveModel {
            id: Set(id),
            // Never signs in: the address only keeps the column's uniqueness.
            email: Set(format!("{id}@service-account.invalid")),
            display_name: Set(name.clone()),
            role: Set(new.role.as_str().to_owned()),
            team_id: Set(None),
            timezone: Set(state.config.default_timezone.name().to_owned()),
            active: Set(true),
            kind: Set(crate::users::SERVICE.to_owned()),
            token_version: Set(0),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        service_account::ActiveModel {
            user_id: Set(id),
            scopes: Set(scopes.clone()),
            team_id: Set(new.team_id),
            description: Set(description.clone()),
            created_by: Set(viewer.user_id),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "service_account.created",
            subject_type: "ServiceAccount",
            subject_id: id,
            details: serde_json::json!({"name": name, "role": new.role.as_str(),
                "scopes": scopes, "teamId": new.team_id}),
        }
        .record(txn, now)
        .await?;
        Ok(id)
    })
    .await?
    .into_inner();
    get(&state.db, id).await
}

/// What an update changes; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ServiceAccountChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub scopes: Option<Vec<String>>,
    /// `Some(None)` sends its web-form leads to the pool.
    pub team_id: Option<Option<Uuid>>,
    pub description: Option<Option<String>>,
    /// `Some(false)` stops every key of the account at once.
    pub active: Option<bool>,
}

/// Changes an account at `expected_version`; its keys carry the change from their next request
/// (other instances within the sign-in cache's lifetime). Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`, `CONFLICT`.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: ServiceAccountChanges,
) -> AppResult<Account> {
    require_admin(viewer)?;
    let mut problems = crate::input::Problems::default();
    let name = changes
        .name
        .as_deref()
        .and_then(|name| problems.check(required_text(name, "input.name", 100)));
    let scopes = changes
        .scopes
        .as_deref()
        .and_then(|scopes| problems.check(check_scopes(scopes)));
    let description = changes.description.as_ref().and_then(|text| {
        problems.check(optional_text(
            text.as_deref(),
            "input.description",
            MAX_DESCRIPTION,
        ))
    });
    problems.finish()?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get(&txn, id).await.map_err(|e| e.naming("input.id"))?;
    versioned::check(expected_version, current.user.version)?;
    let mut changed = serde_json::Map::new();
    let mut person = user::ActiveModel {
        id: Set(id),
        version: Set(current.user.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(name) = name {
        changed.insert("name".into(), name.clone().into());
        person.display_name = Set(name);
    }
    if let Some(role) = changes.role {
        changed.insert("role".into(), role.as_str().into());
        person.role = Set(role.as_str().to_owned());
    }
    if let Some(active) = changes.active {
        changed.insert("active".into(), active.into());
        person.active = Set(active);
    }
    person.update(&txn).await?;
    let mut grants = service_account::ActiveModel {
        user_id: Set(id),
        ..Default::default()
    };
    if let Some(scopes) = scopes {
        changed.insert("scopes".into(), scopes.clone().into());
        grants.scopes = Set(scopes);
    }
    if let Some(team_id) = changes.team_id {
        check_team(&txn, team_id).await?;
        changed.insert("teamId".into(), serde_json::json!(team_id));
        grants.team_id = Set(team_id);
    }
    if let Some(description) = description {
        changed.insert("description".into(), description.clone().into());
        grants.description = Set(description);
    }
    if grants.is_changed() {
        grants.update(&txn).await?;
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "service_account.updated",
        subject_type: "ServiceAccount",
        subject_id: id,
        details: serde_json::Value::Object(changed),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    state.viewers.forget(id);
    get(&state.db, id).await
}

/// A key to make.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub service_account_id: Uuid,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub rate_limit_per_minute: Option<i32>,
}

/// Makes a key for an active account: the stored key and the key itself, shown this once (a
/// retry makes another key; revoke the one not kept). Errors: `FORBIDDEN`, `NOT_FOUND`
/// (`input.serviceAccountId`), `BAD_USER_INPUT`, `INVALID_STATE` (inactive account, too many
/// keys).
pub async fn create_key(
    state: &AppState,
    viewer: &Viewer,
    new: NewApiKey,
) -> AppResult<(api_key::Model, String)> {
    require_admin(viewer)?;
    let now = state.clock.now();
    let mut problems = crate::input::Problems::default();
    let name = problems.check(required_text(&new.name, "input.name", 100));
    if new.expires_at.is_some_and(|at| at <= now) {
        problems.check::<()>(Err(AppError::bad_input(
            "input.expiresAt",
            "A key must expire in the future",
        )));
    }
    let limit = new
        .rate_limit_per_minute
        .unwrap_or(state.config.api_keys.api_key_rate_per_minute);
    if !(1..=100_000).contains(&limit) {
        problems.check::<()>(Err(AppError::bad_input(
            "input.rateLimitPerMinute",
            "Between 1 and 100000 requests per minute",
        )));
    }
    problems.finish()?;
    let name = name.ok_or_else(AppError::internal)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let account = get(&txn, new.service_account_id)
        .await
        .map_err(|e| e.naming("input.serviceAccountId"))?;
    if !account.user.active {
        return Err(AppError::invalid_state(
            "The service account is deactivated; activate it first",
        ));
    }
    let live = ApiKeys::find()
        .filter(api_key::Column::ServiceAccountId.eq(account.user.id))
        .filter(api_key::Column::RevokedAt.is_null())
        .all(&txn)
        .await?
        .into_iter()
        .filter(|key| key.expires_at.is_none_or(|at| at > now))
        .count();
    if live >= MAX_LIVE_KEYS {
        return Err(AppError::invalid_state(format!(
            "An account holds at most {MAX_LIVE_KEYS} live keys; revoke one first"
        )));
    }
    let secret = format!("sg_{}", crate::auth::tokens::random_secret());
    let created = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        service_account_id: Set(account.user.id),
        name: Set(name.clone()),
        prefix: Set(secret.chars().take(PREFIX_CHARS).collect()),
        key_hash: Set(hash_key(&secret)),
        rate_limit_per_minute: Set(limit),
        window_started_at: Set(None),
        window_count: Set(0),
        last_used_at: Set(None),
        expires_at: Set(new.expires_at),
        revoked_at: Set(None),
        created_by: Set(viewer.user_id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "api_key.created",
        subject_type: "ServiceAccount",
        subject_id: account.user.id,
        details: serde_json::json!({"keyId": created.id, "name": name,
            "prefix": created.prefix, "rateLimitPerMinute": limit}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok((created, secret))
}

/// Revokes a key: its next request is refused. Revoking it again changes nothing. Errors:
/// `FORBIDDEN`, `NOT_FOUND` (`input.id`).
pub async fn revoke_key(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<api_key::Model> {
    require_admin(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let key = ApiKeys::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("API key").naming("input.id"))?;
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let revoked = api_key::ActiveModel {
        id: Set(id),
        revoked_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "api_key.revoked",
        subject_type: "ServiceAccount",
        subject_id: key.service_account_id,
        details: serde_json::json!({"keyId": id, "prefix": key.prefix}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(revoked)
}

/// The keys of these accounts, newest first (for the `apiKeys` field).
pub async fn keys_of(
    db: &impl ConnectionTrait,
    account_ids: &[Uuid],
) -> AppResult<Vec<api_key::Model>> {
    Ok(ApiKeys::find()
        .filter(api_key::Column::ServiceAccountId.is_in(account_ids.to_vec()))
        .order_by_desc(api_key::Column::Id)
        .all(db)
        .await?)
}
