//! Batch loaders of the management reports.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::AppError;
use entity::forecast_adjustment;

/// The adjustments of many forecast submissions in one statement, oldest first.
pub struct AdjustmentsBySubmission(pub DatabaseConnection);

impl Loader<Uuid> for AdjustmentsBySubmission {
    type Value = Vec<forecast_adjustment::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found: HashMap<Uuid, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for adjustment in super::forecast_review::adjustments_of(&self.0, keys).await? {
            if let Some(list) = found.get_mut(&adjustment.submission_id) {
                list.push(adjustment);
            }
        }
        Ok(found)
    }
}
