//! The GraphQL type of one change of a deal's stage: when, from where to where, by whom, and
//! what an override let the deal skip.

use async_graphql::{ComplexObject, Context, SimpleObject};

use super::loaders::OpportunityLoader;
use super::stage_types::{PipelineStage, stage};
use super::types::Opportunity;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::stage_change;

/// One change of a deal's stage.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct StageChange {
    /// When it happened.
    pub changed_at: Instant,
    /// Whole days the deal spent in the previous stage; null for the first stage.
    pub days_in_previous_stage: Option<i32>,
    /// Note given with the move.
    pub note: Option<String>,
    /// Why a manager or admin moved the deal on with exit criteria unmet; null otherwise.
    pub override_reason: Option<String>,
    #[graphql(skip)]
    pub model: stage_change::Model,
    /// The deal and stages, when a subscription has already read them.
    #[graphql(skip)]
    pub facts: Option<std::sync::Arc<super::live::ChangeFacts>>,
}

#[ComplexObject]
impl StageChange {
    /// The deal.
    async fn opportunity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Opportunity>> {
        if let Some(facts) = &self.facts {
            return Ok(Some(Opportunity::from(facts.deal.clone())));
        }
        let loader = ctx.loader::<OpportunityLoader>()?;
        Ok(loader
            .load_one(self.model.opportunity_id)
            .await?
            .map(Opportunity::from))
    }

    /// The stage before; null when the deal was created.
    #[graphql(name = "fromStage")]
    async fn previous_stage(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<PipelineStage>> {
        let Some(id) = self.model.from_stage_id else {
            return Ok(None);
        };
        if let Some(facts) = &self.facts {
            return Ok(facts.from_stage.clone().map(PipelineStage::from));
        }
        Ok(stage(ctx, id).await?.map(PipelineStage::from))
    }

    /// The stage after.
    async fn to_stage(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PipelineStage>> {
        if let Some(facts) = &self.facts {
            return Ok(facts.to_stage.clone().map(PipelineStage::from));
        }
        Ok(stage(ctx, self.model.to_stage_id)
            .await?
            .map(PipelineStage::from))
    }

    /// The names of the exit criteria an override let the deal move on without.
    async fn overridden_items(&self) -> Vec<String> {
        self.model
            .overridden_items
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }

    /// Who changed it.
    async fn changed_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let loader = ctx.loader::<UserLoader>()?;
        Ok(loader
            .load_one(self.model.changed_by)
            .await?
            .map(User::from))
    }
}

impl From<stage_change::Model> for StageChange {
    fn from(model: stage_change::Model) -> Self {
        Self {
            changed_at: model.changed_at.into(),
            days_in_previous_stage: model.days_in_previous_stage,
            note: model.note.clone(),
            override_reason: model.override_reason.clone(),
            model,
            facts: None,
        }
    }
}

impl From<std::sync::Arc<super::live::ChangeFacts>> for StageChange {
    fn from(facts: std::sync::Arc<super::live::ChangeFacts>) -> Self {
        Self {
            facts: Some(facts.clone()),
            ..Self::from(facts.change.clone())
        }
    }
}

crate::connection_types!(StageChangeConnection, StageChangeEdge, StageChange);
