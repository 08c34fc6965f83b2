//! Resolvers of why deals are won and lost: the reason picklists, competitors, the
//! competitors a deal names, and the win/loss report.

use async_graphql::{Context, Object};

use super::model::CloseReasonKind;
use super::win_loss_types::{
    CloseReason, Competitor, CreateCompetitorInput, CreateCompetitorPayload,
    SetOpportunityCompetitorsInput, SetOpportunityCompetitorsPayload, UpdateCloseReasonsInput,
    UpdateCloseReasonsPayload, UpdateCompetitorInput, UpdateCompetitorPayload, WinLossLine,
    WinLossReport, WinLossReportInput,
};
use super::{close_reasons, competitors, win_loss};
use crate::error::AppResult;
use crate::graphql::conflict::or_current;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{SALES_NUMBERS, SignedIn};
use crate::graphql::scope::report_scope;
use crate::ids::{NodeType, decode_id};

/// The queries of win and loss.
#[derive(Default)]
pub struct WinLossQuery;

#[Object]
impl WinLossQuery {
    /// The reasons deals are won for, in order.
    #[graphql(guard = "SignedIn")]
    async fn win_reasons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include archived reasons.", default = false)] include_archived: bool,
    ) -> async_graphql::Result<Vec<CloseReason>> {
        reasons(ctx, CloseReasonKind::Win, include_archived).await
    }

    /// The reasons deals are lost for, in order.
    #[graphql(guard = "SignedIn")]
    async fn loss_reasons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include archived reasons.", default = false)] include_archived: bool,
    ) -> async_graphql::Result<Vec<CloseReason>> {
        reasons(ctx, CloseReasonKind::Loss, include_archived).await
    }

    /// Competitors by name (at most 200).
    #[graphql(guard = "SignedIn")]
    async fn competitors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only names containing this text, ignoring case and spacing.")]
        search: Option<String>,
        #[graphql(desc = "Include archived competitors.", default = false)] include_archived: bool,
    ) -> async_graphql::Result<Vec<Competitor>> {
        if let Some(text) = &search {
            crate::input::optional_text(Some(text), "search", 200)?;
        }
        Ok(
            competitors::list(&ctx.app().db, search.as_deref(), include_archived)
                .await?
                .into_iter()
                .map(Competitor::from)
                .collect(),
        )
    }

    /// Deals won and lost in a period that you may see, grouped by reason, competitor, the
    /// stage they closed from, or owner.
    #[graphql(guard = "SALES_NUMBERS")]
    async fn win_loss_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `WinLossReportInput`.")]
        input: WinLossReportInput,
    ) -> async_graphql::Result<WinLossReport> {
        let viewer = ctx.viewer()?;
        let scope = report_scope(viewer, input.scope, input.team_id, input.user_id)?;
        let period = (input.from.0, input.to.0);
        let group = input.group_by;
        let (lines, total) = win_loss::report(&ctx.app().db, viewer, scope, period, group).await?;
        Ok(WinLossReport {
            group_by: group,
            lines: lines
                .into_iter()
                .map(|line| WinLossLine::of(line, Some(group)))
                .collect(),
            total: WinLossLine::of(total, None),
        })
    }
}

async fn reasons(
    ctx: &Context<'_>,
    kind: CloseReasonKind,
    include_archived: bool,
) -> async_graphql::Result<Vec<CloseReason>> {
    Ok(close_reasons::list(&ctx.app().db, kind, include_archived)
        .await?
        .into_iter()
        .map(CloseReason::from)
        .collect())
}

/// The mutations of win and loss.
#[derive(Default)]
pub struct WinLossMutation;

#[Object]
impl WinLossMutation {
    /// Replaces the win or the loss reasons (admins).
    #[graphql(guard = "SignedIn")]
    async fn update_close_reasons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateCloseReasonsInput`.")]
        input: UpdateCloseReasonsInput,
    ) -> async_graphql::Result<UpdateCloseReasonsPayload> {
        let viewer = ctx.viewer()?;
        let specs = input
            .reasons
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                Ok(close_reasons::ReasonSpec {
                    id: crate::ids::decode_optional(
                        r.id.as_ref(),
                        NodeType::CloseReason,
                        &format!("input.reasons.{i}.id"),
                    )?,
                    name: r.name,
                    archived: r.archived,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let reasons = close_reasons::replace(ctx.app(), viewer, input.kind, specs).await?;
        Ok(UpdateCloseReasonsPayload {
            reasons: reasons.into_iter().map(CloseReason::from).collect(),
        })
    }

    /// Names a competitor met in the field (sellers and admins).
    #[graphql(guard = "SignedIn")]
    async fn create_competitor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateCompetitorInput`.")]
        input: CreateCompetitorInput,
    ) -> async_graphql::Result<CreateCompetitorPayload> {
        let viewer = ctx.viewer()?;
        let created = competitors::create(ctx.app(), viewer, &input.name).await?;
        Ok(CreateCompetitorPayload {
            competitor: created.into(),
        })
    }

    /// Renames or archives a competitor (admins).
    #[graphql(guard = "SignedIn")]
    async fn update_competitor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateCompetitorInput`.")]
        input: UpdateCompetitorInput,
    ) -> async_graphql::Result<UpdateCompetitorPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Competitor, "input.id")?;
        let updated =
            competitors::update(ctx.app(), viewer, id, input.name.as_deref(), input.archived)
                .await?;
        Ok(UpdateCompetitorPayload {
            competitor: updated.into(),
        })
    }

    /// Sets the competitors an open deal is contested with.
    #[graphql(guard = "SignedIn")]
    async fn set_opportunity_competitors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SetOpportunityCompetitorsInput`.")]
        input: SetOpportunityCompetitorsInput,
    ) -> async_graphql::Result<SetOpportunityCompetitorsPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Opportunity, "input.id")?;
        let namings = input
            .competitors
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                Ok(competitors::Naming {
                    competitor_id: decode_id(
                        &c.competitor_id,
                        NodeType::Competitor,
                        &format!("input.competitors.{i}.competitorId"),
                    )?,
                    note: c.note,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let changed = competitors::set_on_deal(
            ctx.app(),
            viewer,
            id,
            input.expected_version,
            namings,
            input.idempotency_key,
        )
        .await;
        or_current(ctx, changed.map_err(|e| e.naming("input.id")), async || {
            super::service::get_opportunity(&ctx.app().db, viewer, id).await
        })
        .await
    }
}
