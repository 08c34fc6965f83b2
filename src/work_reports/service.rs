//! Writing and reading work reports: a seller's report of a period (stored once submitted, a
//! draft counted live before), its submission and revision, and comments on it.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::facts::{self, Facts};
use super::model::{self, Period, WorkReportKind};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use entity::{work_report, work_report_comment as comment};

/// Longest summary, plans or problems, in characters.
pub const MAX_TEXT: usize = 4000;
/// Longest comment, in characters.
pub const MAX_COMMENT: usize = 2000;
/// The most comments a report shows.
pub const MAX_COMMENTS: usize = 200;

/// A report as its readers see it: submitted (stored), or a draft counted from the records.
#[derive(Debug, Clone)]
pub enum Report {
    Stored(work_report::Model),
    Draft {
        owner_id: Uuid,
        period: Period,
        time_zone: Tz,
        facts: Facts,
        /// When its facts were counted.
        counted_at: DateTime<Utc>,
    },
}

/// What a seller writes in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub summary: String,
    pub plans: Option<String>,
    pub problems: Option<String>,
}

impl Text {
    /// The text checked: a summary of 1–4000 characters, plans and problems of at most 4000
    /// (blank is none). Errors: `BAD_USER_INPUT` on `input.summary`, `input.plans`,
    /// `input.problems`.
    pub fn checked(summary: &str, plans: Option<&str>, problems: Option<&str>) -> AppResult<Self> {
        Ok(Self {
            summary: crate::input::required_text(summary, "input.summary", MAX_TEXT)?,
            plans: crate::input::optional_text(plans, "input.plans", MAX_TEXT)?,
            problems: crate::input::optional_text(problems, "input.problems", MAX_TEXT)?,
        })
    }

    fn of(report: &work_report::Model) -> Self {
        Self {
            summary: report.summary.clone(),
            plans: report.plans.clone(),
            problems: report.problems.clone(),
        }
    }
}

/// Who may see a report: its owner, the managers of the team it was submitted to, admins.
pub fn visible(viewer: &Viewer, report: &work_report::Model) -> bool {
    viewer.is_admin() || report.owner_id == viewer.user_id || viewer.manages(report.team_id)
}

/// The condition keeping the stored reports `viewer` may see.
pub fn visible_condition(viewer: &Viewer) -> Condition {
    match viewer.role {
        Role::Admin => Condition::all(),
        Role::SalesManager => Condition::any()
            .add(work_report::Column::OwnerId.eq(viewer.user_id))
            .add(work_report::Column::TeamId.is_in(viewer.managed_team_ids.clone())),
        Role::SalesRep | Role::Finance | Role::Support => {
            Condition::all().add(work_report::Column::OwnerId.eq(viewer.user_id))
        }
    }
}

/// A stored report by id, if `viewer` may see it.
pub async fn get(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<work_report::Model>> {
    Ok(work_report::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| visible(viewer, r)))
}

/// The viewer's own report of `kind` for the period holding `day` (today when `None`): the
/// submitted one, or a draft counted now. Errors: `BAD_USER_INPUT` on `field` (a period not
/// begun, or over more than a month ago).
pub async fn mine(
    state: &AppState,
    viewer: &Viewer,
    kind: WorkReportKind,
    day: Option<NaiveDate>,
    field: &str,
) -> AppResult<Report> {
    let now = state.clock.now();
    let today = crate::calendar::today(viewer.timezone, now);
    let period = model::reportable(kind, day, today, field)?;
    let id = period.report_id(viewer.user_id);
    if let Some(stored) = work_report::Entity::find_by_id(id).one(&state.db).await? {
        return Ok(Report::Stored(stored));
    }
    let facts = facts::for_owners(&state.db, &[viewer.user_id], &period, viewer.timezone)
        .await?
        .remove(&viewer.user_id)
        .unwrap_or_default();
    Ok(Report::Draft {
        owner_id: viewer.user_id,
        period,
        time_zone: viewer.timezone,
        facts,
        counted_at: now,
    })
}

/// What a submission asks for.
#[derive(Debug, Clone)]
pub struct Submission {
    pub kind: WorkReportKind,
    pub day: NaiveDate,
    pub text: Text,
    /// The version last seen, to revise a submitted report.
    pub expected_version: Option<i32>,
}

/// Submits the viewer's report of the period holding `day`, its facts counted now. Submitting
/// the same text again answers the stored report unchanged (a retry); other text revises it
/// at `expectedVersion` (the facts counted again). Audited. Errors: `FORBIDDEN` (finance,
/// admins), `BAD_USER_INPUT` (`field`, the text), `CONFLICT` on `input.expectedVersion`.
pub async fn submit(
    state: &AppState,
    viewer: &Viewer,
    submission: Submission,
    field: &str,
) -> AppResult<work_report::Model> {
    if !matches!(viewer.role, Role::SalesRep | Role::SalesManager) {
        return Err(AppError::forbidden());
    }
    let now = state.clock.now();
    let today = crate::calendar::today(viewer.timezone, now);
    let period = model::reportable(submission.kind, Some(submission.day), today, field)?;
    // Of two first submissions racing, the second finds the first and is answered as a retry
    // or a conflict.
    match write(state, viewer, &period, &submission, now).await {
        Err(Written::Raced) => write(state, viewer, &period, &submission, now)
            .await
            .map_err(Written::into_error),
        other => other.map_err(Written::into_error),
    }
}

/// Why a write did not happen.
enum Written {
    /// Another submission of the same period was inserted first.
    Raced,
    Failed(AppError),
}

impl Written {
    fn into_error(self) -> AppError {
        match self {
            Self::Raced => AppError::unavailable(),
            Self::Failed(err) => err,
        }
    }
}

impl<E: Into<AppError>> From<E> for Written {
    fn from(err: E) -> Self {
        Self::Failed(err.into())
    }
}

async fn write(
    state: &AppState,
    viewer: &Viewer,
    period: &Period,
    submission: &Submission,
    now: DateTime<Utc>,
) -> Result<work_report::Model, Written> {
    let id = period.report_id(viewer.user_id);
    let txn = crate::db::begin_write(&state.db).await?;
    let existing = work_report::Entity::find_by_id(id).one(&txn).await?;
    if let Some(current) = &existing {
        if Text::of(current) == submission.text {
            txn.rollback().await?;
            return Ok(current.clone());
        }
        if submission.expected_version != Some(current.version) {
            return Err(Written::Failed(
                AppError::conflict(current.version).with_field("input.expectedVersion"),
            ));
        }
    }
    let facts = facts::for_owners(&txn, &[viewer.user_id], period, viewer.timezone)
        .await?
        .remove(&viewer.user_id)
        .unwrap_or_default();
    let text = submission.text.clone();
    let mut row = work_report::ActiveModel {
        id: Set(id),
        owner_id: Set(viewer.user_id),
        team_id: Set(viewer.team_id),
        kind: Set(period.kind.as_str().to_owned()),
        period_start: Set(period.from),
        period_end: Set(period.to),
        time_zone: Set(viewer.timezone.name().to_owned()),
        summary: Set(text.summary),
        plans: Set(text.plans),
        problems: Set(text.problems),
        visits_done: Set(facts.visits_done),
        visits_missed: Set(facts.visits_missed),
        follow_ups: Set(facts.follow_ups),
        deals_moved: Set(facts.deals_moved),
        activities_done: Set(facts.activities_done),
        collected_minor: Set(facts.collected.minor()),
        daily_reports: Set(facts.daily_reports),
        submitted_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    let (saved, action) = match existing {
        None => match row.insert(&txn).await {
            Ok(saved) => (saved, "work_report.submitted"),
            Err(err) if crate::error::is_unique_violation(&err) => {
                txn.rollback().await?;
                return Err(Written::Raced);
            }
            Err(err) => return Err(err.into()),
        },
        Some(current) => {
            // A revision keeps when it was first submitted.
            row.submitted_at = Set(current.submitted_at);
            row.version = Set(current.version + 1);
            let updated = work_report::Entity::update_many()
                .set(row)
                .filter(work_report::Column::Id.eq(id))
                .filter(work_report::Column::Version.eq(current.version))
                .exec(&txn)
                .await?
                .rows_affected;
            if updated != 1 {
                return Err(Written::Failed(
                    AppError::conflict(current.version + 1).with_field("input.expectedVersion"),
                ));
            }
            let saved = work_report::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(AppError::internal)?;
            (saved, "work_report.revised")
        }
    };
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action,
        subject_type: "WorkReport",
        subject_id: saved.id,
        details: serde_json::json!({
            "kind": saved.kind,
            "from": saved.period_start.to_string(),
            "version": saved.version,
        }),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Comments on a report the viewer can see (its owner, the managers of its team, admins).
/// Tells the owner of a comment by someone else, and earlier commenters of the owner's answer.
/// Idempotent by key. Errors: `NOT_FOUND` on `input.reportId`, `BAD_USER_INPUT` on
/// `input.body`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn comment(
    state: &AppState,
    viewer: &Viewer,
    report_id: Uuid,
    body: &str,
    idempotency_key: Option<String>,
) -> AppResult<(comment::Model, work_report::Model)> {
    let body = crate::input::required_text(body, "input.body", MAX_COMMENT)?;
    let report = get(&state.db, viewer, report_id)
        .await?
        .ok_or_else(|| AppError::not_found("Work report").with_field("input.reportId"))?;
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "commentOnReport",
        idempotency_key,
        &(report_id, &body),
    )?;
    let mut written = Vec::new();
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        let earlier = comment::Entity::find()
            .filter(comment::Column::ReportId.eq(report.id))
            .order_by_asc(comment::Column::CreatedAt)
            .all(txn)
            .await?;
        if earlier.len() >= MAX_COMMENTS {
            return Err(AppError::invalid_state(format!(
                "A report takes at most {MAX_COMMENTS} comments"
            )));
        }
        let created = comment::ActiveModel {
            id: Set(Uuid::now_v7()),
            report_id: Set(report.id),
            author_id: Set(viewer.user_id),
            body: Set(body.clone()),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        let mut told: Vec<Uuid> = Vec::new();
        if viewer.user_id != report.owner_id {
            told.push(report.owner_id);
        } else {
            for c in &earlier {
                if c.author_id != report.owner_id && !told.contains(&c.author_id) {
                    told.push(c.author_id);
                }
            }
        }
        let title = match WorkReportKind::parse(&report.kind) {
            Some(WorkReportKind::Weekly) => {
                format!("Comment on the week of {}", report.period_start)
            }
            _ => format!("Comment on the report of {}", report.period_start),
        };
        for user_id in told {
            written.push(
                notifications::notify(
                    txn,
                    NewNotification {
                        user_id,
                        kind: "REPORT_COMMENTED",
                        title: title.clone(),
                        body: created.body.chars().take(200).collect(),
                        subject_type: Some("WorkReport"),
                        subject_id: Some(report.id),
                    },
                    now,
                )
                .await?,
            );
        }
        Ok(created.id)
    })
    .await?;
    notifications::announce(state.events.as_ref(), &written);
    let id = outcome.into_inner();
    let created = comment::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)?;
    Ok((created, report))
}

/// The comments of each report, oldest first.
pub async fn comments_of(
    db: &impl ConnectionTrait,
    report_ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<comment::Model>>> {
    let mut by_report: std::collections::HashMap<Uuid, Vec<comment::Model>> =
        std::collections::HashMap::new();
    for c in comment::Entity::find()
        .filter(comment::Column::ReportId.is_in(report_ids.to_vec()))
        .order_by_asc(comment::Column::CreatedAt)
        .order_by_asc(comment::Column::Id)
        .all(db)
        .await?
    {
        by_report.entry(c.report_id).or_default().push(c);
    }
    Ok(by_report)
}
