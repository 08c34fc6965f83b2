//! On site: checking in and out of a visit from a phone.

use chrono::{DateTime, Utc};
use sea_orm::Set;
use serde::Serialize;
use uuid::Uuid;

use super::geo::{self, OnSiteRule};
use super::rules::{Action, VisitOutcome};
use super::service::{
    self, NewVisit, begin, finish, next_status, require_field_role, task_at_version, write,
};
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::idempotency::IdempotentCall;
use crate::identity::Viewer;
use crate::input::{GeoPoint, optional_text, required_text};
use crate::state::AppState;
use entity::visit_task;

/// The largest accuracy radius a device may report, in metres.
const MAX_ACCURACY_M: f64 = 100_000.0;

/// A device's position and clock at check-in.
#[derive(Debug, Clone, Serialize)]
pub struct CheckIn {
    pub id: Uuid,
    pub location: GeoPoint,
    pub accuracy_meters: f64,
    pub device_time: DateTime<Utc>,
    pub expected_version: Option<i32>,
    /// Photos of the visit given as on-site proof.
    pub photo_ids: Vec<Uuid>,
}

/// What the rep reports when leaving.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOut {
    pub id: Uuid,
    pub summary: String,
    pub outcome: VisitOutcome,
    pub next_step: Option<String>,
    pub next_visit_at: Option<DateTime<Utc>>,
    pub device_time: Option<DateTime<Utc>>,
    pub expected_version: Option<i32>,
}

/// Refuses a device time further in the past than an offline phone may lag, or ahead of the
/// server by more than a clock may drift.
fn check_device_time(config: &Config, device: DateTime<Utc>, now: DateTime<Utc>) -> AppResult<()> {
    let lag = now - device;
    if lag > chrono::Duration::seconds(config.checkin_max_delay_secs)
        || -lag > chrono::Duration::seconds(config.checkin_max_ahead_secs)
    {
        return Err(AppError::bad_input(
            "input.deviceTime",
            "The device time is too far from the server's time",
        ));
    }
    Ok(())
}

/// The most photos one check-in gives as proof.
const MAX_PROOF_PHOTOS: usize = 10;

/// At most [`MAX_PROOF_PHOTOS`] distinct photos, and one at least where the policy requires it.
/// Errors: `BAD_USER_INPUT` on `input.photoIds`.
fn check_photo_count(config: &Config, photos: &[Uuid]) -> AppResult<()> {
    if photos.is_empty() && config.visit_require_photo {
        return Err(AppError::bad_input(
            "input.photoIds",
            "A check-in needs a photo of the visit as on-site proof",
        ));
    }
    let distinct: std::collections::HashSet<_> = photos.iter().collect();
    if photos.len() > MAX_PROOF_PHOTOS || distinct.len() != photos.len() {
        return Err(AppError::bad_input(
            "input.photoIds",
            "At most 10 photos, each once",
        ));
    }
    Ok(())
}

/// Marks the photos as the visit's on-site proof: each must be a stored photo on this visit.
/// Errors: `NOT_FOUND` on `input.photoIds.{i}`.
async fn mark_proof(
    txn: &impl sea_orm::ConnectionTrait,
    visit: Uuid,
    photos: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<()> {
    use entity::attachment::{Column, Entity as Attachments};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    for (i, photo) in photos.iter().enumerate() {
        // The attachment layer's names, read here below it: a stored photo on this visit.
        let marked = Attachments::update_many()
            .col_expr(Column::Purpose, Expr::value("CHECK_IN"))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(*photo))
            .filter(Column::SubjectType.eq("VISIT"))
            .filter(Column::SubjectId.eq(visit))
            .filter(Column::Kind.eq("PHOTO"))
            .filter(Column::Status.eq("READY"))
            .exec(txn)
            .await?;
        if marked.rows_affected != 1 {
            return Err(AppError::not_found("Photo").with_field(format!("input.photoIds.{i}")));
        }
    }
    Ok(())
}

/// Only the assignee is on site; everyone else who sees the task may not act for them.
fn require_assignee(viewer: &Viewer, task: &visit_task::Model) -> AppResult<()> {
    if task.assignee_id == viewer.user_id {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Checks the assignee in: records server and device time and position, the distance to the
/// visit's location and whether that is on site. Without a known location the check-in is
/// accepted unverified. Idempotent by key (a replay hours later returns the first result).
/// Errors: `FORBIDDEN` (finance; not the assignee), `NOT_FOUND`, `BAD_USER_INPUT` (position,
/// device time), `CONFLICT`, `INVALID_STATE` (not planned), `IDEMPOTENCY_KEY_REUSED`.
pub async fn check_in(
    state: &AppState,
    viewer: &Viewer,
    check_in: CheckIn,
    idempotency_key: Option<String>,
) -> AppResult<visit_task::Model> {
    require_field_role(viewer)?;
    let call = IdempotentCall::new(viewer.user_id, "checkInVisit", idempotency_key, &check_in)?;
    let now = state.clock.now();
    // A replay is answered before the device time is judged: it may arrive hours later.
    let guard = match begin(state, &call, now).await? {
        Ok(guard) => guard,
        Err(replayed) => return Ok(replayed),
    };
    // Every problem of the input's own fields at once.
    let mut problems = crate::input::Problems::default();
    let accuracy = check_in.accuracy_meters;
    if !(0.0..=MAX_ACCURACY_M).contains(&accuracy) {
        problems.check::<()>(Err(AppError::bad_input(
            "input.location.accuracyMeters",
            "The accuracy lies between 0 and 100000 metres",
        )));
    }
    problems.check(check_device_time(&state.config, check_in.device_time, now));
    problems.check(check_photo_count(&state.config, &check_in.photo_ids));
    problems.finish()?;
    let txn = guard.txn();
    let current = task_at_version(txn, viewer, check_in.id, check_in.expected_version).await?;
    require_assignee(viewer, &current)?;
    let status = next_status(&current, Action::CheckIn)?;
    mark_proof(txn, current.id, &check_in.photo_ids, now).await?;
    let here = check_in.location;
    let distance = match (current.latitude, current.longitude) {
        (Some(lat), Some(lng)) => Some(geo::distance_meters(lat, lng, here.lat, here.lng)),
        _ => None,
    };
    let rule = OnSiteRule {
        radius_m: state.config.checkin_radius_meters,
        accuracy_cap_m: state.config.checkin_accuracy_cap_meters,
    };
    let on_site = distance.map(|d| rule.on_site(d, accuracy));
    let changes = visit_task::ActiveModel {
        status: Set(status.as_str().to_owned()),
        check_in_at: Set(Some(now)),
        check_in_device_at: Set(Some(check_in.device_time)),
        check_in_latitude: Set(Some(here.lat)),
        check_in_longitude: Set(Some(here.lng)),
        check_in_accuracy_m: Set(Some(accuracy)),
        check_in_distance_m: Set(distance),
        check_in_on_site: Set(on_site),
        ..Default::default()
    };
    write(txn, &current, changes, now).await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "visit.checked_in",
        subject_type: "VisitTask",
        subject_id: current.id,
        details: serde_json::json!({
            "deviceTime": check_in.device_time,
            "distanceMeters": distance,
            "onSite": on_site,
        }),
    }
    .record(txn, now)
    .await?;
    finish(guard, current.id).await
}

/// Checks the assignee out of a visit under way: records the report, logs a `VISIT` follow-up on
/// the customer (renewing the linked lead), and plans the next visit when `nextVisitAt` is
/// given. Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`,
/// `INVALID_STATE` (not checked in), `IDEMPOTENCY_KEY_REUSED`.
pub async fn check_out(
    state: &AppState,
    viewer: &Viewer,
    check_out: CheckOut,
    idempotency_key: Option<String>,
) -> AppResult<visit_task::Model> {
    require_field_role(viewer)?;
    let call = IdempotentCall::new(viewer.user_id, "checkOutVisit", idempotency_key, &check_out)?;
    let now = state.clock.now();
    let guard = match begin(state, &call, now).await? {
        Ok(guard) => guard,
        Err(replayed) => return Ok(replayed),
    };
    // Every problem of the input's own fields at once.
    let mut problems = crate::input::Problems::default();
    let summary = problems.check(required_text(&check_out.summary, "input.summary", 5000));
    let next_step = problems.check(optional_text(
        check_out.next_step.as_deref(),
        "input.nextStep",
        1000,
    ));
    let device_time = check_out.device_time.unwrap_or(now);
    problems.check(check_device_time(&state.config, device_time, now));
    if check_out.next_visit_at.is_some_and(|at| at <= now) {
        problems.check::<()>(Err(AppError::bad_input(
            "input.nextVisitAt",
            "The next visit lies in the future",
        )));
    }
    problems.finish()?;
    let (Some(summary), Some(next_step)) = (summary, next_step) else {
        return Err(AppError::internal());
    };
    let txn = guard.txn();
    let current = task_at_version(txn, viewer, check_out.id, check_out.expected_version).await?;
    require_assignee(viewer, &current)?;
    let status = next_status(&current, Action::CheckOut)?;
    let checked_in = current.check_in_device_at.ok_or_else(AppError::internal)?;
    if device_time < checked_in {
        return Err(AppError::bad_input(
            "input.deviceTime",
            "A visit cannot end before its check-in",
        ));
    }
    let content = match &next_step {
        Some(step) => format!("{summary}\nNext step: {step}"),
        None => summary.clone(),
    };
    let follow_up = crate::followups::service::log_visit(
        state,
        txn,
        viewer,
        current.customer_id,
        current.lead_id,
        content,
        device_time,
        check_out.next_visit_at,
        now,
    )
    .await?;
    let next_visit = match check_out.next_visit_at {
        Some(start) => Some(plan_next(txn, viewer, &current, start, next_step.clone(), now).await?),
        None => None,
    };
    let changes = visit_task::ActiveModel {
        status: Set(status.as_str().to_owned()),
        check_out_at: Set(Some(now)),
        check_out_device_at: Set(Some(device_time)),
        summary: Set(Some(summary)),
        outcome: Set(Some(check_out.outcome.as_str().to_owned())),
        next_step: Set(next_step),
        next_visit_id: Set(next_visit.as_ref().map(|v| v.id)),
        duration_seconds: Set(Some((device_time - checked_in).num_seconds())),
        follow_up_id: Set(Some(follow_up.id)),
        ..Default::default()
    };
    write(txn, &current, changes, now).await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "visit.checked_out",
        subject_type: "VisitTask",
        subject_id: current.id,
        details: serde_json::json!({
            "outcome": check_out.outcome.as_str(),
            "nextVisitId": next_visit.as_ref().map(|v| v.id),
        }),
    }
    .record(txn, now)
    .await?;
    finish(guard, current.id).await
}

/// The follow-up visit planned at check-out: same customer, contact, deal and place, as long as
/// the one just made was planned for; the linked lead only while it is still open.
async fn plan_next(
    txn: &sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    visit: &visit_task::Model,
    start: DateTime<Utc>,
    next_step: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<visit_task::Model> {
    let lead_open = match visit.lead_id {
        Some(lead) => crate::leads::service::lead_for_work(txn, viewer, lead)
            .await
            .is_ok(),
        None => false,
    };
    let location = match (visit.latitude, visit.longitude) {
        (Some(lat), Some(lng)) => Some(GeoPoint { lat, lng }),
        _ => None,
    };
    let new = NewVisit {
        customer_id: visit.customer_id,
        contact_id: visit.contact_id,
        opportunity_id: visit.opportunity_id,
        lead_id: visit.lead_id.filter(|_| lead_open),
        assignee_id: None,
        purpose: next_step
            .map(|step| step.chars().take(500).collect())
            .unwrap_or_else(|| {
                format!("Follow-up: {}", visit.purpose)
                    .chars()
                    .take(500)
                    .collect()
            }),
        planned_start: start,
        planned_end: start + (visit.planned_end - visit.planned_start),
        address: visit.address.clone(),
        location,
        client_id: None,
    };
    service::insert_visit(txn, viewer, viewer.user_id, &new, now)
        .await
        .map_err(|err| match err.field {
            Some(_) => err.with_field("input.nextVisitAt"),
            None => err,
        })
}
