//! Listing visit tasks: the filter, the page, and what left the list since a sync.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::rules::VisitStatus;
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest};
use crate::policy;
use crate::sync;
use entity::visit_task::{self, Entity as Visits};

/// Filters for the visit list.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub assignee_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub opportunity_id: Option<Uuid>,
    pub statuses: Option<Vec<VisitStatus>>,
    pub planned_from: Option<DateTime<Utc>>,
    pub planned_to: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Visible tasks, filtered, in creation order. Errors: `BAD_USER_INPUT` (paging).
pub async fn list_visits(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: VisitFilter,
    (order, descending): (VisitOrderField, bool),
    page: &PageRequest,
    needs: crate::columns::Needs,
) -> AppResult<Page<visit_task::Model>> {
    use pagination::SortKey;
    use visit_task::Column;
    let condition = sync::delta::<Visits>(
        shown_visits(db.get_database_backend(), viewer, &filter),
        filter.updated_since,
    );
    let (sort, value_of): pagination::Order<Column, visit_task::Model> = match order {
        VisitOrderField::CreatedAt => (SortKey::Id, |_| 0),
        VisitOrderField::UpdatedAt => (SortKey::Time(Column::UpdatedAt), |v| {
            pagination::time_value(v.updated_at)
        }),
        VisitOrderField::PlannedStart => (SortKey::Time(Column::PlannedStart), |v| {
            pagination::time_value(v.planned_start)
        }),
    };
    let select = Visits::find().filter(condition);
    let order = (sort, descending);
    pagination::needed::fetch_needed(db, select, Column::Id, order, page, needs, value_of, |v| {
        v.id
    })
    .await
}

/// The tasks of the list: visible and matching `filter` (its `updated_since` aside).
fn shown_visits(backend: DbBackend, viewer: &Viewer, filter: &VisitFilter) -> Condition {
    use visit_task::Column;
    let mut condition = Condition::all().add(policy::visits_on(viewer, backend));
    if let Some(id) = filter.assignee_id {
        condition = condition.add(Column::AssigneeId.eq(id));
    }
    if let Some(id) = filter.customer_id {
        condition = condition.add(Column::CustomerId.eq(id));
    }
    if let Some(id) = filter.opportunity_id {
        condition = condition.add(Column::OpportunityId.eq(id));
    }
    if let Some(statuses) = &filter.statuses {
        condition = condition.add(Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if let Some(from) = filter.planned_from {
        condition = condition.add(Column::PlannedStart.gte(from));
    }
    if let Some(to) = filter.planned_to {
        condition = condition.add(Column::PlannedStart.lt(to));
    }
    condition
}

/// The tasks that left the list of `filter` in `window` (see [`sync::removed`]).
pub async fn removed_visits(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &VisitFilter,
    window: sync::Window,
) -> AppResult<sync::Removed> {
    let shown = shown_visits(db.get_database_backend(), viewer, filter);
    sync::removed::<Visits>(db, viewer, window, policy::visits(viewer), shown).await
}

crate::string_enum! {
    /// What visit task lists can be ordered by.
    VisitOrderField {
        /// Creation time.
        CreatedAt => "CREATED_AT",
        /// Last change.
        UpdatedAt => "UPDATED_AT",
        /// Planned start.
        PlannedStart => "PLANNED_START",
    }
}
