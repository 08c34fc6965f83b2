//! Storing, changing and reading activities. Whether the record an activity concerns may be
//! seen (by its creator and its owner) is asked by the flow that creates or reassigns it
//! (`flows::activities`); this module checks the activity's own fields and rights.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use uuid::Uuid;

use super::model::{ActivityKind, ActivitySubjectType};
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use entity::activity::{self, Column, Entity as Activities};

/// The longest title.
pub const MAX_TITLE: usize = 200;
/// The longest note.
pub const MAX_NOTE: usize = 2000;
/// How far back a due time may lie (logging a to-do already late).
const PAST_LIMIT: Duration = Duration::days(366);
/// How far ahead a due time may lie.
const FUTURE_LIMIT: Duration = Duration::days(5 * 366);
/// How long before its due time a reminder may come.
const REMINDER_LIMIT: Duration = Duration::days(31);

/// An activity to create, checked.
#[derive(Debug, Clone, Serialize)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub subject: (ActivitySubjectType, Uuid),
    pub title: String,
    pub note: Option<String>,
    pub due_at: DateTime<Utc>,
    pub remind_at: DateTime<Utc>,
    pub owner_id: Uuid,
    /// The id the client chose.
    pub client_id: Option<Uuid>,
}

/// Changes to an activity; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    pub kind: Option<ActivityKind>,
    pub title: Option<String>,
    /// `Some(None)` clears the note.
    pub note: Option<Option<String>>,
    pub due_at: Option<DateTime<Utc>>,
    pub remind_at: Option<DateTime<Utc>>,
    pub owner_id: Option<Uuid>,
}

/// The due time, within a year back and five years ahead of `now`. Errors: `BAD_USER_INPUT`
/// on `input.dueAt`.
pub fn check_due(due_at: DateTime<Utc>, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    if due_at < now - PAST_LIMIT || due_at > now + FUTURE_LIMIT {
        return Err(AppError::bad_input(
            "input.dueAt",
            "An activity is due within a year back and five years ahead",
        ));
    }
    Ok(due_at)
}

/// The reminder time: the one given (at most 31 days before the due time and not after it),
/// else the due time less the configured lead. Errors: `BAD_USER_INPUT` on `input.remindAt`.
pub fn reminder(
    due_at: DateTime<Utc>,
    remind_at: Option<DateTime<Utc>>,
    lead_minutes: i64,
) -> AppResult<DateTime<Utc>> {
    match remind_at {
        Some(at)
            if at > due_at
                || due_at
                    .checked_sub_signed(REMINDER_LIMIT)
                    .is_some_and(|e| at < e) =>
        {
            Err(AppError::bad_input(
                "input.remindAt",
                "A reminder comes at or before the due time, at most 31 days before it",
            ))
        }
        Some(at) => Ok(at),
        // Times at the edge of the calendar keep the due time itself.
        None => Ok(due_at
            .checked_sub_signed(Duration::minutes(lead_minutes.clamp(0, 31 * 24 * 60)))
            .unwrap_or(due_at)),
    }
}

/// The title and note, trimmed and bounded. Errors: `BAD_USER_INPUT` on each.
pub fn texts(title: &str, note: Option<&str>) -> AppResult<(String, Option<String>)> {
    let mut problems = crate::input::Problems::default();
    let title = problems.check(crate::input::required_text(title, "input.title", MAX_TITLE));
    let note = problems.check(crate::input::optional_text(note, "input.note", MAX_NOTE));
    problems.finish()?;
    match (title, note) {
        (Some(title), Some(note)) => Ok((title, note)),
        _ => Err(AppError::internal()),
    }
}

/// Whom the viewer may give an activity to: themself; managers, the members of the teams they
/// manage; admins, anyone. Errors: `NOT_FOUND` on `input.ownerId` (not one of those, or no such
/// user), `BAD_USER_INPUT` on it (deactivated).
pub async fn check_owner(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    owner_id: Uuid,
) -> AppResult<entity::user::Model> {
    let missing = || AppError::not_found("User").with_field("input.ownerId");
    let user = entity::user::Entity::find_by_id(owner_id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let allowed = user.id == viewer.user_id
        || viewer.role == Role::Admin
        || (viewer.role == Role::SalesManager && viewer.manages(user.team_id));
    if !allowed {
        return Err(missing());
    }
    if !user.active {
        return Err(AppError::bad_input(
            "input.ownerId",
            "A deactivated user takes no new activities",
        ));
    }
    Ok(user)
}

/// Stores a checked activity inside the caller's transaction, audited. A reminder or due time
/// already past counts as sent: nobody is told of what was late before it existed.
pub async fn insert(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    new: &NewActivity,
    follow_up_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<activity::Model> {
    let created = activity::ActiveModel {
        id: Set(crate::ids::new_id(new.client_id)),
        kind: Set(new.kind.as_str().to_owned()),
        subject_type: Set(new.subject.0.as_str().to_owned()),
        subject_id: Set(new.subject.1),
        title: Set(new.title.clone()),
        note: Set(new.note.clone()),
        due_at: Set(new.due_at),
        remind_at: Set(new.remind_at),
        reminded_at: Set((new.remind_at <= now).then_some(now)),
        overdue_notified_at: Set((new.due_at <= now).then_some(now)),
        done: Set(false),
        done_at: Set(None),
        owner_id: Set(new.owner_id),
        created_by: Set(viewer.user_id),
        follow_up_id: Set(follow_up_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "activity.created",
        subject_type: "Activity",
        subject_id: created.id,
        details: serde_json::json!({
            "kind": created.kind,
            "subjectType": created.subject_type,
            "subjectId": created.subject_id,
            "ownerId": created.owner_id,
            "dueAt": created.due_at,
        }),
    }
    .record(txn, now)
    .await?;
    Ok(created)
}

/// Schedules the activity a follow-up's `nextFollowUpAt` asks for, on the same record, for its
/// author, inside the follow-up's transaction.
pub async fn schedule_next(
    txn: &impl ConnectionTrait,
    author: &Viewer,
    follow_up: &entity::follow_up::Model,
    lead_minutes: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<activity::Model>> {
    let Some(due_at) = follow_up.next_follow_up_at else {
        return Ok(None);
    };
    let subject_type = ActivitySubjectType::parse(&follow_up.subject_type)
        .unwrap_or(ActivitySubjectType::Customer);
    let kind = ActivityKind::following(&follow_up.kind);
    let gist: String = follow_up
        .content
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(80)
        .collect();
    let new = NewActivity {
        kind,
        subject: (subject_type, follow_up.subject_id),
        title: format!("Follow up: {gist}"),
        note: None,
        due_at,
        remind_at: reminder(due_at, None, lead_minutes)?,
        owner_id: follow_up.author_id,
        client_id: None,
    };
    insert(txn, author, &new, Some(follow_up.id), now)
        .await
        .map(Some)
}

/// The activity a follow-up scheduled, if any.
pub async fn of_follow_up(
    db: &impl ConnectionTrait,
    follow_up_id: Uuid,
) -> AppResult<Option<activity::Model>> {
    Ok(Activities::find()
        .filter(Column::FollowUpId.eq(follow_up_id))
        .one(db)
        .await?)
}

/// An activity the viewer may see. Errors: `NOT_FOUND` (missing or not visible alike).
pub async fn get(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<activity::Model> {
    Activities::find_by_id(id)
        .filter(crate::policy::activities_on(
            viewer,
            db.get_database_backend(),
        ))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Activity"))
}

/// Visible activities by id (for loaders and the `Node` interface).
pub async fn visible_by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<activity::Model>> {
    Ok(Activities::find()
        .filter(Column::Id.is_in(ids.to_vec()))
        .filter(crate::policy::activities_on(
            viewer,
            db.get_database_backend(),
        ))
        .all(db)
        .await?)
}

/// The change to a stored activity that `changes` makes, with its re-armed reminders. `None`
/// when nothing changes.
pub fn apply(
    current: &activity::Model,
    changes: &Changes,
    lead_minutes: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<activity::ActiveModel>> {
    let due_at = match changes.due_at {
        Some(due) if due != current.due_at => check_due(due, now)?,
        _ => current.due_at,
    };
    // A new due time without a reminder time keeps the reminder's lead.
    let remind_at = match (changes.remind_at, changes.due_at) {
        (Some(at), _) => reminder(due_at, Some(at), lead_minutes)?,
        (None, Some(_)) if due_at != current.due_at => {
            let lead = current.due_at.signed_duration_since(current.remind_at);
            due_at
                .checked_sub_signed(lead.clamp(Duration::zero(), REMINDER_LIMIT))
                .unwrap_or(due_at)
        }
        _ => current.remind_at,
    };
    let mut model = activity::ActiveModel {
        id: Set(current.id),
        ..Default::default()
    };
    let mut changed = false;
    if let Some(kind) = changes.kind
        && kind.as_str() != current.kind
    {
        model.kind = Set(kind.as_str().to_owned());
        changed = true;
    }
    if let Some(title) = &changes.title
        && *title != current.title
    {
        model.title = Set(title.clone());
        changed = true;
    }
    if let Some(note) = &changes.note
        && *note != current.note
    {
        model.note = Set(note.clone());
        changed = true;
    }
    if let Some(owner) = changes.owner_id
        && owner != current.owner_id
    {
        model.owner_id = Set(owner);
        changed = true;
    }
    if due_at != current.due_at {
        model.due_at = Set(due_at);
        model.overdue_notified_at = Set((due_at <= now).then_some(now));
        changed = true;
    }
    if remind_at != current.remind_at {
        model.remind_at = Set(remind_at);
        model.reminded_at = Set((remind_at <= now).then_some(now));
        changed = true;
    }
    Ok(changed.then_some(model))
}

/// Marks an activity done (or open again), at `expected` version when given. Asking for the
/// state it is already in changes nothing, so a retry answers the same. Errors: `NOT_FOUND`,
/// `CONFLICT`.
pub async fn set_done(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    expected: Option<i32>,
    done: bool,
    now: DateTime<Utc>,
) -> AppResult<activity::Model> {
    let current = get(txn, viewer, id).await?;
    if current.done == done {
        return Ok(current);
    }
    let target =
        crate::versioned::Target::new(id, expected.unwrap_or(current.version), current.version);
    let model = activity::ActiveModel {
        id: Set(id),
        done: Set(done),
        done_at: Set(done.then_some(now)),
        ..Default::default()
    };
    crate::versioned::save::<Activities>(
        txn,
        target,
        model,
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: if done {
                "activity.completed"
            } else {
                "activity.reopened"
            },
            subject_type: "Activity",
            subject_id: id,
            details: serde_json::json!({}),
        },
        now,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn a_reminder_defaults_to_the_lead_before_and_never_follows_the_due_time() {
        let due = at("2026-12-05T09:00:00Z");
        assert_eq!(
            reminder(due, None, 15).ok(),
            Some(at("2026-12-05T08:45:00Z"))
        );
        assert_eq!(reminder(due, Some(due), 15).ok(), Some(due));
        assert!(reminder(due, Some(at("2026-12-05T09:00:01Z")), 15).is_err());
        assert!(reminder(due, Some(at("2026-11-01T09:00:00Z")), 15).is_err());
        assert_eq!(
            reminder(due, None, -5).ok(),
            Some(due),
            "a negative lead is no lead"
        );
    }

    #[test]
    fn moving_the_due_time_keeps_the_reminders_lead_and_re_arms_it() {
        let now = at("2026-12-05T08:00:00Z");
        let current = activity::Model {
            id: Uuid::nil(),
            kind: "CALL".into(),
            subject_type: "CUSTOMER".into(),
            subject_id: Uuid::nil(),
            title: "Call".into(),
            note: None,
            due_at: at("2026-12-05T07:00:00Z"),
            remind_at: at("2026-12-05T06:30:00Z"),
            reminded_at: Some(at("2026-12-05T06:30:00Z")),
            overdue_notified_at: Some(at("2026-12-05T07:00:00Z")),
            done: false,
            done_at: None,
            owner_id: Uuid::nil(),
            created_by: Uuid::nil(),
            follow_up_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let changes = Changes {
            due_at: Some(at("2026-12-06T10:00:00Z")),
            ..Changes::default()
        };
        let model = apply(&current, &changes, 15, now).ok().flatten();
        let Some(model) = model else {
            panic!("a change");
        };
        assert_eq!(model.remind_at, Set(at("2026-12-06T09:30:00Z")));
        assert_eq!(model.reminded_at, Set(None));
        assert_eq!(model.overdue_notified_at, Set(None));
        assert_eq!(
            apply(&current, &Changes::default(), 15, now).ok(),
            Some(None)
        );
    }
}
