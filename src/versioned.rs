//! Optimistic concurrency: a row carries a `version`; a change is written only while the row is
//! still at the version the client last saw, so an offline edit never silently overwrites a
//! newer one. Every versioned update ends the same way: guarded write, `CONFLICT`, audit, reload.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, PrimaryKeyTrait};
use uuid::Uuid;

use crate::error::{AppError, AppResult, is_unique_violation};

/// An entity whose rows carry `id`, `version` and `updated_at`.
pub trait Versioned: EntityTrait {
    /// The primary key column.
    const ID: Self::Column;
    /// The optimistic-concurrency counter, raised by one on every write.
    const VERSION: Self::Column;
    /// When the row last changed.
    const UPDATED_AT: Self::Column;
}

macro_rules! versioned {
    ($($module:ident),+ $(,)?) => {
        $(impl Versioned for entity::$module::Entity {
            const ID: Self::Column = entity::$module::Column::Id;
            const VERSION: Self::Column = entity::$module::Column::Version;
            const UPDATED_AT: Self::Column = entity::$module::Column::UpdatedAt;
        })+
    };
}

versioned!(
    activity,
    campaign,
    contact,
    customer,
    lead,
    opportunity,
    order,
    price_book,
    product,
    product_line,
    quote,
    sales_target,
    team,
    user,
    visit_task,
    webhook
);

/// Which row a versioned write applies to, and at which version.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The row's id.
    pub id: Uuid,
    /// The version the caller last saw: the write applies only while the row is still there.
    pub expected: i32,
    /// The version the row had when the change was prepared; a `CONFLICT` names the one after.
    pub current: i32,
    /// What a unique-index violation means for this write (a taken name, say); a database
    /// error otherwise.
    pub on_duplicate: Option<fn() -> AppError>,
}

impl Target {
    /// A write to row `id`, expected at `expected`, read at `current`.
    pub fn new(id: Uuid, expected: i32, current: i32) -> Self {
        Self {
            id,
            expected,
            current,
            on_duplicate: None,
        }
    }

    /// The same write, where a unique-index violation answers `duplicate()`.
    pub fn on_duplicate(self, duplicate: fn() -> AppError) -> Self {
        Self {
            on_duplicate: Some(duplicate),
            ..self
        }
    }

    fn refused(&self, err: DbErr) -> AppError {
        match self.on_duplicate {
            Some(duplicate) if is_unique_violation(&err) => duplicate(),
            _ => err.into(),
        }
    }
}

/// Writes `changes` with the next version and `updated_at = now`, while the row is still at
/// `target.expected`. Errors: `CONFLICT` (someone changed it first), or the target's duplicate.
pub async fn write<E>(
    db: &impl ConnectionTrait,
    target: Target,
    mut changes: E::ActiveModel,
    now: DateTime<Utc>,
) -> AppResult<()>
where
    E: Versioned,
    E::ActiveModel: ActiveModelTrait<Entity = E>,
{
    changes.set(E::VERSION, (target.current + 1).into());
    changes.set(E::UPDATED_AT, now.into());
    let written = crate::db::update_if_version::<E>(
        db,
        changes,
        E::ID,
        target.id,
        E::VERSION,
        target.expected,
    )
    .await
    .map_err(|err| target.refused(err))?;
    if written {
        Ok(())
    } else {
        Err(AppError::conflict(target.current + 1))
    }
}

/// [`write`], then records `audit` in the same transaction and gives the saved row back.
pub async fn save<E>(
    db: &impl ConnectionTrait,
    target: Target,
    changes: E::ActiveModel,
    audit: crate::audit::Entry<'_>,
    now: DateTime<Utc>,
) -> AppResult<E::Model>
where
    E: Versioned,
    E::ActiveModel: ActiveModelTrait<Entity = E>,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    write::<E>(db, target, changes, now).await?;
    audit.record(db, now).await?;
    E::find_by_id(target.id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// The row `id` of `E` for a versioned update: `NOT_FOUND` (naming `what`) when there is none,
/// `CONFLICT` when it is no longer at the `expected` version.
pub async fn current<E>(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected: i32,
    what: &str,
) -> AppResult<E::Model>
where
    E: Versioned,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    use sea_orm::ModelTrait;
    let model = E::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(what))?;
    let sea_orm::Value::Int(Some(version)) = model.get(E::VERSION) else {
        return Err(AppError::internal());
    };
    check(expected, version)?;
    Ok(model)
}

/// The caller's `expected` version is the row's `current` one. Errors: `CONFLICT` naming the
/// row's version.
pub fn check(expected: i32, current: i32) -> AppResult<()> {
    if expected == current {
        Ok(())
    } else {
        Err(AppError::conflict(current))
    }
}
