//! Authentication operations: login, token refresh and rotation, logout, password change,
//! and resolving a bearer token into a [`Viewer`].

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::cache::ViewerRecord;
use super::passwords;
use super::throttle;
use super::tokens;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::identity::{Role, Viewer};
use crate::input::Email;
use crate::state::AppState;
use entity::refresh_token::{self, Entity as RefreshTokens};
use entity::user::{self, Entity as Users};
use entity::user_credential;

/// A signed-in session as handed to a client.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub user: user::Model,
}

fn invalid_credentials() -> AppError {
    AppError::new(ErrorCode::Unauthenticated, "Invalid email or password")
}

fn invalid_refresh_token() -> AppError {
    AppError::new(
        ErrorCode::Unauthenticated,
        "The refresh token is invalid, expired or revoked; sign in again",
    )
}

/// A caller resolved from a bearer token.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub viewer: Viewer,
    /// What the token was issued as: checked again while a WebSocket stays open.
    pub token_version: i32,
    pub session: Option<Uuid>,
}

/// Resolves a bearer token into the caller: the account active at the token's version, and
/// its session still signed in. A session this instance has not seen yet (signed in through
/// another instance since the cache was filled) is looked up once more before refusing.
/// Errors: `UNAUTHENTICATED`.
pub async fn authenticate(state: &AppState, bearer: &str) -> AppResult<Authenticated> {
    let claims = state.jwt.verify(bearer, state.clock.now())?;
    let mut record = current_record(state, claims.sub)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    if record.active && record.token_version == claims.ver && !record.admits(claims.ver, claims.sid)
    {
        state.viewers.forget(claims.sub);
        record = current_record(state, claims.sub)
            .await?
            .ok_or_else(AppError::unauthenticated)?;
    }
    if !record.admits(claims.ver, claims.sid) {
        return Err(AppError::new(
            ErrorCode::Unauthenticated,
            "The access token has been revoked; sign in again",
        ));
    }
    Ok(Authenticated {
        viewer: record.viewer,
        token_version: claims.ver,
        session: claims.sid,
    })
}

/// The account of `user_id` as it stands now, through the per-instance viewer cache; `None`
/// when it does not exist.
pub async fn current_record(state: &AppState, user_id: Uuid) -> AppResult<Option<ViewerRecord>> {
    if let Some(record) = state.viewers.get(user_id) {
        return Ok(Some(record));
    }
    let Some(mut record) =
        load_viewer_record(&state.db, user_id, state.config.default_timezone).await?
    else {
        return Ok(None);
    };
    record.live_sessions = live_sessions(&state.db, user_id, state.clock.now()).await?;
    state.viewers.put(user_id, record.clone());
    Ok(Some(record))
}

/// The user's sessions with a refresh token neither revoked nor expired at `now`.
async fn live_sessions(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    let mut families: Vec<Uuid> = RefreshTokens::find()
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .all(db)
        .await?
        .into_iter()
        .map(|token| token.family_id)
        .collect();
    families.sort_unstable();
    families.dedup();
    Ok(families)
}

/// Reads what authentication needs about a user: role, teams managed, time zone (sessions are
/// [`current_record`]'s).
pub async fn load_viewer_record(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    default_timezone: chrono_tz::Tz,
) -> AppResult<Option<ViewerRecord>> {
    let Some(user) = Users::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    let managed_team_ids = entity::team::Entity::find()
        .filter(entity::team::Column::ManagerId.eq(user.id))
        .all(db)
        .await?
        .into_iter()
        .map(|team| team.id)
        .collect();
    let team_manager_id = match user.team_id {
        Some(team) => entity::team::Entity::find_by_id(team)
            .one(db)
            .await?
            .and_then(|team| team.manager_id),
        None => None,
    };
    let role = Role::parse(&user.role).ok_or_else(AppError::internal)?;
    let timezone = user.timezone.parse().unwrap_or(default_timezone);
    let service = if user.kind == crate::identity::SERVICE {
        let account = entity::service_account::Entity::find_by_id(user.id)
            .one(db)
            .await?
            .ok_or_else(AppError::internal)?;
        Some(std::sync::Arc::new(crate::identity::ServiceAccess {
            scopes: account
                .scopes
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            intake_team_id: account.team_id,
        }))
    } else {
        None
    };
    Ok(Some(ViewerRecord {
        viewer: Viewer {
            user_id: user.id,
            role,
            team_id: user.team_id,
            managed_team_ids,
            team_manager_id,
            timezone,
            service,
        },
        active: user.active,
        token_version: user.token_version,
        live_sessions: Vec::new(),
    }))
}

/// Signs in with e-mail and password. Unknown e-mail, wrong password and deactivated account
/// answer alike. Errors: `UNAUTHENTICATED`, `RATE_LIMITED`.
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    client_addr: &str,
) -> AppResult<Session> {
    let now = state.clock.now();
    let account = Email::normalize(email);
    let attempt = throttle::begin(&state.db, &state.config, &account, client_addr, now).await?;

    let user = Users::find()
        .filter(user::Column::Email.eq(account.as_str()))
        .one(&state.db)
        .await?;
    let stored_hash = match &user {
        Some(user) => password_hash(&state.db, user.id).await?,
        None => None,
    }
    .unwrap_or_else(|| state.dummy_password_hash.clone());
    let matches = passwords::verify(password.to_owned(), stored_hash).await?;
    let user = match user {
        Some(user) if matches && user.active => user,
        _ => {
            attempt.failed();
            return Err(invalid_credentials());
        }
    };

    let txn = crate::db::begin_write(&state.db).await?;
    attempt.succeeded(&txn).await?;
    let session = issue_session(state, &txn, user, Uuid::now_v7(), now).await?;
    txn.commit().await?;
    Ok(session)
}

/// The password hash stored for `user_id` (the only read of a credential column outside the
/// refresh-token check).
async fn password_hash(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Option<String>> {
    Ok(user_credential::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|credential| credential.password_hash))
}

/// Creates a refresh token in `family` and a matching access token.
async fn issue_session(
    state: &AppState,
    txn: &DatabaseTransaction,
    user: user::Model,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Session> {
    let refresh_token = tokens::random_secret();
    insert_refresh_token(state, txn, user.id, family_id, now, &refresh_token).await?;
    session_with(state, user, family_id, refresh_token, now)
}

/// A fresh access token for `user` in session `family_id`, packed with `refresh_token`.
fn session_with(
    state: &AppState,
    user: user::Model,
    family_id: Uuid,
    refresh_token: String,
    now: DateTime<Utc>,
) -> AppResult<Session> {
    let access_token_expires_at = now + Duration::seconds(state.config.access_token_ttl_secs);
    let access_token = state.jwt.issue(
        user.id,
        user.token_version,
        Some(family_id),
        now,
        access_token_expires_at,
    )?;
    Ok(Session {
        access_token,
        access_token_expires_at,
        refresh_token,
        user,
    })
}

/// Stores `secret` (as its hash) as a new refresh token of `family_id`; returns its row id.
async fn insert_refresh_token(
    state: &AppState,
    txn: &DatabaseTransaction,
    user_id: Uuid,
    family_id: Uuid,
    now: DateTime<Utc>,
    secret: &str,
) -> Result<Uuid, sea_orm::DbErr> {
    let id = Uuid::now_v7();
    refresh_token::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(tokens::hash_refresh_token(secret)),
        expires_at: Set(now + Duration::days(state.config.refresh_token_ttl_days)),
        created_at: Set(now),
        rotated_at: Set(None),
        replaced_by: Set(None),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(id)
}

/// Exchanges a refresh token for a new pair, rotating it.
///
/// A token's successor is derived from the token itself ([`tokens::SuccessorKey`]), so
/// presenting a rotated token again within the grace window (a response lost on a flaky
/// network) answers with that same successor and a fresh access token, as long as the
/// successor is unused. The family never forks: whoever replays a token within the window gets
/// exactly what the real user holds, and the first of them to use it spends it for both, so
/// the other's next refresh is a reuse. Presenting a rotated token after the window, or once
/// its successor was used, revokes the whole family. Errors: `UNAUTHENTICATED`.
pub async fn refresh(state: &AppState, presented: &str) -> AppResult<Session> {
    // Two first rotations of one token at once insert the same successor: the one refused by
    // the unique hash finds the rotation done and answers as a retry.
    match rotate(state, presented).await? {
        Some(session) => Ok(session),
        None => rotate(state, presented)
            .await?
            .ok_or_else(invalid_refresh_token),
    }
}

/// One attempt of [`refresh`]; `None` when a concurrent rotation of the same token won.
async fn rotate(state: &AppState, presented: &str) -> AppResult<Option<Session>> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let Some(token) = RefreshTokens::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash_refresh_token(presented)))
        .one(&txn)
        .await?
    else {
        return Err(invalid_refresh_token());
    };
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(invalid_refresh_token());
    }
    let user = Users::find_by_id(token.user_id).one(&txn).await?;
    let Some(user) = user.filter(|u| u.active) else {
        revoke_family(&txn, token.family_id, now).await?;
        txn.commit().await?;
        return Err(invalid_refresh_token());
    };
    let successor_secret = state.refresh_successors.successor_of(presented);

    if let Some(rotated_at) = token.rotated_at {
        let within_grace =
            now - rotated_at <= Duration::seconds(state.config.refresh_reuse_grace_secs);
        let successor = match token.replaced_by {
            Some(id) => RefreshTokens::find_by_id(id).one(&txn).await?,
            None => None,
        };
        let same_unused_successor = successor.is_some_and(|s| {
            s.rotated_at.is_none()
                && s.revoked_at.is_none()
                && s.expires_at > now
                && s.token_hash == tokens::hash_refresh_token(&successor_secret)
        });
        if within_grace && same_unused_successor {
            txn.rollback().await?;
            return session_with(state, user, token.family_id, successor_secret, now).map(Some);
        }
        tracing::warn!(family = %token.family_id, "refresh token reuse; revoking the family");
        revoke_family(&txn, token.family_id, now).await?;
        txn.commit().await?;
        return Err(invalid_refresh_token());
    }

    let successor_id = match insert_refresh_token(
        state,
        &txn,
        user.id,
        token.family_id,
        now,
        &successor_secret,
    )
    .await
    {
        Ok(id) => id,
        Err(err) if crate::error::is_unique_violation(&err) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    // Only one rotation of the same token stands.
    let updated = RefreshTokens::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(Some(now)))
        .col_expr(
            refresh_token::Column::ReplacedBy,
            Expr::value(Some(successor_id)),
        )
        .filter(refresh_token::Column::Id.eq(token.id))
        .filter(refresh_token::Column::ReplacedBy.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    txn.commit().await?;
    session_with(state, user, token.family_id, successor_secret, now).map(Some)
}

/// Revokes the still-valid refresh tokens matching `which`.
async fn revoke_where(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
    now: DateTime<Utc>,
) -> AppResult<()> {
    RefreshTokens::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(which)
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn revoke_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    revoke_where(db, refresh_token::Column::FamilyId.eq(family_id), now).await
}

/// Ends the session the refresh token belongs to. Unknown tokens are ignored, so the answer
/// never tells whether a token existed.
pub async fn logout(state: &AppState, presented: &str) -> AppResult<()> {
    let token = RefreshTokens::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash_refresh_token(presented)))
        .one(&state.db)
        .await?;
    if let Some(token) = token {
        revoke_family(&state.db, token.family_id, state.clock.now()).await?;
        // The session's access tokens stop here at once, elsewhere within the cache window.
        state.viewers.forget(token.user_id);
    }
    Ok(())
}

/// Revokes every session of a user: refresh tokens now, access tokens through the version bump
/// the caller makes in the same transaction.
pub async fn revoke_all_sessions(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    revoke_where(db, refresh_token::Column::UserId.eq(user_id), now).await
}

/// Changes the caller's password, signs out every other session and returns a fresh one.
/// Errors: `BAD_USER_INPUT` (wrong current password, weak new one), `RATE_LIMITED`.
pub async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    current_password: &str,
    new_password: &str,
    client_addr: &str,
) -> AppResult<Session> {
    let now = state.clock.now();
    let user = Users::find_by_id(viewer.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    passwords::validate_policy(
        new_password,
        "input.newPassword",
        state.config.password_min_chars,
        &[&user.email, &user.display_name],
    )?;
    let attempt = throttle::begin(&state.db, &state.config, &user.email, client_addr, now).await?;
    let stored_hash = password_hash(&state.db, user.id)
        .await?
        .unwrap_or_else(|| state.dummy_password_hash.clone());
    if !passwords::verify(current_password.to_owned(), stored_hash).await? {
        attempt.failed();
        return Err(AppError::bad_input(
            "input.currentPassword",
            "The current password is wrong",
        ));
    }
    let hash = passwords::hash(state.hasher, new_password.to_owned()).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    attempt.succeeded(&txn).await?;
    revoke_all_sessions(&txn, user.id, now).await?;
    user_credential::ActiveModel {
        user_id: Set(user.id),
        password_hash: Set(hash),
        updated_at: Set(now),
    }
    .update(&txn)
    .await?;
    let updated = user::ActiveModel {
        id: Set(user.id),
        token_version: Set(user.token_version + 1),
        version: Set(user.version + 1),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "user.password_changed",
        subject_type: "User",
        subject_id: user.id,
        details: serde_json::json!({}),
    }
    .record(&txn, now)
    .await?;
    let session = issue_session(state, &txn, updated, Uuid::now_v7(), now).await?;
    txn.commit().await?;
    state.viewers.forget(user.id);
    Ok(session)
}
