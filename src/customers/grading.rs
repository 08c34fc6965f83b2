//! A manager's hand on a customer's grade: pinning a grade (with a reason) over the computed
//! one, unpinning it, and setting the influence level a seller judges. Admins and the managers
//! who see the customer pin; sellers who may change the customer set its influence. The grade
//! itself is computed (`health`); what is stored here is what overrides or feeds it.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use super::access::{get_customer, require_sales_writer};
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::versioned;
use entity::customer::{self, Entity as Customers};

/// Customer grade letters.
pub const GRADES: [&str; 3] = ["A", "B", "C"];

/// Longest pin reason, in characters.
pub const MAX_REASON: usize = 500;

/// Whether the viewer may pin grades (of the customers they see).
pub fn may_pin(viewer: &Viewer) -> bool {
    matches!(viewer.role, Role::Admin | Role::SalesManager)
}

/// Refuses a grade set by someone who may not pin, naming `field`.
pub fn require_pinner(viewer: &Viewer, field: &str) -> AppResult<()> {
    if may_pin(viewer) {
        Ok(())
    } else {
        Err(AppError::forbidden().with_field(field))
    }
}

/// Checks a grade letter. Errors: `BAD_USER_INPUT` on `field`.
pub fn check_grade(grade: &str, field: &str) -> AppResult<()> {
    if GRADES.contains(&grade) {
        Ok(())
    } else {
        Err(AppError::bad_input(field, "Grade is A, B or C"))
    }
}

/// Sets the pin columns of `model`: `Some((grade, reason))` pins, `None` unpins (the stored
/// grade stays until the grade sweep recomputes it).
pub fn set_pin(
    model: &mut customer::ActiveModel,
    viewer: &Viewer,
    pin: Option<(&str, &str)>,
    now: DateTime<Utc>,
) {
    match pin {
        Some((grade, reason)) => {
            model.grade = Set(Some(grade.to_owned()));
            model.pinned_grade = Set(Some(grade.to_owned()));
            model.grade_pin_reason = Set(Some(reason.to_owned()));
            model.grade_pinned_by = Set(Some(viewer.user_id));
            model.grade_pinned_at = Set(Some(now));
        }
        None => {
            model.pinned_grade = Set(None);
            model.grade_pin_reason = Set(None);
            model.grade_pinned_by = Set(None);
            model.grade_pinned_at = Set(None);
        }
    }
}

/// Tells the owner that someone else pinned their customer to another grade than it had.
pub async fn notify_pinned(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    current: &customer::Model,
    grade: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<entity::notification::Model>> {
    if current.owner_id == viewer.user_id || current.grade.as_deref() == Some(grade) {
        return Ok(None);
    }
    let notice = NewNotification {
        user_id: current.owner_id,
        kind: "CUSTOMER_GRADE_CHANGED",
        title: format!("{} is now graded {grade}", current.name),
        body: format!(
            "{} was graded {}; a manager pinned it to {grade}: {reason}",
            current.name,
            current.grade.as_deref().unwrap_or("-"),
        ),
        subject_type: Some("Customer"),
        subject_id: Some(current.id),
    };
    Ok(Some(notifications::notify(db, notice, now).await?))
}

fn clean_reason(reason: &str) -> AppResult<String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(AppError::bad_input(
            "input.reason",
            "Give a reason of 1 to 500 characters",
        ));
    }
    Ok(reason.to_owned())
}

/// Pins a visible customer's grade over the computed one, with a reason; the owner is told
/// when the grade changes. Errors: `NOT_FOUND`, `FORBIDDEN` (reps, finance, customer service),
/// `BAD_USER_INPUT` (grade, reason).
pub async fn pin_grade(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    grade: &str,
    reason: &str,
) -> AppResult<customer::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get_customer(&txn, viewer, id)
        .await
        .map_err(|e| e.naming("input.id"))?;
    require_pinner(viewer, "input.grade")?;
    check_grade(grade, "input.grade")?;
    let reason = clean_reason(reason)?;
    let mut model = customer::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    set_pin(&mut model, viewer, Some((grade, &reason)), now);
    let notice = notify_pinned(&txn, viewer, &current, grade, &reason, now).await?;
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "customer.grade_pinned",
        subject_type: "Customer",
        subject_id: id,
        details: serde_json::json!({"from": current.grade, "grade": grade, "reason": reason}),
    };
    let target = versioned::Target::new(id, current.version, current.version);
    let saved = versioned::save::<Customers>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), notice.as_slice());
    Ok(saved)
}

/// Lets a visible customer's grade follow its health again; the reason, when given, is
/// recorded. Errors: `NOT_FOUND`, `FORBIDDEN`, `BAD_USER_INPUT` (reason).
pub async fn unpin_grade(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    reason: Option<&str>,
) -> AppResult<customer::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get_customer(&txn, viewer, id)
        .await
        .map_err(|e| e.naming("input.id"))?;
    require_pinner(viewer, "input.id")?;
    let reason = reason.map(clean_reason).transpose()?;
    let mut model = customer::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    set_pin(&mut model, viewer, None, now);
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "customer.grade_unpinned",
        subject_type: "Customer",
        subject_id: id,
        details: serde_json::json!({"pinned": current.pinned_grade, "reason": reason}),
    };
    let target = versioned::Target::new(id, current.version, current.version);
    let saved = versioned::save::<Customers>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Sets (or clears) a visible customer's influence level; `allowed` are the picklist's keys.
/// Errors: `NOT_FOUND`, `FORBIDDEN` (finance, customer service), `BAD_USER_INPUT` (a key not
/// on the picklist).
pub async fn set_influence(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    level: Option<&str>,
    allowed: &[&str],
) -> AppResult<customer::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get_customer(&txn, viewer, id)
        .await
        .map_err(|e| e.naming("input.id"))?;
    require_sales_writer(viewer)?;
    if level.is_some_and(|key| !allowed.contains(&key)) {
        return Err(AppError::bad_input(
            "input.influence",
            "Not a level of the influence picklist",
        ));
    }
    let model = customer::ActiveModel {
        id: Set(id),
        influence: Set(level.map(str::to_owned)),
        ..Default::default()
    };
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "customer.influence_set",
        subject_type: "Customer",
        subject_id: id,
        details: serde_json::json!({"from": current.influence, "influence": level}),
    };
    let target = versioned::Target::new(id, current.version, current.version);
    let saved = versioned::save::<Customers>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    Ok(saved)
}
