//! Who may write the catalogue (admins), and the clash check of its unique names and codes.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;

/// `FORBIDDEN` unless `viewer` is an admin.
pub(super) fn require_admin(viewer: &Viewer) -> AppResult<()> {
    if viewer.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Whether a record of `E` other than `id` already holds `key` in `key_column`: a rename
/// that would clash with another's unique name or code.
pub async fn key_held_by_another<E: EntityTrait>(
    db: &impl ConnectionTrait,
    key_column: E::Column,
    id_column: E::Column,
    key: &str,
    id: Uuid,
) -> AppResult<bool> {
    Ok(E::find()
        .filter(key_column.eq(key))
        .filter(id_column.ne(id))
        .one(db)
        .await?
        .is_some())
}
