//! Resolvers of campaigns: everyone reads the list, managers and admins write.

use async_graphql::{Context, ID, Object};

use super::model::CampaignChannel;
use super::service::{self, CampaignChanges, NewCampaign, NewCost};
use super::types::{
    AddCampaignMembersInput, AddCampaignMembersPayload, Campaign, CampaignConnection,
    CampaignFilter, CreateCampaignInput, CreateCampaignPayload, RecordCampaignCostInput,
    RecordCampaignCostPayload, UpdateCampaignInput, UpdateCampaignPayload,
};
use crate::analytics::campaign_report_types::{
    CampaignReport, CampaignReportInput, CampaignReportRow, ChannelAcquisition,
};
use crate::customers::graphql::change;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{CAMPAIGN_MONEY, SignedIn};
use crate::graphql::pagination::list_request;
use crate::graphql::scalars::Decimal;
use crate::ids::{NodeType, decode_id};

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// The campaigns, newest first (everyone signed in; budgets and costs for managers,
    /// finance and admins).
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only campaigns matching this filter.")] filter: Option<CampaignFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<CampaignConnection> {
        ctx.viewer()?;
        let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
        let f = filter.unwrap_or_default();
        let filter = service::CampaignFilter {
            channel: f.channel,
            status: f.status,
            active_on: f.active_on.map(|d| d.0),
            search: f.search,
        };
        let page = service::list(&ctx.app().db, filter, &page).await?;
        Ok(CampaignConnection::from_page(page, Campaign::from))
    }

    /// One campaign by id; `null` with a `NOT_FOUND` error when there is none.
    #[graphql(guard = "SignedIn")]
    async fn campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
    ) -> async_graphql::Result<Option<Campaign>> {
        crate::graphql::context::lookup(ctx, async {
            let id = decode_id(&id, NodeType::Campaign, "id")?;
            Ok(service::get(&ctx.app().db, id).await?.into())
        })
        .await
    }

    /// What each campaign cost and brought over a window of days: cost → members → leads →
    /// qualified → deals → won → collected, cost per lead and per won deal, and ROI, first-touch
    /// and linear any-touch side by side (managers over the leads and deals they see, finance
    /// and admins over all).
    #[graphql(guard = "CAMPAIGN_MONEY")]
    async fn campaign_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window and, optionally, the campaigns.")] input: CampaignReportInput,
    ) -> async_graphql::Result<CampaignReport> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let window = crate::analytics::campaign_report::Window::new(
            input.from.0,
            input.to.0,
            app.config.company_tz(),
        )?;
        let ids = report_ids(input.campaign_ids)?;
        let campaigns =
            crate::analytics::campaign_report::campaigns_of(&app.db, ids.as_deref(), &window)
                .await?;
        let keys: Vec<uuid::Uuid> = campaigns.iter().map(|c| c.id).collect();
        let figures =
            crate::analytics::campaign_report::figures(&app.db, viewer, &keys, &window).await?;
        let mut total = crate::analytics::campaign_report::Figures::default();
        let mut rows: Vec<(crate::analytics::campaign_report::Figures, Campaign)> = campaigns
            .into_iter()
            .map(|c| {
                let f = figures.get(&c.id).cloned().unwrap_or_default();
                total.add(&f);
                (f, Campaign::from(c))
            })
            .collect();
        rows.sort_by(|a, b| b.0.won.cmp(&a.0.won).then_with(|| a.1.name.cmp(&b.1.name)));
        let mut channels: Vec<(CampaignChannel, crate::analytics::campaign_report::Figures)> =
            Vec::new();
        for (f, c) in &rows {
            match channels
                .iter_mut()
                .find(|(channel, _)| *channel == c.channel)
            {
                Some((_, sum)) => sum.add(f),
                None => channels.push((c.channel, f.clone())),
            }
        }
        channels.sort_by_key(|(channel, _)| channel.as_str());
        Ok(CampaignReport {
            from: input.from,
            to: input.to,
            rows: rows
                .into_iter()
                .map(|(f, c)| CampaignReportRow::new(Some(c), &f))
                .collect(),
            total: CampaignReportRow::new(None, &total),
            channels: channels
                .iter()
                .map(|(channel, f)| ChannelAcquisition::new(*channel, f))
                .collect(),
        })
    }
}

/// At most this many ids in `campaignIds`.
fn report_ids(ids: Option<Vec<ID>>) -> async_graphql::Result<Option<Vec<uuid::Uuid>>> {
    let Some(ids) = ids else { return Ok(None) };
    if ids.is_empty() || ids.len() > crate::analytics::campaign_report::MAX_CAMPAIGNS {
        return Err(crate::error::AppError::bad_input(
            "input.campaignIds",
            format!(
                "Name 1 to {} campaigns, or none for those of the window",
                crate::analytics::campaign_report::MAX_CAMPAIGNS
            ),
        )
        .into());
    }
    let decoded = ids
        .iter()
        .enumerate()
        .map(|(i, id)| decode_id(id, NodeType::Campaign, &format!("input.campaignIds.{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(decoded))
}

#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// Creates a campaign you own (managers and admins).
    #[graphql(guard = "SignedIn")]
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CreateCampaignInput`.")]
        input: CreateCampaignInput,
    ) -> async_graphql::Result<CreateCampaignPayload> {
        let viewer = ctx.viewer()?;
        let new = NewCampaign {
            name: input.name,
            channel: input.channel,
            status: input.status,
            start_date: input.start_date.0,
            end_date: input.end_date.map(|d| d.0),
            budget_minor: input
                .budget
                .map(|b| Decimal::minor(b, "input.budget"))
                .transpose()?
                .unwrap_or(0),
        };
        let created = service::create(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(CreateCampaignPayload {
            campaign: created.into(),
        })
    }

    /// Changes a campaign (its owner and admins).
    #[graphql(guard = "SignedIn")]
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateCampaignInput`.")]
        input: UpdateCampaignInput,
    ) -> async_graphql::Result<UpdateCampaignPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Campaign, "input.id")?;
        let changes = CampaignChanges {
            name: input.name,
            channel: input.channel,
            status: input.status,
            start_date: input.start_date.map(|d| d.0),
            end_date: change(input.end_date, |d| Ok(d.0))?,
            budget_minor: input
                .budget
                .map(|b| Decimal::minor(b, "input.budget"))
                .transpose()?,
        };
        let saved = service::update(ctx.app(), viewer, id, input.expected_version, changes).await?;
        Ok(UpdateCampaignPayload {
            campaign: saved.into(),
        })
    }

    /// Adds contacts and leads you may see to a campaign, or moves those in it to a new status
    /// (its owner and admins), all or none.
    #[graphql(guard = "SignedIn")]
    async fn add_campaign_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `AddCampaignMembersInput`.")]
        input: AddCampaignMembersInput,
    ) -> async_graphql::Result<AddCampaignMembersPayload> {
        use super::members::Member;
        use super::model::{MAX_MEMBERS_PER_CALL, MemberStatus};
        let viewer = ctx.viewer()?;
        let campaign_id = decode_id(&input.campaign_id, NodeType::Campaign, "input.campaignId")?;
        if input.members.len() > MAX_MEMBERS_PER_CALL {
            return Err(crate::error::AppError::bad_input(
                "input.members",
                format!("Add 1 to {MAX_MEMBERS_PER_CALL} members at a time"),
            )
            .into());
        }
        let mut members = Vec::with_capacity(input.members.len());
        for (index, entry) in input.members.into_iter().enumerate() {
            let member = match (entry.contact_id, entry.lead_id) {
                (Some(id), None) => Member::Contact(decode_id(
                    &id,
                    NodeType::Contact,
                    &format!("input.members.{index}.contactId"),
                )?),
                (None, Some(id)) => Member::Lead(decode_id(
                    &id,
                    NodeType::Lead,
                    &format!("input.members.{index}.leadId"),
                )?),
                _ => {
                    return Err(crate::error::AppError::bad_input(
                        format!("input.members.{index}"),
                        "Name a contact or a lead, not both",
                    )
                    .into());
                }
            };
            members.push((member, entry.status.unwrap_or(MemberStatus::Invited)));
        }
        let (campaign, added) = super::members::add(
            ctx.app(),
            viewer,
            campaign_id,
            members,
            input.idempotency_key,
        )
        .await?;
        Ok(AddCampaignMembersPayload {
            campaign: campaign.into(),
            added: added.added,
            updated: added.updated,
        })
    }

    /// Records a cost of a campaign (its owner and admins): a positive amount, or a negative
    /// one with its reason for a refund of a cost.
    #[graphql(guard = "SignedIn")]
    async fn record_campaign_cost(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `RecordCampaignCostInput`.")]
        input: RecordCampaignCostInput,
    ) -> async_graphql::Result<RecordCampaignCostPayload> {
        let viewer = ctx.viewer()?;
        let new = NewCost {
            campaign_id: decode_id(&input.campaign_id, NodeType::Campaign, "input.campaignId")?,
            amount_minor: Decimal::minor(input.amount, "input.amount")?,
            incurred_on: input.incurred_on.0,
            note: input.note,
        };
        let (campaign, cost) =
            service::record_cost(ctx.app(), viewer, new, input.idempotency_key).await?;
        Ok(RecordCampaignCostPayload {
            campaign: campaign.into(),
            cost: cost.into(),
        })
    }
}
