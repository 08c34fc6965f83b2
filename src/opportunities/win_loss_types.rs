//! GraphQL types of why deals are won and lost: the reason picklists, competitors, the
//! competitors named on a deal, and the win/loss report.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use super::model::{CloseReasonKind, CompetitorStatus, WinLossGroup};
use super::report_types::ForecastScope;
use super::stage_types::PipelineStage;
use super::types::Opportunity;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Date, Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::{close_reason, competitor, opportunity_competitor};

/// A reason of the picklist deals are won or lost for.
#[derive(SimpleObject, Clone, Debug)]
pub struct CloseReason {
    /// Opaque, globally unique identifier (for `reasonId` arguments).
    pub id: ID,
    /// Which list it belongs to.
    pub kind: CloseReasonKind,
    /// The reason, as reps pick it.
    pub name: String,
    /// Order in its list, from 1.
    pub position: i32,
    /// Archived reasons are no longer offered; closed deals keep theirs.
    pub archived: bool,
    /// When it was added.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
}

impl From<close_reason::Model> for CloseReason {
    fn from(model: close_reason::Model) -> Self {
        Self {
            id: encode_id(NodeType::CloseReason, model.id),
            kind: CloseReasonKind::parse(&model.kind).unwrap_or(CloseReasonKind::Loss),
            position: model.position,
            archived: model.archived,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            name: model.name,
        }
    }
}

/// A company deals are contested with.
#[derive(SimpleObject, Clone, Debug)]
pub struct Competitor {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// Its name.
    pub name: String,
    /// Archived competitors are no longer named on new deals.
    pub archived: bool,
    /// When it was first named.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
}

impl From<competitor::Model> for Competitor {
    fn from(model: competitor::Model) -> Self {
        Self {
            id: encode_id(NodeType::Competitor, model.id),
            archived: model.archived,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            name: model.name,
        }
    }
}

/// A competitor named on a deal, and how the deal stands against it.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct OpportunityCompetitor {
    /// `ACTIVE` while contested (or when the deal went to someone else), `WON_AGAINST` when
    /// the deal was won, `LOST_TO` when it won the deal.
    pub status: CompetitorStatus,
    /// What the seller knows of its offer.
    pub note: Option<String>,
    /// Since when the deal names it.
    pub since: Instant,
    #[graphql(skip)]
    pub competitor_id: uuid::Uuid,
}

#[ComplexObject]
impl OpportunityCompetitor {
    /// The competitor.
    async fn competitor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Competitor>> {
        Ok(ctx
            .loader::<super::loaders::CompetitorLoader>()?
            .load_one(self.competitor_id)
            .await?
            .map(Competitor::from))
    }
}

impl From<opportunity_competitor::Model> for OpportunityCompetitor {
    fn from(model: opportunity_competitor::Model) -> Self {
        Self {
            status: CompetitorStatus::parse(&model.status).unwrap_or(CompetitorStatus::Active),
            note: model.note,
            since: model.created_at.into(),
            competitor_id: model.competitor_id,
        }
    }
}

/// One reason of a list in `updateCloseReasons`.
#[derive(InputObject, Debug)]
pub struct CloseReasonInput {
    /// An existing reason of the list to keep (omit for a new one).
    pub id: Option<ID>,
    /// The reason (1–100 characters, unique in the list).
    pub name: String,
    /// Archived reasons are no longer offered.
    #[graphql(default)]
    pub archived: bool,
}

/// A whole picklist, in order.
#[derive(InputObject, Debug)]
pub struct UpdateCloseReasonsInput {
    /// Which list.
    pub kind: CloseReasonKind,
    /// Every reason in order; reasons left out are removed (unless deals name them: archive
    /// those).
    pub reasons: Vec<CloseReasonInput>,
}

/// Result of `updateCloseReasons`.
#[derive(SimpleObject, Debug)]
pub struct UpdateCloseReasonsPayload {
    /// The list, archived reasons included, in order.
    pub reasons: Vec<CloseReason>,
}

/// A new competitor.
#[derive(InputObject, Debug)]
pub struct CreateCompetitorInput {
    /// Its name (1–200 characters; unique ignoring case and spacing).
    pub name: String,
}

/// Result of `createCompetitor`.
#[derive(SimpleObject, Debug)]
pub struct CreateCompetitorPayload {
    /// The competitor.
    pub competitor: Competitor,
}

/// Changes to a competitor (admins).
#[derive(InputObject, Debug)]
pub struct UpdateCompetitorInput {
    /// The competitor.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// Archive it (or bring it back).
    pub archived: Option<bool>,
}

/// Result of `updateCompetitor`.
#[derive(SimpleObject, Debug)]
pub struct UpdateCompetitorPayload {
    /// The competitor after the change.
    pub competitor: Competitor,
}

/// One competitor a deal names.
#[derive(InputObject, Debug)]
pub struct OpportunityCompetitorInput {
    /// An active competitor (or one the deal already names).
    pub competitor_id: ID,
    /// What the seller knows of its offer (at most 1000 characters).
    pub note: Option<String>,
}

/// The competitors an open deal is contested with.
#[derive(InputObject, Debug)]
pub struct SetOpportunityCompetitorsInput {
    /// The deal.
    pub id: ID,
    /// Every competitor it names (at most 20); an empty list names none.
    pub competitors: Vec<OpportunityCompetitorInput>,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// Retry key: a retried change returns the deal without applying it twice.
    pub idempotency_key: Option<String>,
}

/// Result of `setOpportunityCompetitors`.
#[derive(SimpleObject, Debug)]
pub struct SetOpportunityCompetitorsPayload {
    /// The deal after the change.
    pub opportunity: Opportunity,
}

impl From<entity::opportunity::Model> for SetOpportunityCompetitorsPayload {
    fn from(model: entity::opportunity::Model) -> Self {
        Self {
            opportunity: model.into(),
        }
    }
}

/// What `winLossReport` covers.
#[derive(InputObject, Debug)]
pub struct WinLossReportInput {
    /// First day of the period (deals closed from then, UTC).
    pub from: Date,
    /// Last day of the period.
    pub to: Date,
    /// Whose deals count (by owner).
    pub scope: ForecastScope,
    /// The team for `TEAM`.
    pub team_id: Option<ID>,
    /// One owner's deals instead of yours (within what you may see).
    pub user_id: Option<ID>,
    /// What to group the deals by.
    pub group_by: WinLossGroup,
}

/// Deals won and lost in a period, grouped.
#[derive(SimpleObject, Debug)]
pub struct WinLossReport {
    /// What the lines are grouped by.
    pub group_by: WinLossGroup,
    /// One line per reason, competitor, stage or owner, most closed deals first.
    pub lines: Vec<WinLossLine>,
    /// Every deal closed in the period (with `COMPETITOR`, also those naming none).
    pub total: WinLossLine,
}

/// Deals won and lost of one group.
#[derive(SimpleObject, Debug)]
#[graphql(complex)]
pub struct WinLossLine {
    /// Deals won.
    pub won_count: i64,
    /// Their amount.
    pub won_amount: Decimal,
    /// Deals lost (with `COMPETITOR`: lost to this competitor).
    pub lost_count: i64,
    /// Their amount.
    pub lost_amount: Decimal,
    /// Won ÷ (won + lost); null without closed deals.
    pub win_rate: Option<f64>,
    #[graphql(skip)]
    pub group: Option<WinLossGroup>,
    #[graphql(skip)]
    pub key: Option<uuid::Uuid>,
}

#[ComplexObject]
impl WinLossLine {
    /// With `REASON`: the reason; null for deals closed without one, and on the total.
    async fn reason(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CloseReason>> {
        let Some(id) = self
            .key
            .filter(|_| self.group == Some(WinLossGroup::Reason))
        else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<super::loaders::CloseReasonLoader>()?
            .load_one(id)
            .await?
            .map(CloseReason::from))
    }

    /// With `COMPETITOR`: the competitor.
    async fn competitor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Competitor>> {
        let Some(id) = self
            .key
            .filter(|_| self.group == Some(WinLossGroup::Competitor))
        else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<super::loaders::CompetitorLoader>()?
            .load_one(id)
            .await?
            .map(Competitor::from))
    }

    /// With `STAGE`: the stage the deals closed from.
    async fn stage(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PipelineStage>> {
        let Some(id) = self.key.filter(|_| self.group == Some(WinLossGroup::Stage)) else {
            return Ok(None);
        };
        Ok(super::stage_types::stage(ctx, id)
            .await?
            .map(PipelineStage::from))
    }

    /// With `OWNER`: the deals' owner.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.key.filter(|_| self.group == Some(WinLossGroup::Owner)) else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(id)
            .await?
            .map(User::from))
    }
}

impl WinLossLine {
    /// A line of the report grouped by `group` (`None`: the total).
    pub fn of(line: super::win_loss::WinLossLine, group: Option<WinLossGroup>) -> Self {
        Self {
            won_count: line.won,
            won_amount: Decimal(line.won_amount.to_decimal()),
            lost_count: line.lost,
            lost_amount: Decimal(line.lost_amount.to_decimal()),
            win_rate: line.win_rate(),
            group,
            key: line.key,
        }
    }
}
