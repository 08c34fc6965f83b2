//! GraphQL types of leads: the lead object, its events and the duplicate-candidate union.

use crate::graphql::scalars::Instant;
use async_graphql::{ComplexObject, Context, ID, SimpleObject, Union};

use super::loaders::EventsByLead;
use crate::customers::loaders::CustomerLoader;
use crate::customers::types::{Customer, Grade};
use crate::followups::loaders::FollowUpsByLead;
use crate::followups::types::{FollowUp, FollowUpConnection};
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{PageArgs, child_page};
use crate::ids::{NodeType, encode_id};
use crate::normalize::{mask_email, mask_phone};
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::{lead, lead_event};

pub use super::model::{
    BantAnswer, BantTimeline, LeadAssignment, LeadEventKind, LeadSource, LeadStatus,
};

crate::string_enum! {
    /// What lead lists can be ordered by.
    LeadOrderField {
        /// Creation time.
        CreatedAt => "CREATED_AT",
        /// Last change.
        UpdatedAt => "UPDATED_AT",
        /// Score.
        Score => "SCORE",
    }
}

/// Budget, authority, need and timeline: how qualified a lead is.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct Bant {
    /// Does the lead have budget?
    pub budget: BantAnswer,
    /// Are we talking to someone who decides?
    pub authority: BantAnswer,
    /// Is there a need we meet?
    pub need: BantAnswer,
    /// When will they buy?
    pub timeline: BantTimeline,
}

/// The columns each field of [`Lead`] reads (see [`crate::columns`]).
pub const LEAD_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("name", &["name"]),
            ("company", &["company"]),
            ("source", &["source"]),
            ("status", &["status"]),
            ("score", &["score"]),
            ("grade", &["grade"]),
            ("campaign", &["campaign_id"]),
            (
                "bant",
                &[
                    "bant_budget",
                    "bant_authority",
                    "bant_need",
                    "bant_timeline",
                ],
            ),
            ("region", &["region"]),
            ("industry", &["industry"]),
            ("notes", &["notes"]),
            ("inPool", &["in_pool"]),
            ("poolDeadline", &["pool_deadline"]),
            ("lastFollowUpAt", &["last_follow_up_at"]),
            ("followUpCount", &["follow_up_count"]),
            ("disqualifiedReason", &["disqualified_reason"]),
            ("convertedAt", &["converted_at"]),
            ("qualifiedAt", &["qualified_at"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
            ("phone", &["phone", "in_pool"]),
            ("email", &["email", "in_pool"]),
            ("owner", &["owner_id"]),
            ("followUps", &[]),
            ("events", &[]),
            ("convertedOpportunity", &["converted_opportunity_id"]),
            ("convertedCustomer", &["converted_customer_id"]),
        ],
    };

/// A prospective customer not yet qualified.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Lead {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// The person's name.
    pub name: String,
    /// Their company.
    pub company: Option<String>,
    /// Where the lead came from.
    pub source: LeadSource,
    /// Where the lead stands.
    pub status: LeadStatus,
    /// 0–100, from BANT, engagement and source (see `scoringRules`).
    pub score: i32,
    /// A, B or C from the score.
    pub grade: Grade,
    /// Qualification answers.
    pub bant: Bant,
    /// Sales region.
    pub region: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// True while the lead waits in the pool for a rep to claim it.
    pub in_pool: bool,
    /// When the lead returns to the pool unless followed up.
    pub pool_deadline: Option<Instant>,
    /// When the last follow-up happened.
    pub last_follow_up_at: Option<Instant>,
    /// How many follow-ups were logged.
    pub follow_up_count: i32,
    /// Why it was disqualified.
    pub disqualified_reason: Option<String>,
    /// When it was converted.
    pub converted_at: Option<Instant>,
    /// When it first became qualified.
    pub qualified_at: Option<Instant>,
    /// When the lead was created.
    pub created_at: Instant,
    /// When the lead last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub model: lead::Model,
}

#[ComplexObject]
impl Lead {
    /// Who changed which field when, newest first, from the audit log (values your role may
    /// not see are masked).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<crate::history::types::FieldChangeConnection> {
        let paging = crate::history::graphql::Paging {
            first,
            after,
            last,
            before,
        };
        crate::history::graphql::history_of(ctx, crate::ids::NodeType::Lead, self.model.id, paging)
            .await
    }

    /// The campaign it came from (first touch).
    async fn campaign(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::campaigns::types::Campaign>> {
        crate::campaigns::types::campaign(ctx, self.model.campaign_id).await
    }

    /// Phone number; partly masked while the lead is in the pool.
    async fn phone(&self, ctx: &Context<'_>) -> Option<String> {
        let masked = self.model.in_pool && !ctx.viewer().is_ok_and(|v| v.is_admin());
        self.model
            .phone
            .as_deref()
            .map(|p| if masked { mask_phone(p) } else { p.to_owned() })
    }

    /// E-mail; partly masked while the lead is in the pool.
    async fn email(&self, ctx: &Context<'_>) -> Option<String> {
        let masked = self.model.in_pool && !ctx.viewer().is_ok_and(|v| v.is_admin());
        self.model
            .email
            .as_deref()
            .map(|e| if masked { mask_email(e) } else { e.to_owned() })
    }

    /// The rep working the lead; null in the pool.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(owner) = self.model.owner_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(owner)
            .await?
            .map(User::from))
    }

    /// Follow-ups logged on the lead, newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn follow_ups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<FollowUpConnection> {
        let args = PageArgs::new(first, after, last, before);
        let page = child_page::<FollowUpsByLead>(ctx, self.model.id, args, None).await?;
        Ok(FollowUpConnection::from_page(page, FollowUp::from))
    }

    /// Every claim, release, assignment, return and conversion, oldest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<LeadEventConnection> {
        let args = PageArgs::new(first, after, last, before);
        let page = child_page::<EventsByLead>(ctx, self.model.id, args, None).await?;
        Ok(LeadEventConnection::from_page(page, LeadEvent::from))
    }

    /// The deal opened when the lead was converted.
    async fn converted_opportunity(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::opportunities::types::Opportunity>> {
        let Some(id) = self.model.converted_opportunity_id else {
            return Ok(None);
        };
        let loader = ctx.loader::<crate::opportunities::loaders::OpportunityLoader>()?;
        Ok(loader
            .load_one(id)
            .await?
            .map(crate::opportunities::types::Opportunity::from))
    }

    /// The customer the lead became.
    async fn converted_customer(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Customer>> {
        let Some(id) = self.model.converted_customer_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<CustomerLoader>()?
            .load_one(id)
            .await?
            .map(Customer::from))
    }
}

impl From<lead::Model> for Lead {
    fn from(model: lead::Model) -> Self {
        Self {
            id: encode_id(NodeType::Lead, model.id),
            name: model.name.clone(),
            company: model.company.clone(),
            source: LeadSource::parse(&model.source).unwrap_or(LeadSource::Other),
            status: LeadStatus::parse(&model.status).unwrap_or(LeadStatus::New),
            score: model.score,
            grade: Grade::parse(&model.grade).unwrap_or(Grade::C),
            bant: Bant {
                budget: BantAnswer::parse(&model.bant_budget).unwrap_or(BantAnswer::Unknown),
                authority: BantAnswer::parse(&model.bant_authority).unwrap_or(BantAnswer::Unknown),
                need: BantAnswer::parse(&model.bant_need).unwrap_or(BantAnswer::Unknown),
                timeline: BantTimeline::parse(&model.bant_timeline)
                    .unwrap_or(BantTimeline::Unknown),
            },
            region: model.region.clone(),
            industry: model.industry.clone(),
            notes: model.notes.clone(),
            in_pool: model.in_pool,
            pool_deadline: model.pool_deadline.map(Into::into),
            last_follow_up_at: model.last_follow_up_at.map(Into::into),
            follow_up_count: model.follow_up_count,
            disqualified_reason: model.disqualified_reason.clone(),
            converted_at: model.converted_at.map(Into::into),
            qualified_at: model.qualified_at.map(Into::into),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
        }
    }
}

/// One change of a lead's ownership or status.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct LeadEvent {
    /// What happened.
    pub kind: LeadEventKind,
    /// Why (for releases, returns and disqualifications).
    pub reason: Option<String>,
    /// When it happened.
    pub at: Instant,
    #[graphql(skip)]
    pub actor_id: Option<uuid::Uuid>,
    #[graphql(skip)]
    pub from_owner_id: Option<uuid::Uuid>,
    #[graphql(skip)]
    pub to_owner_id: Option<uuid::Uuid>,
}

async fn user(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> async_graphql::Result<Option<User>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loader::<UserLoader>()?
        .load_one(id)
        .await?
        .map(User::from))
}

#[ComplexObject]
impl LeadEvent {
    /// Who did it; null for automatic sweeps.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        user(ctx, self.actor_id).await
    }

    /// The owner before.
    #[graphql(name = "fromOwner")]
    async fn previous_owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        user(ctx, self.from_owner_id).await
    }

    /// The owner after.
    #[graphql(name = "toOwner")]
    async fn next_owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        user(ctx, self.to_owner_id).await
    }
}

impl From<lead_event::Model> for LeadEvent {
    fn from(model: lead_event::Model) -> Self {
        Self {
            kind: LeadEventKind::parse(&model.kind).unwrap_or(LeadEventKind::Created),
            reason: model.reason,
            at: model.created_at.into(),
            actor_id: model.actor_id,
            from_owner_id: model.from_owner_id,
            to_owner_id: model.to_owner_id,
        }
    }
}

/// A record that may be the same company as the one just entered.
// Candidates live for one response; boxing the variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Union, Debug, Clone)]
pub enum DuplicateCandidate {
    /// A lead with a similar company name.
    Lead(Lead),
    /// A customer with a similar name.
    Customer(Customer),
}

crate::connection_types!(LeadConnection, LeadEdge, Lead, synced);
crate::connection_types!(LeadEventConnection, LeadEventEdge, LeadEvent);
