//! Login throttling per account and per client address, kept in the database so that every
//! instance counts the same attempts.
//!
//! An attempt is written down *before* its password is checked, then the window's attempts
//! are counted with it: of any number of attempts racing on one account or address (on one
//! instance or several), the last one written sees every other, so no more than the limit are
//! ever let through to the password check. A refused attempt is taken back; a failed one stays
//! as a failure; a successful one is taken back and forgives the account's earlier failures,
//! while the address keeps its own count.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::config::Config;
use crate::error::{AppError, AppResult};
use entity::login_failure::{ActiveModel, Column, Entity};

/// The account recorded on failures an account has been forgiven: they still count against
/// their address, and against no account (a login always names a non-empty account).
const FORGIVEN: &str = "";

/// An attempt admitted to the password check; its row counts until [`Attempt::succeeded`].
#[derive(Debug)]
#[must_use = "an admitted attempt ends as a failure (its row stays) or a success"]
pub struct Attempt {
    id: Uuid,
    account: String,
}

/// Writes the attempt down, then refuses it (`RATE_LIMITED`, taking it back) when the
/// account or the client address already had its fill of attempts in the window.
pub async fn begin(
    db: &impl ConnectionTrait,
    config: &Config,
    account: &str,
    client: &str,
    now: DateTime<Utc>,
) -> AppResult<Attempt> {
    let id = Uuid::now_v7();
    ActiveModel {
        id: Set(id),
        account: Set(account.to_owned()),
        client_addr: Set(client.to_owned()),
        failed_at: Set(now),
    }
    .insert(db)
    .await?;
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
        // The count includes this attempt: up to `limit` earlier ones are allowed.
        let count = recent.clone().count(db).await?;
        if count > limit {
            Entity::delete_by_id(id).exec(db).await?;
            // The oldest attempts in the window expire first; retry when enough have.
            let oldest = recent
                .filter(Column::Id.ne(id))
                .order_by_asc(Column::FailedAt)
                .offset(count - 1 - limit)
                .one(db)
                .await?;
            let retry_at = oldest.map_or(now + window, |f| f.failed_at + window);
            return Err(AppError::rate_limited(
                (retry_at - now).num_seconds().max(0) + 1,
            ));
        }
    }
    Ok(Attempt {
        id,
        account: account.to_owned(),
    })
}

impl Attempt {
    /// The credentials were right: the attempt is taken back and the account's earlier
    /// failures are forgiven; the address's count is left as it is.
    pub async fn succeeded(self, db: &impl ConnectionTrait) -> AppResult<()> {
        Entity::delete_by_id(self.id).exec(db).await?;
        Entity::update_many()
            .col_expr(Column::Account, Expr::value(FORGIVEN))
            .filter(Column::Account.eq(self.account))
            .exec(db)
            .await?;
        Ok(())
    }

    /// The credentials were wrong: the attempt stays, counted as a failure.
    pub fn failed(self) {}
}
