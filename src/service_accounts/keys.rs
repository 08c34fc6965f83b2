//! Calling with an API key: `Authorization: Bearer sg_…`. One statement finds the key by its
//! hash, refuses it when revoked or expired, counts the request in the key's one-minute window
//! and notes when it was last used; every instance counts in the same row, so the limit holds
//! across instances. The caller is the key's service account, as sign-in caches it.

use chrono::Duration;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::auth::service::{Authenticated, current_record};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use entity::api_key::{self, Column};

/// What every key starts with.
pub const KEY_PREFIX: &str = "sg_";
/// The length of a request window.
const WINDOW_SECS: i64 = 60;

fn refused() -> AppError {
    AppError::new(
        ErrorCode::Unauthenticated,
        "The API key is invalid, expired or revoked",
    )
}

/// Resolves an API key into its service account, counting the request against the key's
/// limit. Errors: `UNAUTHENTICATED` (unknown, revoked or expired key, deactivated account),
/// `RATE_LIMITED` (with the seconds until the window ends).
pub async fn authenticate(state: &AppState, key: &str) -> AppResult<Authenticated> {
    let now = state.clock.now();
    let window_over = Expr::col(Column::WindowStartedAt)
        .is_null()
        .or(Expr::col(Column::WindowStartedAt).lte(now - Duration::seconds(WINDOW_SECS)));
    let update = Query::update()
        .table(api_key::Entity)
        .value(
            Column::WindowCount,
            Expr::case(window_over.clone(), Expr::val(1_i32))
                .finally(Expr::col(Column::WindowCount).add(1_i32)),
        )
        .value(
            Column::WindowStartedAt,
            Expr::case(window_over, Expr::val(now)).finally(Expr::col(Column::WindowStartedAt)),
        )
        .value(Column::LastUsedAt, now)
        .and_where(Expr::col(Column::KeyHash).eq(super::service::hash_key(key)))
        .and_where(Expr::col(Column::RevokedAt).is_null())
        .and_where(
            Expr::col(Column::ExpiresAt)
                .is_null()
                .or(Expr::col(Column::ExpiresAt).gt(now)),
        )
        .returning_all()
        .to_owned();
    let row = state.db.query_one(&update).await?.ok_or_else(refused)?;
    let key = api_key::Model::from_query_result(&row, "")?;
    if key.window_count > key.rate_limit_per_minute {
        let ends = key.window_started_at.unwrap_or(now) + Duration::seconds(WINDOW_SECS);
        return Err(AppError {
            message: "Too many requests for this API key; retry later".into(),
            ..AppError::rate_limited((ends - now).num_seconds() + 1)
        });
    }
    let record = current_record(state, key.service_account_id)
        .await?
        .filter(|record| record.active && record.viewer.service.is_some())
        .ok_or_else(refused)?;
    Ok(Authenticated {
        token_version: record.token_version,
        viewer: record.viewer,
        session: None,
    })
}
