//! The API keys of service accounts (admins read them all).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::AppError;
use entity::api_key;

/// Service accounts by id.
pub struct AccountLoader(pub DatabaseConnection);

impl Loader<Uuid> for AccountLoader {
    type Value = super::service::Account;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(super::service::accounts_by_ids(&self.0, keys)
            .await?
            .into_iter()
            .map(|a| (a.user.id, a))
            .collect())
    }
}

/// The keys of accounts, newest first.
pub struct KeysByAccount(pub DatabaseConnection);

impl Loader<Uuid> for KeysByAccount {
    type Value = Vec<api_key::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut by_account: HashMap<Uuid, Self::Value> = HashMap::new();
        for key in super::service::keys_of(&self.0, keys).await? {
            by_account
                .entry(key.service_account_id)
                .or_default()
                .push(key);
        }
        Ok(by_account)
    }
}
