//! Login throttling per account and per client address, kept in the database so that every
//! instance counts the same failures.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::config::Config;
use crate::error::{AppError, AppResult};
use entity::login_failure::{ActiveModel, Column, Entity};

/// Refuses the attempt when the account or the client address has failed too often lately.
pub async fn check(
    db: &impl ConnectionTrait,
    config: &Config,
    account: &str,
    client: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let window = Duration::seconds(config.login_window_secs);
    let since = now - window;
    for (column, value, limit) in [
        (
            Column::Account,
            account,
            config.login_max_failures_per_account,
        ),
        (
            Column::ClientAddr,
            client,
            config.login_max_failures_per_client,
        ),
    ] {
        let recent = Entity::find()
            .filter(column.eq(value))
            .filter(Column::FailedAt.gt(since));
        let count = recent.clone().count(db).await?;
        if count >= limit {
            // The oldest failures in the window expire first; retry when enough have.
            let skip = count - limit;
            let oldest = recent
                .order_by_asc(Column::FailedAt)
                .offset(skip)
                .one(db)
                .await?;
            let retry_at = oldest.map_or(now + window, |f| f.failed_at + window);
            return Err(AppError::rate_limited((retry_at - now).num_seconds() + 1));
        }
    }
    Ok(())
}

pub async fn record_failure(
    db: &impl ConnectionTrait,
    account: &str,
    client: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    ActiveModel {
        id: Set(Uuid::now_v7()),
        account: Set(account.to_owned()),
        client_addr: Set(client.to_owned()),
        failed_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A successful login forgives the account's earlier failures (not the address's).
pub async fn clear_account(db: &impl ConnectionTrait, account: &str) -> AppResult<()> {
    Entity::delete_many()
        .filter(Column::Account.eq(account))
        .exec(db)
        .await?;
    Ok(())
}
