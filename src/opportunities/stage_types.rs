//! The GraphQL type of a pipeline stage: its settings and what was observed of the deals that
//! stayed in it.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};

use super::loaders::StageLoader;
use super::model::StageKind;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
use entity::pipeline_stage;

/// A step of the sales pipeline.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct PipelineStage {
    /// Opaque, globally unique identifier (for `stageId` arguments).
    pub id: ID,
    /// Stage name.
    pub name: String,
    /// Order in the pipeline, from 1.
    pub position: i32,
    /// Win probability of deals in this stage, in percent.
    pub probability: i32,
    /// Open, won or lost.
    pub kind: StageKind,
    /// Deals staying longer are stale (with `AUTO`, until enough deals left the stage).
    pub max_days_in_stage: Option<i32>,
    /// How the stuck-deal limit is read: `FIXED` or `AUTO`.
    pub stale_rule: super::dwell::StaleRule,
    /// Archived stages take no new deals.
    pub archived: bool,
    /// When the stage was created.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
    /// Raised by every change to the stage.
    pub version: i32,
    #[graphql(skip)]
    pub stage_id: uuid::Uuid,
}

impl From<pipeline_stage::Model> for PipelineStage {
    fn from(model: pipeline_stage::Model) -> Self {
        Self {
            id: encode_id(NodeType::PipelineStage, model.id),
            stage_id: model.id,
            name: model.name,
            position: model.position,
            probability: model.probability,
            kind: StageKind::parse(&model.kind).unwrap_or(StageKind::Open),
            max_days_in_stage: model.max_days_in_stage,
            stale_rule: super::dwell::StaleRule::parse(&model.stale_rule)
                .unwrap_or(super::dwell::StaleRule::Fixed),
            archived: model.archived,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
        }
    }
}

#[ComplexObject]
impl PipelineStage {
    /// Deals that left the stage in the last 180 days (the observed sample).
    async fn observed_sample(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(self.dwell(ctx).await?.sample)
    }

    /// The median whole days those deals stayed; null without any.
    async fn observed_median_days(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<f64>> {
        Ok(self.dwell(ctx).await?.median)
    }

    /// The 80th percentile (nearest rank) of those stays; null without any.
    async fn observed_p80_days(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<f64>> {
        Ok(self.dwell(ctx).await?.p80)
    }

    /// The days a deal may stay before it is stuck, as the stage's rule reads them now; null:
    /// never stuck.
    async fn effective_max_days_in_stage(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<i64>> {
        Ok(self.dwell(ctx).await?.limit)
    }

    /// The exit checklist: what a deal must show before it moves on from this stage, in
    /// order.
    async fn exit_criteria(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::playbook::types::ExitCriterion>> {
        Ok(ctx
            .loader::<crate::playbook::loaders::CriteriaByStage>()?
            .load_one(self.stage_id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

impl PipelineStage {
    async fn dwell(&self, ctx: &Context<'_>) -> async_graphql::Result<super::dwell::Dwell> {
        let now = ctx.app().clock.now();
        Ok(ctx
            .loader::<super::loaders::StageDwellLoader>()?
            .load_one((self.stage_id, now))
            .await?
            .unwrap_or_default())
    }
}

/// A stage through the request's loader (archived ones included).
pub(super) async fn stage(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Option<pipeline_stage::Model>> {
    Ok(ctx.loader::<StageLoader>()?.load_one(id).await?)
}
