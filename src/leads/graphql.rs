//! Resolvers for leads, the pool and scoring rules.

use async_graphql::{Context, ID, Object};

use super::inputs::{
    AssignLeadInput, AssignLeadPayload, BantInput, ClaimLeadInput, ClaimLeadPayload,
    ConvertLeadInput, ConvertLeadPayload, CreateLeadInput, CreateLeadPayload, DisqualifyLeadInput,
    DisqualifyLeadPayload, LeadFilter, LeadOrder, ReleaseLeadInput, ReleaseLeadPayload,
    UpdateLeadInput, UpdateLeadPayload,
};
use super::pool;
use super::scoring_types::{ScoringRulesType, UpdateScoringRulesInput, UpdateScoringRulesPayload};
use super::service::{self, BantValues, LeadChanges, NewLead};
use super::types::{DuplicateCandidate, Lead, LeadAssignment, LeadConnection, LeadOrderField};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SignedIn};
use crate::graphql::pagination::list_request;
use crate::identity::Viewer;
use crate::ids::{NodeType, decode_id};

fn bant(input: Option<BantInput>) -> BantValues {
    let input = input.unwrap_or_default();
    BantValues {
        budget: input.budget,
        authority: input.authority,
        need: input.need,
        timeline: input.timeline,
    }
}

fn filter(filter: Option<LeadFilter>) -> AppResult<service::LeadFilter> {
    let filter = filter.unwrap_or_default();
    Ok(service::LeadFilter {
        statuses: filter.statuses,
        owner_id: filter
            .owner_id
            .map(|id| decode_id(&id, NodeType::User, "filter.ownerId"))
            .transpose()?,
        source: filter.source,
        min_score: filter.min_score,
        grade: filter.grade.map(|g| g.as_str().to_owned()),
        search: filter.search,
        updated_since: filter.updated_since.map(Into::into),
    })
}

fn order(order: Option<LeadOrder>) -> (service::LeadOrder, bool) {
    let (field, descending) = LeadOrder::parts(order, (LeadOrderField::CreatedAt, false));
    let field = match field {
        LeadOrderField::CreatedAt => service::LeadOrder::Created,
        LeadOrderField::UpdatedAt => service::LeadOrder::Updated,
        LeadOrderField::Score => service::LeadOrder::Score,
    };
    (field, descending)
}

#[allow(clippy::too_many_arguments)] // the Relay arguments plus filter and order
async fn page(
    ctx: &Context<'_>,
    viewer: &Viewer,
    in_pool: bool,
    filter_input: Option<LeadFilter>,
    order_input: Option<LeadOrder>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<LeadConnection> {
    let request = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
    let (field, descending) = order(order_input);
    let db = &ctx.app().db;
    let filter = filter(filter_input)?;
    let server_time = crate::graphql::sync::server_time(ctx);
    let since = filter.updated_since;
    let sync = crate::graphql::sync::fields(ctx, NodeType::Lead, server_time, since, {
        let filter = &filter;
        async move |window| service::removed_leads(db, viewer, in_pool, filter, window).await
    })
    .await?;
    let needs = crate::graphql::pagination::node_needs::<entity::lead::Model>(
        ctx,
        &super::types::LEAD_COLUMNS,
    );
    let order = (field, descending);
    let page = service::list_leads(db, viewer, in_pool, filter, order, &request, needs).await?;
    Ok(LeadConnection::from_page(page, Lead::from).with_sync(sync))
}

#[derive(Default)]
pub struct LeadQuery;

#[Object]
impl LeadQuery {
    /// Owned leads you may see (yours; your teams' for managers; all for admins).
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus filter and order
    async fn leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only leads matching this filter.")] filter: Option<LeadFilter>,
        #[graphql(desc = "Ordering; oldest first by default.")] order_by: Option<LeadOrder>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<LeadConnection> {
        let viewer = ctx.viewer()?;
        page(
            ctx, viewer, false, filter, order_by, first, after, last, before,
        )
        .await
    }

    /// Leads waiting in the pool to be claimed (phone and e-mail masked).
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // Relay arguments plus filter and order
    async fn lead_pool(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only leads matching this filter.")] filter: Option<LeadFilter>,
        #[graphql(desc = "Ordering; oldest first by default.")] order_by: Option<LeadOrder>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<LeadConnection> {
        let viewer = ctx.viewer()?;
        page(
            ctx, viewer, true, filter, order_by, first, after, last, before,
        )
        .await
    }

    /// One lead by id; `null` with a `NOT_FOUND` error when missing or not yours to see.
    #[graphql(guard = "SignedIn")]
    async fn lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead's id.")] id: ID,
    ) -> async_graphql::Result<Option<Lead>> {
        crate::graphql::context::lookup(ctx, async {
            let viewer = ctx.viewer()?;
            let id = decode_id(&id, NodeType::Lead, "id")?;
            let db = &ctx.app().db;
            match service::get_lead(db, viewer, id).await {
                Ok(found) => Ok(found.into()),
                // A merged lead's id answers with its survivor.
                Err(missing) => {
                    match crate::merges::service::redirect_of(db, crate::merges::service::LEAD, id)
                        .await?
                    {
                        Some(survivor) => Ok(service::get_lead(db, viewer, survivor).await?.into()),
                        None => Err(missing.into()),
                    }
                }
            }
        })
        .await
    }

    /// How lead scores and grades are computed.
    #[graphql(guard = "SignedIn")]
    async fn scoring_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<ScoringRulesType> {
        Ok(service::scoring_rules(&ctx.app().db).await?.into())
    }
}

#[derive(Default)]
pub struct LeadMutation;

#[Object]
impl LeadMutation {
    /// Captures a lead and hands it to yourself, a rep, the pool or the next rep of a team.
    #[graphql(guard = "SignedIn")]
    async fn create_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateLeadInput`.")] input: CreateLeadInput,
    ) -> async_graphql::Result<CreateLeadPayload> {
        let viewer = ctx.viewer()?;
        let new = NewLead {
            name: input.name,
            company: input.company,
            phone: input.phone,
            email: input.email,
            source: input.source,
            region: input.region,
            industry: input.industry,
            notes: input.notes,
            bant: bant(input.bant),
            assign: input.assign.unwrap_or(LeadAssignment::SelfAssign),
            assignee_id: input
                .assignee_id
                .map(|id| decode_id(&id, NodeType::User, "input.assigneeId"))
                .transpose()?,
            team_id: input
                .team_id
                .map(|id| decode_id(&id, NodeType::Team, "input.teamId"))
                .transpose()?,
            client_id: crate::ids::client_id(input.client_id.as_ref(), ctx.app().clock.now())?,
            campaign_id: input
                .campaign_id
                .map(|id| decode_id(&id, NodeType::Campaign, "input.campaignId"))
                .transpose()?,
        };
        let (lead, leads, customers) =
            service::create_lead(ctx.app(), viewer, new, input.idempotency_key).await?;
        let possible_duplicates = leads
            .into_iter()
            .map(|l| DuplicateCandidate::Lead(l.into()))
            .chain(
                customers
                    .into_iter()
                    .map(|c| DuplicateCandidate::Customer(c.into())),
            )
            .collect();
        Ok(CreateLeadPayload {
            lead: lead.into(),
            possible_duplicates,
        })
    }

    /// Changes a lead you work, rescoring it.
    #[graphql(guard = "SignedIn")]
    async fn update_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateLeadInput`.")] input: UpdateLeadInput,
    ) -> async_graphql::Result<UpdateLeadPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Lead, "input.id")?;
        let changes = LeadChanges {
            name: input.name,
            company: input.company,
            phone: input.phone,
            email: input.email,
            source: input.source,
            region: input.region,
            industry: input.industry,
            notes: input.notes,
            bant: input.bant.map(|b| bant(Some(b))),
            status: input.status,
            campaign_id: crate::customers::graphql::change(input.campaign_id, |id| {
                decode_id(&id, NodeType::Campaign, "input.campaignId")
            })?,
        };
        let changed =
            service::update_lead(ctx.app(), viewer, id, input.expected_version, changes).await;
        let db = &ctx.app().db;
        crate::graphql::conflict::or_current(
            ctx,
            changed.map_err(|e| e.naming("input.id")),
            async || service::get_lead(db, viewer, id).await,
        )
        .await
    }

    /// Takes a lead from the pool.
    #[graphql(guard = "SignedIn")]
    async fn claim_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ClaimLeadInput`.")] input: ClaimLeadInput,
    ) -> async_graphql::Result<ClaimLeadPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Lead, "input.id")?;
        Ok(pool::claim_lead(ctx.app(), viewer, id)
            .await
            .map_err(|e| e.naming("input.id"))?
            .into())
    }

    /// Puts a lead you work back into the pool.
    #[graphql(guard = "SignedIn")]
    async fn release_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ReleaseLeadInput`.")] input: ReleaseLeadInput,
    ) -> async_graphql::Result<ReleaseLeadPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Lead, "input.id")?;
        Ok(pool::release_lead(ctx.app(), viewer, id, &input.reason)
            .await
            .map_err(|e| e.naming("input.id"))?
            .into())
    }

    /// Hands a lead to a rep of your teams (managers, admins).
    #[graphql(guard = "SignedIn")]
    async fn assign_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `AssignLeadInput`.")] input: AssignLeadInput,
    ) -> async_graphql::Result<AssignLeadPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Lead, "input.id")?;
        let assignee = decode_id(&input.assignee_id, NodeType::User, "input.assigneeId")?;
        Ok(pool::assign_lead(ctx.app(), viewer, id, assignee)
            .await
            .map_err(|e| e.naming("input.id"))?
            .into())
    }

    /// Ends a lead as not worth pursuing.
    #[graphql(guard = "SignedIn")]
    async fn disqualify_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `DisqualifyLeadInput`.")]
        input: DisqualifyLeadInput,
    ) -> async_graphql::Result<DisqualifyLeadPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Lead, "input.id")?;
        Ok(
            service::disqualify_lead(ctx.app(), viewer, id, &input.reason)
                .await
                .map_err(|e| e.naming("input.id"))?
                .into(),
        )
    }

    /// Turns a qualified lead into a customer and a contact.
    #[graphql(guard = "SignedIn")]
    async fn convert_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `ConvertLeadInput`.")] input: ConvertLeadInput,
    ) -> async_graphql::Result<ConvertLeadPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Lead, "input.id")?;
        let customer_id = input
            .customer_id
            .map(|c| decode_id(&c, NodeType::Customer, "input.customerId"))
            .transpose()?;
        let opportunity = input
            .opportunity
            .map(
                |deal| -> AppResult<crate::flows::lead_conversion::ConvertedOpportunity> {
                    Ok(crate::flows::lead_conversion::ConvertedOpportunity {
                        name: deal.name,
                        amount_minor: crate::money::Money::parse(
                            deal.amount.0,
                            "input.opportunity.amount",
                        )?
                        .minor(),
                        expected_close_date: deal.expected_close_date.0,
                    })
                },
            )
            .transpose()?;
        let (lead, customer, contact) = crate::flows::lead_conversion::convert(
            ctx.app(),
            viewer,
            id,
            customer_id,
            opportunity,
            input.idempotency_key,
        )
        .await
        .map_err(|e| e.naming("input.id"))?;
        let opportunity = match lead.converted_opportunity_id {
            Some(deal) => Some(
                crate::opportunities::service::by_ids(&ctx.app().db, &[deal])
                    .await?
                    .into_iter()
                    .next()
                    .map(Into::into),
            ),
            None => None,
        }
        .flatten();
        Ok(ConvertLeadPayload {
            lead: lead.into(),
            customer: customer.into(),
            contact: contact.into(),
            opportunity,
        })
    }

    /// Replaces the scoring weights and grade thresholds and rescores open leads (admin).
    #[graphql(guard = "ADMIN")]
    async fn update_scoring_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateScoringRulesInput`.")]
        input: UpdateScoringRulesInput,
    ) -> async_graphql::Result<UpdateScoringRulesPayload> {
        let viewer = ctx.viewer()?;
        let rules = service::update_scoring_rules(ctx.app(), viewer, input.rules.into()).await?;
        Ok(UpdateScoringRulesPayload {
            rules: rules.into(),
        })
    }
}
