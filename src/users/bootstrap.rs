//! The first admin of a new deployment.

use sea_orm::{EntityTrait, PaginatorTrait};

use crate::auth::tokens;
use crate::error::AppResult;
use crate::identity::Role;
use crate::state::AppState;

/// With no users at all, creates the first admin (printing a generated password once).
pub async fn ensure_admin(state: &AppState) -> AppResult<()> {
    if entity::user::Entity::find().count(&state.db).await? > 0 {
        return Ok(());
    }
    let (password, generated) = match state.config.admin_password.clone() {
        Some(password) if !password.is_empty() => (password, false),
        _ => (tokens::random_secret(), true),
    };
    let email = state.config.admin_email.clone();
    let created = super::service::insert_user(
        state,
        super::service::NewUser {
            email: email.clone(),
            display_name: "Administrator".to_owned(),
            role: Role::Admin,
            password: password.clone(),
            team_id: None,
            timezone: None,
        },
    )
    .await;
    match created {
        Ok(_) if generated => {
            // Printed, not logged: it must reach the operator exactly once, whatever the log level.
            println!("Created the first admin {email} with the generated password: {password}");
            Ok(())
        }
        Ok(_) => {
            tracing::info!(%email, "created the first admin");
            Ok(())
        }
        // Another instance bootstrapped concurrently.
        Err(err) if err.code == crate::error::ErrorCode::Duplicate => Ok(()),
        Err(err) => Err(err),
    }
}
