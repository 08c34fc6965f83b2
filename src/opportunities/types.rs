//! GraphQL types of the pipeline's records: stages, deals, their history and revenue splits.

use crate::graphql::scalars::Decimal;
use crate::graphql::scalars::Instant;
use async_graphql::{ComplexObject, Context, ID, SimpleObject};

use super::line_item_types::{self as lines, Margin, OpportunityLineItem};
use super::loaders::HistoryByOpportunity;
use super::service;
use crate::customers::contact_types::Contact;
use crate::customers::loaders::{ContactLoader, CustomerLoader};
use crate::customers::types::Customer;
use crate::graphql::context::ContextExt;
use crate::graphql::pagination::{PageArgs, child_page};
use crate::graphql::scalars::Date;
use crate::graphql::sync::unfiltered;
use crate::ids::{NodeType, encode_id};
use crate::money::Money;
use crate::playbook::loaders::ChecklistLoader;
use crate::playbook::types::OpportunityChecklistItem;
use crate::products::price_book_types::PriceBook;
use crate::quotes::types::Quote;
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::{opportunity, pipeline_stage};

pub use super::model::{ForecastCategory, OpportunityStatus, StageKind};

pub use super::split_types::RevenueSplit;
pub use super::stage_change_types::{StageChange, StageChangeConnection};
pub use super::stage_types::PipelineStage;
pub(super) use super::stage_types::stage;

/// The columns each field of [`Opportunity`] reads (see [`crate::columns`]); what depends on
/// the stage's probability or the splits is not named, so it reads every column.
pub const OPPORTUNITY_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("name", &["name"]),
            ("amount", &["amount_minor"]),
            ("campaign", &["campaign_id"]),
            ("status", &["status"]),
            ("forecastCategory", &["forecast_category"]),
            ("expectedCloseDate", &["expected_close_date"]),
            ("closedAt", &["closed_at"]),
            ("lostReason", &["lost_reason"]),
            ("stageEnteredAt", &["stage_entered_at"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
            ("customer", &["customer_id"]),
            ("owner", &["owner_id"]),
            ("stage", &["stage_id"]),
            ("visits", &[]),
            ("contracts", &[]),
            ("stageHistory", &[]),
            ("lineItems", &[]),
            ("margin", &[]),
            ("quotes", &[]),
            ("priceBook", &["price_book_id"]),
            ("need", &["need"]),
            ("budget", &["budget_minor"]),
            ("contact", &["contact_id"]),
            ("decisionMaker", &["decision_maker_id"]),
            ("checklist", &[]),
            ("closeReason", &["close_reason_id"]),
            ("closeDetail", &["close_detail"]),
            ("closedFromStage", &["closed_from_stage_id"]),
            ("competitors", &[]),
            ("lostTo", &[]),
        ],
    };

/// The columns each field of [`PipelineStage`] reads (see [`crate::columns`]).
pub const PIPELINE_STAGE_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("name", &["name"]),
            ("position", &["position"]),
            ("probability", &["probability"]),
            ("kind", &["kind"]),
            ("maxDaysInStage", &["max_days_in_stage"]),
            ("archived", &["archived"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
        ],
    };

/// A deal being worked with a customer.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Opportunity {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Deal name.
    pub name: String,
    /// Deal amount.
    pub amount: Decimal,
    /// Open, won or lost.
    pub status: OpportunityStatus,
    /// How the seller rates it for the forecast.
    pub forecast_category: ForecastCategory,
    /// When the seller expects to close it.
    pub expected_close_date: Date,
    /// When it was won or lost.
    pub closed_at: Option<Instant>,
    /// Why it was lost.
    pub lost_reason: Option<String>,
    /// When it entered its current stage.
    pub stage_entered_at: Instant,
    /// When the deal was created.
    pub created_at: Instant,
    /// When the deal last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub model: opportunity::Model,
    /// The stage, when a list query fetched it up front.
    #[graphql(skip)]
    pub prefetched_stage: Option<pipeline_stage::Model>,
    /// The customer (`Some(None)`: not visible) and owner, when a list query joined them in.
    #[graphql(skip)]
    pub prefetched: Option<Box<service::Joined>>,
}

impl Opportunity {
    /// With its stage already loaded (saves the loader round).
    /// A row of a list whose statement joined the stage, customer and owner in.
    pub fn listed(row: service::Listed) -> Self {
        Self {
            prefetched: Some(Box::new(row.joined)),
            ..Self::with_stage(row.deal, row.stage)
        }
    }

    pub fn with_stage(model: opportunity::Model, stage: Option<pipeline_stage::Model>) -> Self {
        Self {
            prefetched_stage: stage,
            ..Self::from(model)
        }
    }

    async fn current_stage(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<pipeline_stage::Model>> {
        match &self.prefetched_stage {
            Some(stage) if stage.id == self.model.stage_id => Ok(Some(stage.clone())),
            _ => stage(ctx, self.model.stage_id).await,
        }
    }
}

#[ComplexObject]
impl Opportunity {
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
        crate::history::graphql::history_of(
            ctx,
            crate::ids::NodeType::Opportunity,
            self.model.id,
            paging,
        )
        .await
    }

    /// The campaign its lead came from (first touch).
    async fn campaign(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::campaigns::types::Campaign>> {
        crate::campaigns::types::campaign(ctx, self.model.campaign_id).await
    }

    /// The customer.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        if let Some(found) = self.prefetched.as_ref().and_then(|p| p.customer.clone()) {
            return Ok(found.map(Customer::from));
        }
        let loader = ctx.loader::<CustomerLoader>()?;
        Ok(loader
            .load_one(self.model.customer_id)
            .await?
            .map(Customer::from))
    }

    /// The rep who owns the deal.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        if let Some(found) = self.prefetched.as_ref().and_then(|p| p.owner.clone()) {
            return Ok(found.map(User::from));
        }
        let loader = ctx.loader::<UserLoader>()?;
        Ok(loader.load_one(self.model.owner_id).await?.map(User::from))
    }

    /// The current stage.
    async fn stage(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PipelineStage>> {
        Ok(self.current_stage(ctx).await?.map(PipelineStage::from))
    }

    /// Win probability in percent: the deal's override, else the stage's.
    pub(super) async fn probability(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(match self.current_stage(ctx).await? {
            Some(stage) => service::probability(&self.model, &stage),
            None => self.model.probability_override.unwrap_or(0),
        })
    }

    /// Amount × probability, rounded half-up to the cent.
    async fn weighted_amount(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        let probability = self.probability(ctx).await?;
        Ok(Decimal(
            service::weighted(Money::from_minor(self.model.amount_minor), probability).to_decimal(),
        ))
    }

    /// Whole days in the current stage.
    async fn days_in_stage(&self, ctx: &Context<'_>) -> i32 {
        service::whole_days(self.model.stage_entered_at, ctx.app().clock.now())
    }

    /// True when an open deal sits longer than its stage's limit (× 24 hours): its
    /// `maxDaysInStage`, or with `AUTO` the observed 80th percentile of stays.
    async fn is_stale(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        if self.model.status != OpportunityStatus::Open.as_str() {
            return Ok(false);
        }
        // The same rule as the stale list, the sweep and the stuck-deal counts.
        let now = ctx.app().clock.now();
        let in_stage = now - self.model.stage_entered_at;
        let dwell = ctx
            .loader::<super::loaders::StageDwellLoader>()?
            .load_one((self.model.stage_id, now))
            .await?;
        Ok(dwell
            .and_then(|d| d.limit)
            .is_some_and(|max| in_stage > chrono::Duration::days(max)))
    }

    /// What the customer needs, as the seller understood it.
    async fn need(&self) -> Option<&str> {
        self.model.need.as_deref()
    }

    /// The customer's budget for it.
    async fn budget(&self) -> Option<Decimal> {
        self.model
            .budget_minor
            .map(|b| Decimal(Money::from_minor(b).to_decimal()))
    }

    /// The customer's contact for the deal.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        contact_of(ctx, self.model.contact_id).await
    }

    /// The customer's contact who decides.
    async fn decision_maker(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        contact_of(ctx, self.model.decision_maker_id).await
    }

    /// Why it was won or lost: a reason of `winReasons` or `lossReasons` (null while open,
    /// and for deals closed before reasons were picked from a list).
    async fn close_reason(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::win_loss_types::CloseReason>> {
        let Some(id) = self.model.close_reason_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<super::loaders::CloseReasonLoader>()?
            .load_one(id)
            .await?
            .map(Into::into))
    }

    /// The seller's words on why it was won or lost.
    async fn close_detail(&self) -> Option<&str> {
        self.model.close_detail.as_deref()
    }

    /// The stage it was in when it was won or lost.
    async fn closed_from_stage(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<PipelineStage>> {
        let Some(id) = self.model.closed_from_stage_id else {
            return Ok(None);
        };
        Ok(stage(ctx, id).await?.map(PipelineStage::from))
    }

    /// The competitors it is (or was) contested with, in the order they were named.
    async fn competitors(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::win_loss_types::OpportunityCompetitor>> {
        Ok(ctx
            .loader::<super::loaders::CompetitorsByOpportunity>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The competitor who won it, when the seller named one.
    async fn lost_to(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::win_loss_types::Competitor>> {
        let named = ctx
            .loader::<super::loaders::CompetitorsByOpportunity>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default();
        let Some(winner) = named
            .iter()
            .find(|n| n.status == super::model::CompetitorStatus::LostTo.as_str())
        else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<super::loaders::CompetitorLoader>()?
            .load_one(winner.competitor_id)
            .await?
            .map(Into::into))
    }

    /// Where the deal stands on its current stage's exit criteria, in order.
    async fn checklist(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<OpportunityChecklistItem>> {
        Ok(ctx
            .loader::<ChecklistLoader>()?
            .load_one(self.model.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The products sold, in order; empty for a deal priced as a plain amount.
    async fn line_items(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<OpportunityLineItem>> {
        lines::lines(ctx, self).await
    }

    /// The margin of the line items; null without lines, with a line of unknown cost, and
    /// unless you are an admin, a manager or finance.
    async fn margin(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Margin>> {
        lines::margin(ctx, self).await
    }

    /// Its quotes, newest first.
    async fn quotes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Quote>> {
        crate::quotes::types::of_deal(ctx, self.model.id).await
    }

    /// The price book its line items are priced from.
    async fn price_book(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PriceBook>> {
        lines::price_book(ctx, self).await
    }

    /// Who is credited with the deal and how much (100% to the owner unless split).
    async fn splits(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RevenueSplit>> {
        super::split_types::credited(ctx, self, false).await
    }

    /// Supporting people credited on top of the revenue (overlay credit: reported apart in
    /// `salesPerformance.overlayWonAmount`, never added to the deal's or anyone's revenue).
    async fn overlays(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RevenueSplit>> {
        super::split_types::credited(ctx, self, true).await
    }

    /// Visits working on the deal that you may see, latest planned first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn visits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<crate::visits::types::VisitTaskConnection> {
        let args = PageArgs::new(first, after, last, before);
        use crate::visits::{loaders::VisitsByOpportunity, types::VisitTask};
        let page = child_page::<VisitsByOpportunity>(ctx, self.model.id, args, None).await?;
        Ok(
            crate::visits::types::VisitTaskConnection::from_page(page, VisitTask::from)
                .with_sync(unfiltered(ctx)),
        )
    }

    /// Contracts drafted from the deal that you may see, newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn contracts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<crate::contracts::types::ContractConnection> {
        let args = PageArgs::new(first, after, last, before);
        use crate::contracts::{loaders::ContractsByOpportunity, types::Contract};
        let page = child_page::<ContractsByOpportunity>(ctx, self.model.id, args, None).await?;
        Ok(
            crate::contracts::types::ContractConnection::from_page(page, Contract::from)
                .with_sync(unfiltered(ctx)),
        )
    }

    /// Every change of stage, oldest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn stage_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<StageChangeConnection> {
        let args = PageArgs::new(first, after, last, before);
        let page = child_page::<HistoryByOpportunity>(ctx, self.model.id, args, None).await?;
        Ok(StageChangeConnection::from_page(page, StageChange::from))
    }
}

/// A contact through the request's loader.
async fn contact_of(
    ctx: &Context<'_>,
    id: Option<uuid::Uuid>,
) -> async_graphql::Result<Option<Contact>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .loader::<ContactLoader>()?
        .load_one(id)
        .await?
        .map(Contact::from))
}

impl From<opportunity::Model> for Opportunity {
    fn from(model: opportunity::Model) -> Self {
        Self {
            id: encode_id(NodeType::Opportunity, model.id),
            name: model.name.clone(),
            amount: Decimal(Money::from_minor(model.amount_minor).to_decimal()),
            status: OpportunityStatus::parse(&model.status).unwrap_or(OpportunityStatus::Open),
            forecast_category: ForecastCategory::parse(&model.forecast_category)
                .unwrap_or(ForecastCategory::Pipeline),
            expected_close_date: Date(model.expected_close_date),
            closed_at: model.closed_at.map(Into::into),
            lost_reason: model.lost_reason.clone(),
            stage_entered_at: model.stage_entered_at.into(),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            model,
            prefetched_stage: None,
            prefetched: None,
        }
    }
}

crate::connection_types!(OpportunityConnection, OpportunityEdge, Opportunity, synced);
