//! Commands run on a person's behalf (exports and imports on the command line): the viewer of
//! the active person an e-mail names.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::service::load_viewer_record;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::input::Email;
use crate::state::AppState;
use entity::user::{self, Entity as Users};

/// The viewer of the active person with `email`, for commands run on their behalf (exports and
/// imports on the command line). Errors: `BAD_USER_INPUT` on `field`.
pub async fn viewer_for_email(state: &AppState, email: &str, field: &str) -> AppResult<Viewer> {
    let email = Email::normalize(email);
    let user = Users::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .filter(user::Column::Kind.eq(crate::identity::PERSON))
        .one(&state.db)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::bad_input(field, "No active user has this e-mail"))?;
    Ok(
        load_viewer_record(&state.db, user.id, state.config.default_timezone)
            .await?
            .ok_or_else(AppError::internal)?
            .viewer,
    )
}
