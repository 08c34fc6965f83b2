//! Batch loaders of approval requests and their steps.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::error::AppError;
use crate::graphql::batch;
use entity::{approval_request, approval_step};

/// Steps of many requests in one query, in order.
pub struct StepsByRequest(pub DatabaseConnection);

impl Loader<Uuid> for StepsByRequest {
    type Value = Vec<approval_step::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::grouped(
            service::steps_of(&self.0, keys).await?,
            |s| s.request_id,
        ))
    }
}

/// The newest request of many subjects (under subjects the viewer already sees).
pub struct LatestRequestBySubject(pub DatabaseConnection);

impl Loader<Uuid> for LatestRequestBySubject {
    type Value = approval_request::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::keyed(
            service::latest_of_subjects(&self.0, keys).await?,
            |r| r.subject_id,
        ))
    }
}

/// Requests by id, as far as the viewer may see them.
pub struct RequestLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<crate::identity::Viewer>,
}

impl Loader<Uuid> for RequestLoader {
    type Value = approval_request::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = &self.viewer else {
            return Ok(HashMap::new());
        };
        Ok(batch::keyed(
            super::access::visible_requests(&self.db, viewer, keys).await?,
            |r| r.id,
        ))
    }
}
