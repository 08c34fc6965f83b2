//! GraphQL types of work reports.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use super::facts::Facts;
use super::loaders::CommentsByReport;
use super::service::Report;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::{Date, Decimal, Instant};
use crate::ids::{NodeType, encode_id};
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::work_report_comment;

pub use super::model::WorkReportKind;

/// A seller's daily (日报) or weekly (周报) report: what the period's records show, and what
/// the seller wrote. Before it is submitted it is a draft counted live from the records.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct WorkReport {
    /// Opaque, globally unique identifier; a draft already has its report's.
    pub id: ID,
    /// A day's or a week's report.
    pub kind: WorkReportKind,
    /// The period's first local day (a Monday for a week).
    #[graphql(name = "from")]
    pub first_day: Date,
    /// The period's last local day (a Sunday for a week).
    #[graphql(name = "to")]
    pub last_day: Date,
    /// The time zone the period's days are counted in (the seller's).
    pub time_zone: String,
    /// Whether it was submitted; a draft is not.
    pub submitted: bool,
    /// What happened, in the seller's words; null in a draft.
    pub summary: Option<String>,
    /// Plans for the next day (or week).
    pub plans: Option<String>,
    /// Problems the seller needs help with.
    pub problems: Option<String>,
    /// The period's numbers: as counted at submission, or now for a draft.
    pub facts: WorkReportFacts,
    /// When it was first submitted; null in a draft.
    pub submitted_at: Option<Instant>,
    /// When it was first submitted; for a draft, when its facts were counted.
    pub created_at: Instant,
    /// When it last changed; for a draft, when its facts were counted.
    pub updated_at: Instant,
    /// Increases with every revision; pass it back as `expectedVersion` (null in a draft).
    pub version: Option<i32>,
    #[graphql(skip)]
    pub owner_id: uuid::Uuid,
    #[graphql(skip)]
    pub stored_id: Option<uuid::Uuid>,
}

/// What a seller's records show for a report's period.
#[derive(SimpleObject, Clone, Debug)]
pub struct WorkReportFacts {
    /// Visits of the period made (checked out).
    pub visits_done: i32,
    /// Visits of the period missed (neither made nor cancelled on their day).
    pub visits_missed: i32,
    /// Follow-ups logged as happening in the period.
    pub follow_ups_logged: i32,
    /// Deals moved to another stage in the period.
    pub deals_moved: i32,
    /// Activities marked done in the period.
    pub activities_done: i32,
    /// Payments received in the period from the seller's customers.
    pub collected: Decimal,
    /// Daily reports submitted for the week's days (weekly reports; null for a day's).
    pub daily_reports_submitted: Option<i32>,
}

impl From<Facts> for WorkReportFacts {
    fn from(f: Facts) -> Self {
        Self {
            visits_done: f.visits_done,
            visits_missed: f.visits_missed,
            follow_ups_logged: f.follow_ups,
            deals_moved: f.deals_moved,
            activities_done: f.activities_done,
            collected: Decimal(f.collected.to_decimal()),
            daily_reports_submitted: f.daily_reports,
        }
    }
}

#[ComplexObject]
impl WorkReport {
    /// Whose report it is.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(self.owner_id)
            .await?
            .map(User::from))
    }

    /// Comments of its readers and its owner, oldest first (none on a draft).
    async fn comments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WorkReportComment>> {
        let Some(id) = self.stored_id else {
            return Ok(Vec::new());
        };
        Ok(ctx
            .loader::<CommentsByReport>()?
            .load_one(id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(WorkReportComment::from)
            .collect())
    }
}

impl From<Report> for WorkReport {
    fn from(report: Report) -> Self {
        match report {
            Report::Stored(m) => Self {
                id: encode_id(NodeType::WorkReport, m.id),
                kind: WorkReportKind::parse(&m.kind).unwrap_or(WorkReportKind::Daily),
                first_day: Date(m.period_start),
                last_day: Date(m.period_end),
                time_zone: m.time_zone.clone(),
                submitted: true,
                facts: Facts::of(&m).into(),
                summary: Some(m.summary),
                plans: m.plans,
                problems: m.problems,
                submitted_at: Some(m.submitted_at.into()),
                created_at: m.submitted_at.into(),
                updated_at: m.updated_at.into(),
                version: Some(m.version),
                owner_id: m.owner_id,
                stored_id: Some(m.id),
            },
            Report::Draft {
                owner_id,
                period,
                time_zone,
                facts,
                counted_at,
            } => Self {
                id: encode_id(NodeType::WorkReport, period.report_id(owner_id)),
                kind: period.kind,
                first_day: Date(period.from),
                last_day: Date(period.to),
                time_zone: time_zone.name().to_owned(),
                submitted: false,
                summary: None,
                plans: None,
                problems: None,
                facts: facts.into(),
                submitted_at: None,
                created_at: counted_at.into(),
                updated_at: counted_at.into(),
                version: None,
                owner_id,
                stored_id: None,
            },
        }
    }
}

/// A comment on a work report.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct WorkReportComment {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// What was said.
    pub body: String,
    /// When it was written.
    pub created_at: Instant,
    #[graphql(skip)]
    pub author_id: uuid::Uuid,
}

#[ComplexObject]
impl WorkReportComment {
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(self.author_id)
            .await?
            .map(User::from))
    }
}

impl From<work_report_comment::Model> for WorkReportComment {
    fn from(m: work_report_comment::Model) -> Self {
        Self {
            id: encode_id(NodeType::WorkReportComment, m.id),
            body: m.body,
            created_at: m.created_at.into(),
            author_id: m.author_id,
        }
    }
}

crate::connection_types!(WorkReportConnection, WorkReportEdge, WorkReport);

/// Which reports a list shows; every given condition must hold.
#[derive(InputObject, Debug, Default)]
pub struct WorkReportFilter {
    /// Reports submitted to this team.
    pub team_id: Option<ID>,
    /// One seller's reports.
    pub owner_id: Option<ID>,
    /// The period holding this day (for weekly reports, its week).
    pub date: Option<Date>,
    /// Periods from the one holding this day.
    pub from: Option<Date>,
    /// Periods up to the one holding this day.
    pub to: Option<Date>,
    /// True (or omitted): submitted reports. False: the sales reps whose report of `date` is
    /// still missing, each as a draft (`date` required).
    pub submitted: Option<bool>,
}

/// A day's report to submit.
#[derive(InputObject, Debug)]
pub struct SubmitDailyReportInput {
    /// The local day it reports (today or up to 31 days back).
    pub date: Date,
    /// What happened (1–4000 characters).
    pub summary: String,
    /// Plans for tomorrow (at most 4000 characters).
    pub plans: Option<String>,
    /// Problems needing help (at most 4000 characters).
    pub problems: Option<String>,
    /// To revise a submitted report with other text: the version you last saw.
    pub expected_version: Option<i32>,
}

/// A week's report to submit.
#[derive(InputObject, Debug)]
pub struct SubmitWeeklyReportInput {
    /// Any day of the week it reports (Monday to Sunday; this week or up to 31 days back).
    pub week: Date,
    /// How the week went (1–4000 characters).
    pub summary: String,
    /// Plans for next week (at most 4000 characters).
    pub plans: Option<String>,
    /// Problems needing help (at most 4000 characters).
    pub problems: Option<String>,
    /// To revise a submitted report with other text: the version you last saw.
    pub expected_version: Option<i32>,
}

/// A comment to add to a report.
#[derive(InputObject, Debug)]
pub struct CommentOnReportInput {
    /// The report (a submitted one you can see).
    pub report_id: ID,
    /// What to say (1–2000 characters).
    pub body: String,
    /// Makes a retry answer the first comment instead of adding another.
    pub idempotency_key: Option<String>,
}

/// The result of submitting a report.
#[derive(SimpleObject, Debug)]
pub struct WorkReportPayload {
    /// The report as stored.
    pub report: WorkReport,
}

/// The result of commenting on a report.
#[derive(SimpleObject, Debug)]
pub struct CommentOnReportPayload {
    /// The new comment.
    pub comment: WorkReportComment,
    /// The report commented on.
    pub report: WorkReport,
}
