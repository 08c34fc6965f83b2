//! Lists of work reports: the submitted ones a viewer may see, by period (newest first), and
//! for one period the sellers whose report is still missing, each as a draft counted now.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::facts::{self, Facts};
use super::model::{Period, WorkReportKind};
use super::service::{Report, visible_condition};
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::pagination::{self, Page, PageRequest, SortKey, date_value};
use entity::{user, work_report};

/// Which reports a list shows; every given condition must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub team_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    /// The period holding this day.
    pub date: Option<NaiveDate>,
    /// Periods beginning in the period holding `from` or later.
    pub from: Option<NaiveDate>,
    /// Periods beginning in the period holding `to` or earlier.
    pub to: Option<NaiveDate>,
    /// Submitted reports (true, or omitted), or the sellers whose report of `date` is missing
    /// (false).
    pub submitted: Option<bool>,
}

/// A page of reports of `kind` matching `filter` that the viewer may see. Errors:
/// `BAD_USER_INPUT` on `filter.date` (missing reports are listed for one period).
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    kind: WorkReportKind,
    filter: &Filter,
    request: &PageRequest,
    now: DateTime<Utc>,
) -> AppResult<Page<Report>> {
    if filter.submitted == Some(false) {
        let Some(day) = filter.date else {
            return Err(AppError::bad_input(
                "filter.date",
                "Missing reports are listed for one day (or week): give its date",
            ));
        };
        return missing(db, viewer, Period::holding(kind, day), filter, request, now).await;
    }
    let mut condition = Condition::all()
        .add(visible_condition(viewer))
        .add(work_report::Column::Kind.eq(kind.as_str()));
    if let Some(team) = filter.team_id {
        condition = condition.add(work_report::Column::TeamId.eq(team));
    }
    if let Some(owner) = filter.owner_id {
        condition = condition.add(work_report::Column::OwnerId.eq(owner));
    }
    if let Some(day) = filter.date {
        condition =
            condition.add(work_report::Column::PeriodStart.eq(Period::holding(kind, day).from));
    }
    if let Some(from) = filter.from {
        condition =
            condition.add(work_report::Column::PeriodStart.gte(Period::holding(kind, from).from));
    }
    if let Some(to) = filter.to {
        condition =
            condition.add(work_report::Column::PeriodStart.lte(Period::holding(kind, to).from));
    }
    let page = pagination::fetch_sorted(
        db,
        work_report::Entity::find().filter(condition),
        work_report::Column::Id,
        SortKey::Date(work_report::Column::PeriodStart),
        true,
        request,
        |r| date_value(r.period_start),
        |r| r.id,
    )
    .await?;
    Ok(map_page(page, Report::Stored))
}

fn map_page<A, B>(page: Page<A>, f: impl FnMut(A) -> B) -> Page<B> {
    Page {
        items: page.items.into_iter().map(f).collect(),
        cursors: page.cursors,
        has_previous_page: page.has_previous_page,
        has_next_page: page.has_next_page,
        total_count: page.total_count,
    }
}

/// The active sales reps the viewer oversees (admins: all; managers: their teams'; a rep:
/// themself; finance: none) without a report of `period`, by id, each as a draft.
async fn missing(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: Period,
    filter: &Filter,
    request: &PageRequest,
    now: DateTime<Utc>,
) -> AppResult<Page<Report>> {
    let scope = match viewer.role {
        Role::Admin => Condition::all(),
        Role::SalesManager => {
            Condition::all().add(user::Column::TeamId.is_in(viewer.managed_team_ids.clone()))
        }
        Role::SalesRep => Condition::all().add(user::Column::Id.eq(viewer.user_id)),
        Role::Finance | Role::Support => Condition::all().add(user::Column::Id.is_null()),
    };
    let mut condition = Condition::all()
        .add(scope)
        .add(user::Column::Role.eq(Role::SalesRep.as_str()))
        .add(user::Column::Active.eq(true))
        .add(
            user::Column::Id.not_in_subquery(
                Query::select()
                    .column(work_report::Column::OwnerId)
                    .from(work_report::Entity)
                    .and_where(work_report::Column::Kind.eq(period.kind.as_str()))
                    .and_where(work_report::Column::PeriodStart.eq(period.from))
                    .to_owned(),
            ),
        );
    if let Some(team) = filter.team_id {
        condition = condition.add(user::Column::TeamId.eq(team));
    }
    if let Some(owner) = filter.owner_id {
        condition = condition.add(user::Column::Id.eq(owner));
    }
    let page = pagination::fetch_sorted(
        db,
        user::Entity::find().filter(condition),
        user::Column::Id,
        SortKey::Id,
        false,
        request,
        |_| 0_i64,
        |u| u.id,
    )
    .await?;
    // Each seller's days are counted in their own zone: one round of statements per zone.
    let mut by_zone: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for u in &page.items {
        by_zone.entry(u.timezone.clone()).or_default().push(u.id);
    }
    let mut counted: HashMap<Uuid, (Tz, Facts)> = HashMap::new();
    for (name, owners) in by_zone {
        let zone = crate::calendar::parse_zone(&name).unwrap_or(viewer.timezone);
        for (owner, f) in facts::for_owners(db, &owners, &period, zone).await? {
            counted.insert(owner, (zone, f));
        }
    }
    Ok(map_page(page, |u| {
        let (time_zone, facts) = counted
            .get(&u.id)
            .copied()
            .unwrap_or((viewer.timezone, Facts::default()));
        Report::Draft {
            owner_id: u.id,
            period,
            time_zone,
            facts,
            counted_at: now,
        }
    }))
}
