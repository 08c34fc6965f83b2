//! Batch loaders of follow-ups: pages under customers and leads, newest first, and each
//! customer's newest.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service::{self, Parent};
use crate::error::{AppError, AppResult};
use crate::graphql::batch;
use crate::graphql::pagination::ChildPages;
use crate::pagination::{Page, PageRequest};
use entity::follow_up;

/// Pages of customers' follow-ups, newest first, for many customers in one query.
pub struct FollowUpsByCustomer(pub DatabaseConnection);

impl ChildPages for FollowUpsByCustomer {
    type Item = follow_up::Model;

    fn needs(selections: &[async_graphql::SelectionField<'_>]) -> crate::columns::Needs {
        super::types::FOLLOW_UP_COLUMNS.needs::<follow_up::Model>(selections)
    }

    async fn pages(
        &self,
        parents: &[Uuid],
        request: &PageRequest,
    ) -> AppResult<HashMap<Uuid, Page<follow_up::Model>>> {
        service::follow_ups_pages(&self.0, Parent::Customer, parents, request).await
    }
}

/// Pages of leads' follow-ups, newest first, for many leads in one query.
pub struct FollowUpsByLead(pub DatabaseConnection);

impl ChildPages for FollowUpsByLead {
    type Item = follow_up::Model;

    fn needs(selections: &[async_graphql::SelectionField<'_>]) -> crate::columns::Needs {
        super::types::FOLLOW_UP_COLUMNS.needs::<follow_up::Model>(selections)
    }

    async fn pages(
        &self,
        parents: &[Uuid],
        request: &PageRequest,
    ) -> AppResult<HashMap<Uuid, Page<follow_up::Model>>> {
        service::follow_ups_pages(&self.0, Parent::Lead, parents, request).await
    }
}

/// The newest follow-up of many customers in one query.
pub struct LastFollowUpByCustomer(pub DatabaseConnection);

impl Loader<Uuid> for LastFollowUpByCustomer {
    type Value = follow_up::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(batch::keyed(
            service::latest_of_customers(&self.0, keys).await?,
            |f| f.customer_id,
        ))
    }
}
