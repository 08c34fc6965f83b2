//! Batch loaders for users and teams nested under other objects: one query per level.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use entity::{team, user};

/// Loads users by id (for fields of records the viewer already sees).
pub struct UserLoader(pub DatabaseConnection);

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::users_by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect())
    }
}

/// Loads teams by id.
pub struct TeamLoader(pub DatabaseConnection);

impl Loader<Uuid> for TeamLoader {
    type Value = team::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::teams_by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect())
    }
}

/// A user by id through the request's loader (for fields of records the viewer already sees).
pub async fn user(
    ctx: &async_graphql::Context<'_>,
    id: Uuid,
) -> async_graphql::Result<Option<crate::users::types::User>> {
    let loader = ctx.loader::<UserLoader>()?;
    Ok(loader
        .load_one(id)
        .await?
        .map(crate::users::types::User::from))
}
