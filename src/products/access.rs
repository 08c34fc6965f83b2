//! Who may write the catalogue: admins.

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
