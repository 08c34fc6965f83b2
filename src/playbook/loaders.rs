//! Batch loaders of the stage playbook: criteria under stages, checklists under deals.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::checklist::{self, ItemState};
use super::criteria;
use crate::error::AppError;
use entity::exit_criterion;

/// The exit criteria of many stages in one statement, each stage's in order.
pub struct CriteriaByStage(pub DatabaseConnection);

impl Loader<Uuid> for CriteriaByStage {
    type Value = Vec<exit_criterion::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found: HashMap<Uuid, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for criterion in criteria::of_stages(&self.0, keys).await? {
            if let Some(list) = found.get_mut(&criterion.stage_id) {
                list.push(criterion);
            }
        }
        Ok(found)
    }
}

/// Where many deals stand on their current stages' criteria, in a fixed number of statements.
pub struct ChecklistLoader(pub DatabaseConnection);

impl Loader<Uuid> for ChecklistLoader {
    type Value = Vec<ItemState>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let deals = crate::opportunities::service::by_ids(&self.0, keys).await?;
        let stage_ids: Vec<Uuid> = deals.iter().map(|d| d.stage_id).collect();
        let all = criteria::of_stages(&self.0, &stage_ids).await?;
        let facts = checklist::facts_of(&self.0, &deals, &all).await?;
        let none = checklist::Facts::default();
        Ok(deals
            .iter()
            .map(|deal| {
                let facts = facts.get(&deal.id).unwrap_or(&none);
                let items = all
                    .iter()
                    .filter(|c| c.stage_id == deal.stage_id)
                    .map(|c| checklist::evaluate(c, deal, facts))
                    .collect();
                (deal.id, items)
            })
            .collect())
    }
}
