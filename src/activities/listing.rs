//! Reading lists of activities: a filtered page by due time, and a seller's day.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::error::AppResult;
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest, SortKey, time_value};
use entity::activity::{self, Column, Entity as Activities};

/// The most activities one agenda list answers.
pub const AGENDA_LIMIT: u64 = 200;

/// Which activities a list shows; every given condition must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub owner_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub due_from: Option<DateTime<Utc>>,
    pub due_to: Option<DateTime<Utc>>,
    pub done: Option<bool>,
    /// Open and past due at `now` (true), or not (false).
    pub overdue: Option<bool>,
}

/// A page of the activities the viewer may see matching `filter`, by due time then id.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &Filter,
    request: &PageRequest,
    now: DateTime<Utc>,
) -> AppResult<Page<activity::Model>> {
    let mut condition = Condition::all().add(crate::policy::activities_on(
        viewer,
        db.get_database_backend(),
    ));
    if let Some(owner) = filter.owner_id {
        condition = condition.add(Column::OwnerId.eq(owner));
    }
    if let Some(subject) = filter.subject_id {
        condition = condition.add(Column::SubjectId.eq(subject));
    }
    if let Some(from) = filter.due_from {
        condition = condition.add(Column::DueAt.gte(from));
    }
    if let Some(to) = filter.due_to {
        condition = condition.add(Column::DueAt.lt(to));
    }
    if let Some(done) = filter.done {
        condition = condition.add(Column::Done.eq(done));
    }
    match filter.overdue {
        Some(true) => {
            condition = condition
                .add(Column::Done.eq(false))
                .add(Column::DueAt.lt(now));
        }
        Some(false) => {
            condition = condition.add(
                Condition::any()
                    .add(Column::Done.eq(true))
                    .add(Column::DueAt.gte(now)),
            );
        }
        None => {}
    }
    pagination::fetch_sorted(
        db,
        Activities::find().filter(condition),
        Column::Id,
        SortKey::Time(Column::DueAt),
        false,
        request,
        |a| time_value(a.due_at),
        |a| a.id,
    )
    .await
}

/// The owner's activities due in `[start, end)`, done or not, by due time (at most
/// [`AGENDA_LIMIT`]).
pub async fn due_between(
    db: &impl ConnectionTrait,
    owner: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> AppResult<Vec<activity::Model>> {
    Ok(Activities::find()
        .filter(Column::OwnerId.eq(owner))
        .filter(Column::DueAt.gte(start))
        .filter(Column::DueAt.lt(end))
        .order_by_asc(Column::DueAt)
        .order_by_asc(Column::Id)
        .limit(AGENDA_LIMIT)
        .all(db)
        .await?)
}

/// The owner's open activities due before `before`, oldest first (at most [`AGENDA_LIMIT`]).
pub async fn open_before(
    db: &impl ConnectionTrait,
    owner: Uuid,
    before: DateTime<Utc>,
) -> AppResult<Vec<activity::Model>> {
    Ok(Activities::find()
        .filter(Column::OwnerId.eq(owner))
        .filter(Column::Done.eq(false))
        .filter(Column::DueAt.lt(before))
        .order_by_asc(Column::DueAt)
        .order_by_asc(Column::Id)
        .limit(AGENDA_LIMIT)
        .all(db)
        .await?)
}
