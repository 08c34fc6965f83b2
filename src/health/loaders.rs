//! The batch loader of customer health facts: one set of grouped statements per batch.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::rules::{Facts, HealthRules};
use crate::error::AppError;

/// The rules in force and each customer's facts at `now` (the request's start).
pub struct HealthLoader {
    pub db: DatabaseConnection,
    pub now: DateTime<Utc>,
}

impl Loader<Uuid> for HealthLoader {
    type Value = (Arc<HealthRules>, Facts);
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rules = Arc::new(super::store::rules(&self.db).await?);
        let facts = super::facts::gather(&self.db, &rules, keys, self.now).await?;
        Ok(facts
            .into_iter()
            .map(|(id, facts)| (id, (rules.clone(), facts)))
            .collect())
    }
}
