//! GraphQL shapes of campaigns and their costs.

use async_graphql::{ComplexObject, Context, ID, InputObject, MaybeUndefined, SimpleObject};

pub use super::model::{CampaignChannel, CampaignStatus, MemberStatus};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::CAMPAIGN_MONEY;
use crate::graphql::scalars::{Date, Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::users::types::User;
use entity::{campaign, campaign_cost};

fn money(minor: i64) -> Decimal {
    Decimal(Money::from_minor(minor).to_decimal())
}

/// A marketing activity (an exhibition, a webinar, ads) that leads and deals are attributed to.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Campaign {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// What it is called.
    pub name: String,
    /// Where it reaches people.
    pub channel: CampaignChannel,
    /// Where it stands.
    pub status: CampaignStatus,
    /// Its first day.
    pub start_date: Date,
    /// Its last day, when set.
    pub end_date: Option<Date>,
    /// When it was created.
    pub created_at: Instant,
    /// When it last changed (a cost recorded changes it too).
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub uuid: uuid::Uuid,
    #[graphql(skip)]
    pub owner_id: uuid::Uuid,
    #[graphql(skip)]
    pub budget_minor: i64,
    #[graphql(skip)]
    pub actual_cost_minor: i64,
}

#[ComplexObject]
impl Campaign {
    /// Who runs it (a manager or an admin).
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.owner_id).await
    }

    /// What it may cost (managers, finance and admins; `FORBIDDEN` for others).
    #[graphql(guard = "CAMPAIGN_MONEY")]
    async fn budget(&self) -> Decimal {
        money(self.budget_minor)
    }

    /// What it has cost: the sum of its cost entries (managers, finance and admins).
    #[graphql(guard = "CAMPAIGN_MONEY")]
    async fn actual_cost(&self) -> Decimal {
        money(self.actual_cost_minor)
    }

    /// Its members by status, over the contacts and leads you may see (managers, finance and
    /// admins).
    #[graphql(guard = "CAMPAIGN_MONEY")]
    async fn member_counts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CampaignMemberCounts> {
        let loader = ctx.loader::<super::loaders::MemberCounts>()?;
        let found = loader.load_one(self.uuid).await?.unwrap_or_default();
        let of = |status: MemberStatus| found.get(status.as_str()).copied().unwrap_or(0);
        Ok(CampaignMemberCounts {
            invited: of(MemberStatus::Invited),
            registered: of(MemberStatus::Registered),
            attended: of(MemberStatus::Attended),
            responded: of(MemberStatus::Responded),
            total: found.values().sum(),
        })
    }

    /// Its newest cost entries (at most 100), newest first (managers, finance and admins).
    #[graphql(guard = "CAMPAIGN_MONEY")]
    async fn costs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CampaignCost>> {
        let loader = ctx.loader::<super::loaders::CostsByCampaign>()?;
        Ok(loader
            .load_one(self.uuid)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(CampaignCost::from)
            .collect())
    }
}

/// How many contacts and leads a campaign reached, by how far they came.
#[derive(SimpleObject, Clone, Copy, Debug, Default)]
pub struct CampaignMemberCounts {
    /// Invited.
    pub invited: i64,
    /// Signed up.
    pub registered: i64,
    /// Came.
    pub attended: i64,
    /// Answered without attending.
    pub responded: i64,
    /// All of them.
    pub total: i64,
}

impl From<campaign::Model> for Campaign {
    fn from(model: campaign::Model) -> Self {
        Self {
            id: encode_id(NodeType::Campaign, model.id),
            uuid: model.id,
            name: model.name,
            channel: CampaignChannel::parse(&model.channel).unwrap_or(CampaignChannel::Other),
            status: CampaignStatus::parse(&model.status).unwrap_or(CampaignStatus::Planned),
            start_date: Date(model.start_date),
            end_date: model.end_date.map(Date),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            owner_id: model.owner_id,
            budget_minor: model.budget_minor,
            actual_cost_minor: model.actual_cost_minor,
        }
    }
}

crate::connection_types!(CampaignConnection, CampaignEdge, Campaign);

/// One cost of a campaign; a refund of a cost is a negative entry with its reason.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct CampaignCost {
    /// Identifier of the entry.
    pub id: ID,
    /// The amount; negative for a refund of a cost.
    pub amount: Decimal,
    /// The day the cost was incurred.
    pub incurred_on: Date,
    /// What it was for (a refund's reason).
    pub note: Option<String>,
    /// When it was recorded.
    pub created_at: Instant,
    #[graphql(skip)]
    pub recorded_by: uuid::Uuid,
}

#[ComplexObject]
impl CampaignCost {
    /// Who recorded it.
    async fn recorded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        crate::users::loaders::user(ctx, self.recorded_by).await
    }
}

impl From<campaign_cost::Model> for CampaignCost {
    fn from(model: campaign_cost::Model) -> Self {
        Self {
            id: ID(model.id.to_string()),
            amount: money(model.amount_minor),
            incurred_on: Date(model.incurred_on),
            note: model.note,
            created_at: model.created_at.into(),
            recorded_by: model.recorded_by,
        }
    }
}

/// A new campaign, owned by the caller.
#[derive(InputObject, Debug)]
pub struct CreateCampaignInput {
    /// What it is called (1–200 characters).
    pub name: String,
    /// Where it reaches people.
    pub channel: CampaignChannel,
    /// Where it stands; `PLANNED` by default.
    pub status: Option<CampaignStatus>,
    /// Its first day.
    pub start_date: Date,
    /// Its last day (on or after the first).
    pub end_date: Option<Date>,
    /// What it may cost (zero or more, at most two decimals); 0 by default.
    pub budget: Option<Decimal>,
    /// Makes a retried create answer the first one's campaign.
    pub idempotency_key: Option<String>,
}

/// Result of `createCampaign`.
#[derive(SimpleObject, Debug)]
pub struct CreateCampaignPayload {
    /// The new campaign.
    pub campaign: Campaign,
}

/// Changes to a campaign; fields left out stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateCampaignInput {
    /// The campaign.
    pub id: ID,
    /// The version you last saw.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New channel.
    pub channel: Option<CampaignChannel>,
    /// New status.
    pub status: Option<CampaignStatus>,
    /// New first day.
    pub start_date: Option<Date>,
    /// New last day; null clears it.
    pub end_date: MaybeUndefined<Date>,
    /// New budget.
    pub budget: Option<Decimal>,
}

/// Result of `updateCampaign`.
#[derive(SimpleObject, Debug)]
pub struct UpdateCampaignPayload {
    /// The campaign as changed.
    pub campaign: Campaign,
}

/// A cost of a campaign.
#[derive(InputObject, Debug)]
pub struct RecordCampaignCostInput {
    /// The campaign.
    pub campaign_id: ID,
    /// The amount, at most two decimals; negative (with its reason in `note`) for a refund
    /// of a cost.
    pub amount: Decimal,
    /// The day the cost was incurred.
    pub incurred_on: Date,
    /// What it was for (at most 500 characters); required for a negative amount.
    pub note: Option<String>,
    /// Makes a retried call record the cost once.
    pub idempotency_key: Option<String>,
}

/// Result of `recordCampaignCost`.
#[derive(SimpleObject, Debug)]
pub struct RecordCampaignCostPayload {
    /// The campaign with its new actual cost.
    pub campaign: Campaign,
    /// The entry recorded.
    pub cost: CampaignCost,
}

/// Which campaigns to list.
#[derive(InputObject, Debug, Default)]
pub struct CampaignFilter {
    /// Only this channel.
    pub channel: Option<CampaignChannel>,
    /// Only this status.
    pub status: Option<CampaignStatus>,
    /// Only campaigns running on this day.
    pub active_on: Option<Date>,
    /// Part of the name.
    pub search: Option<String>,
}

/// The campaign `id` names, through the request's loader (for the `campaign` fields of leads,
/// customers and deals).
pub async fn campaign(
    ctx: &Context<'_>,
    id: Option<uuid::Uuid>,
) -> async_graphql::Result<Option<Campaign>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let loader = ctx.loader::<super::loaders::CampaignLoader>()?;
    Ok(loader.load_one(id).await?.map(Campaign::from))
}

/// A contact or a lead to add to a campaign: exactly one of the two.
#[derive(InputObject, Debug)]
pub struct CampaignMemberInput {
    /// A contact you may see.
    pub contact_id: Option<ID>,
    /// A lead you may see.
    pub lead_id: Option<ID>,
    /// How far they came; `INVITED` by default.
    pub status: Option<MemberStatus>,
}

/// Contacts and leads to add to a campaign (or to move to a new status).
#[derive(InputObject, Debug)]
pub struct AddCampaignMembersInput {
    /// The campaign.
    pub campaign_id: ID,
    /// 1 to 500 members, each named once.
    pub members: Vec<CampaignMemberInput>,
    /// Makes a retried call add them once.
    pub idempotency_key: Option<String>,
}

/// Result of `addCampaignMembers`.
#[derive(SimpleObject, Debug)]
pub struct AddCampaignMembersPayload {
    /// The campaign.
    pub campaign: Campaign,
    /// How many were new to it.
    pub added: i64,
    /// How many were in it and moved to a new status.
    pub updated: i64,
}
