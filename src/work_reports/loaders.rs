//! Batch loader of reports' comments.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::AppError;
use entity::work_report_comment;

/// Comments by report, oldest first. Callers load only reports they may see.
pub struct CommentsByReport(pub DatabaseConnection);

impl Loader<Uuid> for CommentsByReport {
    type Value = Vec<work_report_comment::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        super::service::comments_of(&self.0, keys).await
    }
}
