//! Idempotency keys: a phone may retry a mutation; the same key with the same input replays
//! the first result with no new effect, with different input it is refused.
//!
//! The key row commits in the same transaction as the business write, so a retry either sees
//! both or neither.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set,
};
use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult, ErrorCode, is_unique_violation};
use entity::idempotency_key::{ActiveModel, Column, Entity};

pub const MAX_KEY_CHARS: usize = 128;

/// One idempotent call: who, which operation, which key, and a fingerprint of the input.
#[derive(Debug, Clone)]
pub struct IdempotentCall {
    pub user_id: Uuid,
    pub operation: &'static str,
    pub key: Option<String>,
    pub fingerprint: String,
}

impl IdempotentCall {
    /// `input` is what makes two calls "the same"; leave secrets out of it.
    pub fn new(
        user_id: Uuid,
        operation: &'static str,
        key: Option<String>,
        input: &impl Serialize,
    ) -> AppResult<Self> {
        if let Some(key) = &key
            && (key.is_empty() || key.chars().count() > MAX_KEY_CHARS)
        {
            return Err(AppError::bad_input(
                "input.idempotencyKey",
                format!("An idempotency key has 1 to {MAX_KEY_CHARS} characters"),
            ));
        }
        let canonical = serde_json::to_vec(input).map_err(|_| AppError::internal())?;
        let mut hasher = Sha256::new();
        hasher.update(operation.as_bytes());
        hasher.update([0]);
        hasher.update(&canonical);
        Ok(Self {
            user_id,
            operation,
            key,
            fingerprint: format!("{:x}", hasher.finalize()),
        })
    }
}

/// What an idempotent run produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    /// The work ran now.
    Fresh(T),
    /// An earlier call with the same key did the work; this is its result.
    Replayed(T),
}

impl<T> Outcome<T> {
    /// The result, fresh or replayed.
    pub fn into_inner(self) -> T {
        match self {
            Self::Fresh(value) | Self::Replayed(value) => value,
        }
    }

    /// The result, fresh or replayed, borrowed.
    pub fn value(&self) -> &T {
        match self {
            Self::Fresh(value) | Self::Replayed(value) => value,
        }
    }

    /// The same outcome around another result.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Self::Fresh(value) => Outcome::Fresh(f(value)),
            Self::Replayed(value) => Outcome::Replayed(f(value)),
        }
    }
}

/// How an idempotent call starts: with the earlier result, or with a transaction to do the work
/// in.
pub enum Start<T> {
    /// An earlier call with the same key did the work; this is its result.
    Replayed(T),
    /// Do the work in `guard.txn()`, then [`Guard::commit`].
    Fresh(Guard),
}

/// An open transaction for an idempotent call; dropping it rolls the work back.
pub struct Guard {
    txn: DatabaseTransaction,
    call: IdempotentCall,
    /// The id of the claimed key row, when the call has a key.
    claim: Option<Uuid>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

/// Begins an idempotent call: replays a stored result, or opens the transaction for the work.
/// The key is claimed at once, inside that transaction: a concurrent call with the same key
/// waits on the key's unique index until this one commits (then replays its result) or rolls
/// back (then does the work itself). Errors: `IDEMPOTENCY_KEY_REUSED`.
pub async fn start<T: DeserializeOwned>(
    db: &DatabaseConnection,
    call: &IdempotentCall,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Start<T>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(previous) = stored(&txn, call).await? {
        return Ok(Start::Replayed(previous));
    }
    let mut claim = None;
    if let Some(key) = &call.key {
        let id = Uuid::now_v7();
        let inserted = ActiveModel {
            id: Set(id),
            user_id: Set(call.user_id),
            key: Set(key.clone()),
            operation: Set(call.operation.to_owned()),
            request_hash: Set(call.fingerprint.clone()),
            response: Set(String::new()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await;
        match inserted {
            Ok(_) => claim = Some(id),
            Err(err) if is_unique_violation(&err) => {
                txn.rollback().await?;
                return stored(db, call)
                    .await?
                    .map(Start::Replayed)
                    .ok_or_else(AppError::internal);
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(Start::Fresh(Guard {
        txn,
        call: call.clone(),
        claim,
    }))
}

impl Guard {
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Stores `result` under the claimed key and commits the work with it; gives `result` back.
    pub async fn commit<T: Serialize>(self, result: T) -> AppResult<T> {
        let Guard { txn, claim, .. } = self;
        if let Some(id) = claim {
            let response = serde_json::to_string(&result).map_err(|_| AppError::internal())?;
            Entity::update_many()
                .col_expr(Column::Response, sea_orm::sea_query::Expr::value(response))
                .filter(Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(result)
    }
}

/// Runs `work` at most once per key: in a fresh transaction that also claims the key and
/// stores what `work` returns, committed together; or not at all when an earlier call with the
/// same key did it, whose result is replayed. `work` returns what a replay must see again (an
/// id, as a rule: the caller reloads the record after either outcome). Errors: those of `work`,
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn run<T, W>(
    db: &DatabaseConnection,
    call: &IdempotentCall,
    now: chrono::DateTime<chrono::Utc>,
    work: W,
) -> AppResult<Outcome<T>>
where
    T: Serialize + DeserializeOwned,
    W: AsyncFnOnce(&DatabaseTransaction) -> AppResult<T>,
{
    match start::<T>(db, call, now).await? {
        Start::Replayed(previous) => Ok(Outcome::Replayed(previous)),
        Start::Fresh(guard) => {
            let result = work(guard.txn()).await?;
            guard.commit(result).await.map(Outcome::Fresh)
        }
    }
}

async fn stored<T: DeserializeOwned>(
    db: &impl sea_orm::ConnectionTrait,
    call: &IdempotentCall,
) -> AppResult<Option<T>> {
    let Some(key) = &call.key else {
        return Ok(None);
    };
    let Some(row) = Entity::find()
        .filter(Column::UserId.eq(call.user_id))
        .filter(Column::Key.eq(key.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.request_hash != call.fingerprint {
        return Err(AppError::new(
            ErrorCode::IdempotencyKeyReused,
            "This idempotency key was already used with a different request",
        )
        .with_field("input.idempotencyKey"));
    }
    serde_json::from_str(&row.response)
        .map(Some)
        .map_err(|_| AppError::internal())
}

/// Errors `DUPLICATE` on `input.clientId` when a row of `E` already has the id a client chose
/// for a new record. (A retried create carrying that id is answered by its idempotency key,
/// made of the id when the client sent none, before this is asked.)
pub async fn check_client_id<E>(
    db: &impl sea_orm::ConnectionTrait,
    client_id: Option<Uuid>,
) -> AppResult<()>
where
    E: sea_orm::EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let Some(id) = client_id else { return Ok(()) };
    if E::find_by_id(id).one(db).await?.is_some() {
        return Err(AppError::duplicate(
            "input.clientId",
            "This client id names another record; generate a new one",
        ));
    }
    Ok(())
}
