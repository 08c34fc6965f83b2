//! The checks every users service runs: the caller is an admin, a display name is well-formed.

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;

pub(super) fn parse_display_name(name: &str, field: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::bad_input(field, "A name has 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

pub(super) fn require_admin(viewer: &Viewer) -> AppResult<()> {
    if viewer.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}
