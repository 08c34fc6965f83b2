//! Planning, rescheduling, cancelling and reading visit tasks.
//!
//! Listing lives in `listing`, check-in and check-out in `field`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rules::{self, Action, VisitStatus, check_times, local_day};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall, Start};
use crate::identity::{Role, Viewer};
use crate::input::{GeoPoint, optional_text, required_text};
use crate::policy;
use crate::state::AppState;
use entity::visit_task::{self, Entity as Visits};

pub use super::listing::{VisitFilter, VisitOrderField, list_visits, removed_visits};

/// The most tasks `myVisitTasks` returns for one day.
pub const MAX_TASKS_PER_DAY: u64 = 500;

pub(crate) fn require_field_role(viewer: &Viewer) -> AppResult<()> {
    if !viewer.role.sells() {
        Err(AppError::forbidden())
    } else {
        Ok(())
    }
}

/// A visit to plan.
#[derive(Debug, Clone, Serialize)]
pub struct NewVisit {
    pub customer_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub opportunity_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    /// The rep to visit; the caller when omitted.
    pub assignee_id: Option<Uuid>,
    pub purpose: String,
    pub planned_start: DateTime<Utc>,
    pub planned_end: DateTime<Utc>,
    pub address: Option<String>,
    pub location: Option<GeoPoint>,
    /// The id the client chose for the task.
    pub client_id: Option<Uuid>,
}

/// The viewer a task is planned for: the caller, or a rep of their teams (managers, admins).
async fn assignee_viewer(
    state: &AppState,
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    assignee_id: Option<Uuid>,
) -> AppResult<Viewer> {
    let Some(assignee_id) = assignee_id.filter(|id| *id != viewer.user_id) else {
        return Ok(viewer.clone());
    };
    if viewer.role == Role::SalesRep {
        return Err(AppError::forbidden());
    }
    crate::users::service::check_assignable(db, viewer, assignee_id, "input.assigneeId").await?;
    crate::auth::service::load_viewer_record(db, assignee_id, state.config.default_timezone)
        .await?
        .map(|record| record.viewer)
        .ok_or_else(|| AppError::bad_input("input.assigneeId", "Unknown user"))
}

/// Inserts a task for `assignee` after checking that everything it links is visible to them and
/// belongs to its customer. Address and location default to the customer's.
pub(crate) async fn insert_visit(
    db: &impl ConnectionTrait,
    assignee: &Viewer,
    created_by: Uuid,
    new: &NewVisit,
    now: DateTime<Utc>,
) -> AppResult<visit_task::Model> {
    // Every problem of the input's own fields at once.
    let mut problems = crate::input::Problems::default();
    let purpose = problems.check(required_text(&new.purpose, "input.purpose", 500));
    problems.check(check_times(new.planned_start, new.planned_end));
    let day = problems.check(local_day(assignee.timezone, new.planned_start, now));
    problems.finish()?;
    let (Some(purpose), Some((local_date, day_ends_at))) = (purpose, day) else {
        return Err(AppError::internal());
    };
    let customer = crate::customers::service::get_customer(db, assignee, new.customer_id)
        .await
        .map_err(|e| e.with_field("input.customerId"))?;
    if let Some(id) = new.contact_id {
        let contact = crate::customers::service::get_contact(db, assignee, id)
            .await
            .map_err(|e| e.with_field("input.contactId"))?;
        if contact.customer_id != customer.id {
            return Err(AppError::bad_input(
                "input.contactId",
                "The contact works for another customer",
            ));
        }
    }
    if let Some(id) = new.opportunity_id {
        let deal = crate::opportunities::service::opportunity_for_change(db, assignee, id)
            .await
            .map_err(|e| e.with_field("input.opportunityId"))?;
        if deal.customer_id != customer.id {
            return Err(AppError::bad_input(
                "input.opportunityId",
                "The deal belongs to another customer",
            ));
        }
    }
    if let Some(id) = new.lead_id {
        crate::leads::service::lead_for_work(db, assignee, id)
            .await
            .map_err(|e| e.with_field("input.leadId"))?;
    }
    let address = match optional_text(new.address.as_deref(), "input.address", 500)? {
        Some(address) => Some(address),
        None => customer.address.clone(),
    };
    let (latitude, longitude) = match new.location {
        Some(point) => (Some(point.lat), Some(point.lng)),
        None => (customer.latitude, customer.longitude),
    };
    crate::idempotency::check_client_id::<Visits>(db, new.client_id).await?;
    let created = visit_task::ActiveModel {
        id: Set(crate::ids::new_id(new.client_id)),
        assignee_id: Set(assignee.user_id),
        created_by: Set(created_by),
        customer_id: Set(customer.id),
        contact_id: Set(new.contact_id),
        opportunity_id: Set(new.opportunity_id),
        lead_id: Set(new.lead_id),
        purpose: Set(purpose),
        planned_start: Set(new.planned_start),
        planned_end: Set(new.planned_end),
        local_date: Set(local_date),
        day_ends_at: Set(day_ends_at),
        address: Set(address),
        latitude: Set(latitude),
        longitude: Set(longitude),
        status: Set(VisitStatus::Planned.as_str().to_owned()),
        check_in_at: Set(None),
        check_in_device_at: Set(None),
        check_in_latitude: Set(None),
        check_in_longitude: Set(None),
        check_in_accuracy_m: Set(None),
        check_in_distance_m: Set(None),
        check_in_on_site: Set(None),
        check_out_at: Set(None),
        check_out_device_at: Set(None),
        summary: Set(None),
        outcome: Set(None),
        next_step: Set(None),
        next_visit_id: Set(None),
        duration_seconds: Set(None),
        follow_up_id: Set(None),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        missed_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    crate::audit::Entry {
        actor_id: Some(created_by),
        action: "visit.planned",
        subject_type: "VisitTask",
        subject_id: created.id,
        details: serde_json::json!({
            "assigneeId": created.assignee_id,
            "customerId": created.customer_id,
            "plannedStart": created.planned_start,
        }),
    }
    .record(db, now)
    .await?;
    Ok(created)
}

/// Plans a visit for the caller, or (managers, admins) for a rep of their teams. Idempotent by
/// key. Errors: `FORBIDDEN` (finance; a rep planning for someone else), `NOT_FOUND` (customer,
/// contact, deal or lead the assignee may not see), `BAD_USER_INPUT`, `INVALID_STATE` (lead not
/// open), `IDEMPOTENCY_KEY_REUSED`.
pub async fn plan_visit(
    state: &AppState,
    viewer: &Viewer,
    new: NewVisit,
    idempotency_key: Option<String>,
) -> AppResult<visit_task::Model> {
    require_field_role(viewer)?;
    let key = crate::ids::create_key(idempotency_key, new.client_id);
    let call = IdempotentCall::new(viewer.user_id, "planVisit", key, &new)?;
    let now = state.clock.now();
    let guard = match begin(state, &call, now).await? {
        Ok(guard) => guard,
        Err(replayed) => return Ok(replayed),
    };
    let txn = guard.txn();
    let assignee = assignee_viewer(state, txn, viewer, new.assignee_id).await?;
    let created = insert_visit(txn, &assignee, viewer.user_id, &new, now).await?;
    finish(guard, created.id).await
}

/// What a visit mutation keeps under its idempotency key: the task exactly as that call
/// answered with it, so a replay hours later (after a check-out, say) answers the same.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Answered {
    Task(Box<visit_task::Model>),
    /// Keys stored before answers were kept whole name only the task.
    Id(Uuid),
}

/// Begins an idempotent visit mutation: `Err(task)` when `call` is a replay (with the task as
/// first answered), the guard of the fresh work otherwise.
pub(crate) async fn begin(
    state: &AppState,
    call: &IdempotentCall,
    now: DateTime<Utc>,
) -> AppResult<Result<idempotency::Guard, visit_task::Model>> {
    match idempotency::start::<Answered>(&state.db, call, now).await? {
        Start::Fresh(guard) => Ok(Ok(guard)),
        Start::Replayed(Answered::Task(task)) => Ok(Err(*task)),
        Start::Replayed(Answered::Id(id)) => Ok(Err(load(&state.db, id).await?)),
    }
}

/// Commits a visit mutation with task `id` as its answer, kept for replays.
pub(crate) async fn finish(guard: idempotency::Guard, id: Uuid) -> AppResult<visit_task::Model> {
    let task = load(guard.txn(), id).await?;
    guard.commit(Answered::Task(Box::new(task.clone()))).await?;
    Ok(task)
}

pub(crate) async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<visit_task::Model> {
    Visits::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// A visit task the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_visit(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<visit_task::Model> {
    Visits::find_by_id(id)
        .filter(policy::visits(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Visit"))
}

/// The current status of a stored task.
pub(crate) fn status_of(model: &visit_task::Model) -> AppResult<VisitStatus> {
    VisitStatus::parse(&model.status).ok_or_else(AppError::internal)
}

/// The status `action` leads to from the task's, or `INVALID_STATE`.
pub(crate) fn next_status(model: &visit_task::Model, action: Action) -> AppResult<VisitStatus> {
    let from = status_of(model)?;
    rules::next_status(from, action).ok_or_else(|| {
        let hint = match (from, action) {
            (VisitStatus::Planned, Action::CheckOut) => "Check in before checking out",
            (VisitStatus::InProgress, _) => "The visit is under way; check out to finish it",
            (VisitStatus::Completed, _) => "The visit is completed",
            (VisitStatus::Cancelled, _) => "The visit was cancelled",
            (VisitStatus::Missed, _) => "The visit was missed; plan a new one",
            _ => "Not possible in the visit's current state",
        };
        AppError::invalid_state(hint)
    })
}

/// Writes `changes` (with the next version and `updated_at`) while the task is still at
/// `current.version`; `CONFLICT` otherwise.
pub(crate) async fn write(
    db: &impl ConnectionTrait,
    current: &visit_task::Model,
    changes: visit_task::ActiveModel,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let target = crate::versioned::Target::new(current.id, current.version, current.version);
    crate::versioned::write::<Visits>(db, target, changes, now).await
}

/// A visible task at `expected_version` (when given). Errors: `NOT_FOUND`, `CONFLICT`.
pub(crate) async fn task_at_version(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    expected_version: Option<i32>,
) -> AppResult<visit_task::Model> {
    let current = get_visit(db, viewer, id).await?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(AppError::conflict(current.version));
    }
    Ok(current)
}

/// A new time for a planned visit.
#[derive(Debug, Clone, Serialize)]
pub struct Reschedule {
    pub id: Uuid,
    pub expected_version: i32,
    pub planned_start: DateTime<Utc>,
    pub planned_end: DateTime<Utc>,
}

/// Moves a planned visit to another time (its local day follows, in the assignee's zone).
/// Idempotent by key. Errors: `FORBIDDEN` (finance), `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`
/// (stale `expectedVersion`), `INVALID_STATE` (not planned), `IDEMPOTENCY_KEY_REUSED`.
pub async fn reschedule_visit(
    state: &AppState,
    viewer: &Viewer,
    change: Reschedule,
    idempotency_key: Option<String>,
) -> AppResult<visit_task::Model> {
    require_field_role(viewer)?;
    check_times(change.planned_start, change.planned_end)?;
    let call = IdempotentCall::new(viewer.user_id, "rescheduleVisit", idempotency_key, &change)?;
    let now = state.clock.now();
    let guard = match begin(state, &call, now).await? {
        Ok(guard) => guard,
        Err(replayed) => return Ok(replayed),
    };
    let txn = guard.txn();
    let current = task_at_version(txn, viewer, change.id, Some(change.expected_version)).await?;
    next_status(&current, Action::Reschedule)?;
    let tz = crate::auth::service::load_viewer_record(
        txn,
        current.assignee_id,
        state.config.default_timezone,
    )
    .await?
    .map_or(viewer.timezone, |record| record.viewer.timezone);
    let (local_date, day_ends_at) = local_day(tz, change.planned_start, now)?;
    let changes = visit_task::ActiveModel {
        planned_start: Set(change.planned_start),
        planned_end: Set(change.planned_end),
        local_date: Set(local_date),
        day_ends_at: Set(day_ends_at),
        ..Default::default()
    };
    write(txn, &current, changes, now).await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "visit.rescheduled",
        subject_type: "VisitTask",
        subject_id: current.id,
        details: serde_json::json!({
            "from": current.planned_start,
            "to": change.planned_start,
        }),
    }
    .record(txn, now)
    .await?;
    finish(guard, current.id).await
}

/// A visit to call off.
#[derive(Debug, Clone, Serialize)]
pub struct Cancel {
    pub id: Uuid,
    pub expected_version: i32,
    pub reason: Option<String>,
}

/// Cancels a planned visit. Idempotent by key. Errors: `FORBIDDEN` (finance), `NOT_FOUND`,
/// `BAD_USER_INPUT`, `CONFLICT`, `INVALID_STATE` (not planned), `IDEMPOTENCY_KEY_REUSED`.
pub async fn cancel_visit(
    state: &AppState,
    viewer: &Viewer,
    cancel: Cancel,
    idempotency_key: Option<String>,
) -> AppResult<visit_task::Model> {
    require_field_role(viewer)?;
    let reason = optional_text(cancel.reason.as_deref(), "input.reason", 1000)?;
    let call = IdempotentCall::new(viewer.user_id, "cancelVisit", idempotency_key, &cancel)?;
    let now = state.clock.now();
    let guard = match begin(state, &call, now).await? {
        Ok(guard) => guard,
        Err(replayed) => return Ok(replayed),
    };
    let txn = guard.txn();
    let current = task_at_version(txn, viewer, cancel.id, Some(cancel.expected_version)).await?;
    let status = next_status(&current, Action::Cancel)?;
    let changes = visit_task::ActiveModel {
        status: Set(status.as_str().to_owned()),
        cancelled_at: Set(Some(now)),
        cancel_reason: Set(reason.clone()),
        ..Default::default()
    };
    write(txn, &current, changes, now).await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "visit.cancelled",
        subject_type: "VisitTask",
        subject_id: current.id,
        details: serde_json::json!({ "reason": reason }),
    }
    .record(txn, now)
    .await?;
    finish(guard, current.id).await
}

/// The viewer's own tasks planned to start in `[start, end)` (a local day's bounds), by
/// planned start, as a query to extend. Cancelled tasks only when asked for.
pub fn my_visit_tasks_between(
    viewer: &Viewer,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    include_cancelled: bool,
) -> sea_orm::Select<Visits> {
    let mut query = Visits::find()
        .filter(visit_task::Column::AssigneeId.eq(viewer.user_id))
        .filter(visit_task::Column::PlannedStart.gte(start))
        .filter(visit_task::Column::PlannedStart.lt(end));
    if !include_cancelled {
        query = query.filter(visit_task::Column::Status.ne(VisitStatus::Cancelled.as_str()));
    }
    query
        .order_by_asc(visit_task::Column::PlannedStart)
        .order_by_asc(visit_task::Column::Id)
        .limit(MAX_TASKS_PER_DAY)
}

/// Which parent a batch of visits is loaded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    Customer,
    Opportunity,
}

impl Parent {
    /// The task column naming this parent.
    pub fn column(self) -> visit_task::Column {
        match self {
            Self::Customer => visit_task::Column::CustomerId,
            Self::Opportunity => visit_task::Column::OpportunityId,
        }
    }
}

/// A page of the visible tasks of each of these customers or deals, latest planned first (for
/// lists under visible records).
pub async fn visits_pages(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    parent: Parent,
    ids: &[Uuid],
    request: &crate::pagination::PageRequest,
) -> AppResult<std::collections::HashMap<Uuid, crate::pagination::Page<visit_task::Model>>> {
    crate::pagination::children::fetch_needed_models(
        db,
        visits_select(viewer, parent, ids),
        parent.column(),
        &visits_keyset(),
        request,
        |v| crate::pagination::time_value(v.planned_start),
        |v| v.id,
    )
    .await
}

/// The order of a record's visits: latest planned first.
pub fn visits_keyset() -> crate::pagination::Keyset<visit_task::Column> {
    crate::pagination::Keyset::new(
        visit_task::Column::Id,
        crate::pagination::SortKey::Time(visit_task::Column::PlannedStart),
        true,
    )
}

/// Visible visits of these parents, latest planned first.
pub fn visits_select(
    viewer: &Viewer,
    parent: Parent,
    ids: &[Uuid],
) -> sea_orm::Select<visit_task::Entity> {
    Visits::find()
        .filter(parent.column().is_in(ids.to_vec()))
        .filter(policy::visits(viewer))
        .order_by_desc(visit_task::Column::PlannedStart)
        .order_by_desc(visit_task::Column::Id)
}
