//! Resolvers for the pipeline, and the live stage-change subscription.
//!
//! Over 500 lines: the pipeline's queries (its lists paged by Relay arguments), mutations and
//! live subscription, each resolver a thin call into the service; the inputs and payloads live
//! in `inputs.rs`.

use crate::graphql::scalars::Decimal;
use async_graphql::{Context, ID, Object, Subscription};
use futures_util::{Stream, StreamExt};

use super::inputs::{
    CreateOpportunityInput, CreateOpportunityPayload, LoseOpportunityInput, LoseOpportunityPayload,
    MoveOpportunityStageInput, MoveOpportunityStagePayload, OpportunityFilter, OpportunityOrder,
    ReopenOpportunityInput, ReopenOpportunityPayload, SetOpportunitySplitsInput,
    SetOpportunitySplitsPayload, StageChangeFilter, UpdateOpportunityInput,
    UpdateOpportunityPayload, UpdatePipelineStagesInput, UpdatePipelineStagesPayload,
    WinOpportunityInput, WinOpportunityPayload,
};
use super::model::OpportunityOrderField;
use super::report_types::{
    Forecast, ForecastInput, ForecastMonthLine, ForecastStageLine, FunnelInput, FunnelStage,
};
use super::service::{self, NewOpportunity, OpportunityChanges, Transition};
use super::stages::{self, StageSpec};
use super::types::{Opportunity, OpportunityConnection, PipelineStage, StageChange};
use crate::error::AppResult;
use crate::events::EventKind;
use crate::graphql::conflict::or_current;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SALES_NUMBERS, SignedIn};
use crate::graphql::pagination::PageArgs;
use crate::graphql::pagination::list_request;
use crate::graphql::scope::report_scope;
use crate::ids::{NodeType, decode_id};
use crate::money::Money;

fn stage_id(id: &ID, field: &str) -> AppResult<uuid::Uuid> {
    decode_id(id, NodeType::PipelineStage, field)
}

fn criterion_spec(
    input: crate::playbook::types::ExitCriterionInput,
    field: &str,
) -> AppResult<crate::playbook::criteria::CriterionSpec> {
    Ok(crate::playbook::criteria::CriterionSpec {
        id: crate::ids::decode_optional(input.id.as_ref(), NodeType::ExitCriterion, field)?,
        name: input.name,
        kind: input.kind,
        field: input.field,
        activity_kind: input.activity_kind.map(|k| k.as_str().to_owned()),
        document_kind: input.document_kind,
        required: input.required,
    })
}

fn contact_id(id: Option<&ID>, field: &str) -> AppResult<Option<uuid::Uuid>> {
    crate::ids::decode_optional(id, NodeType::Contact, field)
}

/// The columns and links a page of deals reads for the selection of its nodes.
fn list_wants(ctx: &Context<'_>) -> service::Wants {
    use super::types::{OPPORTUNITY_COLUMNS, PIPELINE_STAGE_COLUMNS};
    use crate::columns::Needs;
    use crate::customers::types::CUSTOMER_COLUMNS;
    use crate::graphql::columns::children;
    use crate::users::types::USER_COLUMNS;
    use entity::{customer, opportunity, pipeline_stage, user};
    let nodes = crate::graphql::pagination::node_selections(ctx);
    let (customers, owners) = (children(&nodes, "customer"), children(&nodes, "owner"));
    let deal = OPPORTUNITY_COLUMNS.needs::<opportunity::Model>(&nodes);
    service::Wants {
        deal,
        // A deal read whole may reach its stage from any field (its probability, say).
        stage: if deal == Needs::ALL {
            Needs::ALL
        } else {
            PIPELINE_STAGE_COLUMNS.needs::<pipeline_stage::Model>(&children(&nodes, "stage"))
        },
        customer: (!customers.is_empty())
            .then(|| CUSTOMER_COLUMNS.needs::<customer::Model>(&customers)),
        owner: (!owners.is_empty()).then(|| USER_COLUMNS.needs::<user::Model>(&owners)),
    }
}

#[derive(Default)]
pub struct OpportunityQuery;

#[Object]
impl OpportunityQuery {
    /// The pipeline's stages in order.
    #[graphql(guard = "SignedIn")]
    async fn pipeline_stages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include archived stages.", default = false)] include_archived: bool,
    ) -> async_graphql::Result<Vec<PipelineStage>> {
        Ok(stages::list(&ctx.app().db, include_archived)
            .await?
            .into_iter()
            .map(PipelineStage::from)
            .collect())
    }

    /// Deals you may see, oldest first unless `orderBy` says otherwise.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus filter and order
    async fn opportunities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deals matching this filter.")] filter: Option<OpportunityFilter>,
        #[graphql(desc = "Ordering; oldest first by default.")] order_by: Option<OpportunityOrder>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<OpportunityConnection> {
        let viewer = ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = service::OpportunityFilter {
            owner_id: f
                .owner_id
                .map(|id| decode_id(&id, NodeType::User, "filter.ownerId"))
                .transpose()?,
            team_id: f
                .team_id
                .map(|id| decode_id(&id, NodeType::Team, "filter.teamId"))
                .transpose()?,
            stage_id: f
                .stage_id
                .map(|id| stage_id(&id, "filter.stageId"))
                .transpose()?,
            statuses: f
                .statuses
                .map(|list| list.iter().map(|s| s.as_str().to_owned()).collect()),
            close_from: f.close_from.map(|d| d.0),
            close_to: f.close_to.map(|d| d.0),
            customer_id: f
                .customer_id
                .map(|id| decode_id(&id, NodeType::Customer, "filter.customerId"))
                .transpose()?,
            amount_min: f
                .amount_min
                .map(|a| Decimal::minor(a, "filter.amountMin"))
                .transpose()?,
            amount_max: f
                .amount_max
                .map(|a| Decimal::minor(a, "filter.amountMax"))
                .transpose()?,
            stale_only: f.stale_only.unwrap_or(false),
            search: f.search,
            updated_since: f.updated_since.map(Into::into),
        };
        let app = ctx.app();
        let wants = list_wants(ctx);
        let (db, server_time) = (&app.db, crate::graphql::sync::server_time(ctx));
        let since = filter.updated_since;
        let sync = crate::graphql::sync::fields(ctx, NodeType::Opportunity, server_time, since, {
            let filter = &filter;
            async move |window| service::removed_opportunities(db, viewer, filter, window).await
        })
        .await?;
        let order = OpportunityOrder::parts(order_by, (OpportunityOrderField::CreatedAt, false));
        let now = app.clock.now();
        let page =
            service::list_opportunities(db, viewer, filter, order, &page, now, wants).await?;
        Ok(OpportunityConnection::from_page(page, Opportunity::listed).with_sync(sync))
    }

    /// One deal by id; `null` with a `NOT_FOUND` error when missing or not yours to see.
    #[graphql(guard = "SignedIn")]
    async fn opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal's id.")] id: ID,
    ) -> async_graphql::Result<Option<Opportunity>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::Opportunity, "id")?;
            Ok(service::get_opportunity(&ctx.app().db, viewer, id)
                .await?
                .into())
        })
        .await
    }

    /// Per stage: deals in it now, conversion onward and dwell time, for deals you may see.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn funnel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `FunnelInput`.")] input: FunnelInput,
    ) -> async_graphql::Result<Vec<FunnelStage>> {
        let viewer = ctx.viewer()?;
        let scope = report_scope(viewer, input.scope, input.team_id, input.user_id)?;
        let line = crate::ids::decode_optional(
            input.product_line_id.as_ref(),
            NodeType::ProductLine,
            "input.productLineId",
        )?;
        let period = (input.from.0, input.to.0);
        let lines = super::funnel::funnel(&ctx.app().db, viewer, scope, period, line).await?;
        Ok(lines
            .into_iter()
            .map(|line| FunnelStage {
                count: line.deals,
                amount: Decimal(line.amount.to_decimal()),
                weighted_amount: Decimal(line.weighted.to_decimal()),
                conversion_to_next: line.conversion,
                average_days_in_stage: line.average_days,
                stage_model: line.stage,
            })
            .collect())
    }

    /// What the deals you may see are expected to bring in a period, credited through splits.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn forecast(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ForecastInput`.")] input: ForecastInput,
    ) -> async_graphql::Result<Forecast> {
        use super::forecast as fc;
        let viewer = ctx.viewer()?;
        let scope = report_scope(viewer, input.scope, input.team_id, input.user_id)?;
        let line = crate::ids::decode_optional(
            input.product_line_id.as_ref(),
            NodeType::ProductLine,
            "input.productLineId",
        )?;
        let period = (input.from.0, input.to.0);
        let result = fc::forecast(&ctx.app().db, viewer, scope, period, line).await?;
        let dec = |m: Money| Decimal(m.to_decimal());
        Ok(Forecast {
            pipeline_amount: dec(result.totals.pipeline),
            weighted_amount: dec(result.totals.weighted),
            commit_amount: dec(result.totals.commit),
            best_case_amount: dec(result.totals.best_case),
            closed_won_amount: dec(result.totals.closed_won),
            projected_amount: dec(result.projected),
            by_category: result
                .by_category
                .iter()
                .map(|line| super::report_types::ForecastCategoryLine {
                    category: line.category,
                    count: line.deals,
                    amount: dec(line.amount),
                    weighted_amount: dec(line.weighted),
                })
                .collect(),
            by_stage: result
                .by_stage
                .into_iter()
                .map(|line| ForecastStageLine {
                    count: line.deals,
                    amount: dec(line.amount),
                    weighted_amount: dec(line.weighted),
                    stage_id: line.stage_id,
                })
                .collect(),
            by_month: result
                .by_month
                .into_iter()
                .map(|line| ForecastMonthLine {
                    month: line.month,
                    pipeline_amount: dec(line.pipeline),
                    weighted_amount: dec(line.weighted),
                    closed_won_amount: dec(line.closed_won),
                })
                .collect(),
        })
    }

    /// Open deals you may see that sit in their stage too long, longest first.
    #[graphql(
        guard = "SALES_NUMBERS",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn stale_opportunities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<OpportunityConnection> {
        let args = PageArgs::new(first, after, last, before);
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let request = args
            .request()?
            .counting(crate::graphql::pagination::wants_total(ctx));
        let page = service::stale_opportunities(&app.db, viewer, app.clock.now(), &request).await?;
        Ok(OpportunityConnection::from_page(page, Opportunity::from)
            .with_sync(crate::graphql::sync::unfiltered(ctx)))
    }
}

#[derive(Default)]
pub struct OpportunityMutation;

#[Object]
impl OpportunityMutation {
    /// Replaces the pipeline's stages (admin).
    #[graphql(guard = "ADMIN")]
    async fn update_pipeline_stages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdatePipelineStagesInput`.")]
        input: UpdatePipelineStagesInput,
    ) -> async_graphql::Result<UpdatePipelineStagesPayload> {
        let viewer = ctx.viewer()?;
        let specs = input
            .stages
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(StageSpec {
                    id: s
                        .id
                        .map(|id| stage_id(&id, &format!("input.stages.{i}.id")))
                        .transpose()?,
                    name: s.name,
                    probability: s.probability,
                    kind: s.kind.as_str().to_owned(),
                    max_days_in_stage: s.max_days_in_stage,
                    stale_rule: s.stale_rule.unwrap_or(super::dwell::StaleRule::Fixed),
                    archived: s.archived,
                    exit_criteria: s
                        .exit_criteria
                        .map(|list| {
                            list.into_iter()
                                .enumerate()
                                .map(|(j, c)| {
                                    criterion_spec(
                                        c,
                                        &format!("input.stages.{i}.exitCriteria.{j}.id"),
                                    )
                                })
                                .collect::<AppResult<Vec<_>>>()
                        })
                        .transpose()?,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let stages = stages::replace(ctx.app(), viewer, specs).await?;
        Ok(UpdatePipelineStagesPayload {
            stages: stages.into_iter().map(PipelineStage::from).collect(),
        })
    }

    /// Opens a deal with a customer you may see.
    #[graphql(guard = "SignedIn")]
    async fn create_opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateOpportunityInput`.")]
        input: CreateOpportunityInput,
    ) -> async_graphql::Result<CreateOpportunityPayload> {
        let viewer = ctx.viewer()?;
        let new = NewOpportunity {
            customer_id: decode_id(&input.customer_id, NodeType::Customer, "input.customerId")?,
            name: input.name,
            amount_minor: Decimal::minor(input.amount, "input.amount")?,
            expected_close_date: input.expected_close_date.0,
            stage_id: input
                .stage_id
                .map(|id| stage_id(&id, "input.stageId"))
                .transpose()?,
            forecast_category: input.forecast_category.map(|c| c.as_str().to_owned()),
            probability: input.probability,
            client_id: crate::ids::client_id(input.client_id.as_ref(), ctx.app().clock.now())?,
            need: input.need,
            budget_minor: input
                .budget
                .map(|b| Decimal::minor(b, "input.budget"))
                .transpose()?,
            contact_id: contact_id(input.contact_id.as_ref(), "input.contactId")?,
            decision_maker_id: contact_id(
                input.decision_maker_id.as_ref(),
                "input.decisionMakerId",
            )?,
            campaign_id: None,
        };
        Ok(
            service::create_opportunity(ctx.app(), viewer, new, input.idempotency_key)
                .await?
                .into(),
        )
    }

    /// Changes an open deal.
    #[graphql(guard = "SignedIn")]
    async fn update_opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateOpportunityInput`.")]
        input: UpdateOpportunityInput,
    ) -> async_graphql::Result<UpdateOpportunityPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Opportunity, "input.id")?;
        let changes = OpportunityChanges {
            name: input.name,
            amount_minor: input
                .amount
                .map(|a| Decimal::minor(a, "input.amount"))
                .transpose()?,
            expected_close_date: input.expected_close_date.map(|d| d.0),
            forecast_category: input.forecast_category.map(|c| c.as_str().to_owned()),
            probability: crate::customers::graphql::change(input.probability, Ok)?,
            need: crate::customers::graphql::change(input.need, Ok)?,
            budget_minor: crate::customers::graphql::change(input.budget, |b| {
                Decimal::minor(b, "input.budget")
            })?,
            contact_id: crate::customers::graphql::change(input.contact_id, |id| {
                decode_id(&id, NodeType::Contact, "input.contactId")
            })?,
            decision_maker_id: crate::customers::graphql::change(input.decision_maker_id, |id| {
                decode_id(&id, NodeType::Contact, "input.decisionMakerId")
            })?,
            owner_id: crate::ids::decode_optional(
                input.owner_id.as_ref(),
                NodeType::User,
                "input.ownerId",
            )?,
        };
        let changed = service::update_opportunity(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            changes,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            service::get_opportunity(&ctx.app().db, viewer, id).await
        })
        .await
    }

    /// Moves an open deal to another open stage.
    #[graphql(guard = "SignedIn")]
    async fn move_opportunity_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `MoveOpportunityStageInput`.")]
        input: MoveOpportunityStageInput,
    ) -> async_graphql::Result<MoveOpportunityStagePayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Opportunity, "input.id")?;
        let to = stage_id(&input.stage_id, "input.stageId")?;
        let changed = service::transition(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            Transition::Move(to, input.override_reason),
            input.note,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            service::get_opportunity(&ctx.app().db, viewer, id).await
        })
        .await
    }

    /// Closes a deal as won.
    #[graphql(guard = "SignedIn")]
    async fn win_opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `WinOpportunityInput`.")]
        input: WinOpportunityInput,
    ) -> async_graphql::Result<WinOpportunityPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Opportunity, "input.id")?;
        let changed = service::transition(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            Transition::Win {
                reason: decode_id(&input.reason_id, NodeType::CloseReason, "input.reasonId")?,
                detail: input.detail,
            },
            None,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            service::get_opportunity(&ctx.app().db, viewer, id).await
        })
        .await
    }

    /// Closes a deal as lost, with the reason.
    #[graphql(guard = "SignedIn")]
    async fn lose_opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `LoseOpportunityInput`.")]
        input: LoseOpportunityInput,
    ) -> async_graphql::Result<LoseOpportunityPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Opportunity, "input.id")?;
        let change = Transition::Lose {
            reason: decode_id(&input.reason_id, NodeType::CloseReason, "input.reasonId")?,
            detail: input.reason,
            won_by: crate::ids::decode_optional(
                input.won_by_competitor_id.as_ref(),
                NodeType::Competitor,
                "input.wonByCompetitorId",
            )?,
        };
        let changed = service::transition(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            change,
            None,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            service::get_opportunity(&ctx.app().db, viewer, id).await
        })
        .await
    }

    /// Splits the credit for a deal among members (owner, their managers, admins).
    #[graphql(guard = "SignedIn")]
    async fn set_opportunity_splits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SetOpportunitySplitsInput`.")]
        input: SetOpportunitySplitsInput,
    ) -> async_graphql::Result<SetOpportunitySplitsPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Opportunity, "input.id")?;
        let specs = input
            .splits
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(service::SplitSpec {
                    user_id: decode_id(
                        &s.user_id,
                        NodeType::User,
                        &format!("input.splits.{i}.userId"),
                    )?,
                    percent: s.percent.0,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let overlays = input
            .overlays
            .as_ref()
            .map(|list| {
                list.iter()
                    .enumerate()
                    .map(|(i, s)| {
                        Ok(service::SplitSpec {
                            user_id: decode_id(
                                &s.user_id,
                                NodeType::User,
                                &format!("input.overlays.{i}.userId"),
                            )?,
                            percent: s.percent.0,
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()
            })
            .transpose()?;
        let changed = service::set_splits(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            specs,
            overlays,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            service::get_opportunity(&ctx.app().db, viewer, id).await
        })
        .await
    }

    /// Brings a won or lost deal back to an open stage.
    #[graphql(guard = "SignedIn")]
    async fn reopen_opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ReopenOpportunityInput`.")]
        input: ReopenOpportunityInput,
    ) -> async_graphql::Result<ReopenOpportunityPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Opportunity, "input.id")?;
        let to = stage_id(&input.stage_id, "input.stageId")?;
        let changed = service::transition(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            Transition::Reopen(to),
            None,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            service::get_opportunity(&ctx.app().db, viewer, id).await
        })
        .await
    }
}

#[derive(Default)]
pub struct OpportunitySubscription;

#[Subscription]
impl OpportunitySubscription {
    /// Every committed move, win, loss and reopening of deals you may see.
    #[graphql(guard = "SignedIn")]
    async fn opportunity_stage_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes matching this filter.")] filter: Option<StageChangeFilter>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<StageChange>>> {
        let viewer = ctx.viewer()?.clone();
        let app = ctx.app().clone();
        let live_changes = ctx.caches()?.live_changes.clone();
        let filter = filter.unwrap_or_default();
        let only_deal = filter
            .opportunity_id
            .map(|id| decode_id(&id, NodeType::Opportunity, "filter.opportunityId"))
            .transpose()?;
        let only_owner = filter
            .owner_id
            .map(|id| decode_id(&id, NodeType::User, "filter.ownerId"))
            .transpose()?;
        let only_team = filter
            .team_id
            .map(|id| decode_id(&id, NodeType::Team, "filter.teamId"))
            .transpose()?;
        Ok(app
            .events
            .subscribe()
            .filter(|event| {
                let wanted = event.kind == EventKind::OpportunityStageChanged;
                async move { wanted }
            })
            .filter_map(move |event| {
                let app = app.clone();
                let live_changes = live_changes.clone();
                let viewer = viewer.clone();
                async move {
                    // Events carry ids only: the change is read once for this instance's
                    // subscribers, and each one's visibility is checked in memory.
                    let facts = match live_changes.get(&app.db, event.subject_id).await {
                        Ok(Some(facts)) => facts,
                        Ok(None) => return None,
                        Err(err) => return Some(Err(err.into())),
                    };
                    let deal = &facts.deal;
                    if !facts.visible_to(&viewer)
                        || only_deal.is_some_and(|id| id != deal.id)
                        || only_owner.is_some_and(|id| id != deal.owner_id)
                        || only_team.is_some_and(|team| facts.owner_team != Some(team))
                    {
                        return None;
                    }
                    Some(Ok(StageChange::from(facts)))
                }
            }))
    }
}
