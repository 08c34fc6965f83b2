//! Batch loaders of approval requests and their steps.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::error::AppError;
use entity::{approval_request, approval_step};

/// Steps of many requests in one query, in order.
pub struct StepsByRequest(pub DatabaseConnection);

impl Loader<Uuid> for StepsByRequest {
    type Value = Vec<approval_step::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut grouped: HashMap<Uuid, Vec<approval_step::Model>> = HashMap::new();
        for step in service::steps_of(&self.0, keys).await? {
            grouped.entry(step.request_id).or_default().push(step);
        }
        Ok(grouped)
    }
}

/// The newest request of many subjects (under subjects the viewer already sees).
pub struct LatestRequestBySubject(pub DatabaseConnection);

impl Loader<Uuid> for LatestRequestBySubject {
    type Value = approval_request::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::latest_of_subjects(&self.0, keys)
            .await?
            .into_iter()
            .map(|r| (r.subject_id, r))
            .collect())
    }
}
