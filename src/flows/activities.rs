//! Creating and changing activities, where the record one concerns must be visible: to the
//! caller, and to the activity's owner (a manager cannot hand a rep a to-do on a customer the
//! rep cannot open). A record the caller cannot see answers like a missing one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::activities::model::{ActivityKind, ActivitySubjectType};
use crate::activities::service::{self as activities, Changes, NewActivity};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::activity;

/// What a client asks to create, before it is checked.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub kind: ActivityKind,
    pub subject: (ActivitySubjectType, Uuid),
    pub title: String,
    pub note: Option<String>,
    pub due_at: DateTime<Utc>,
    pub remind_at: Option<DateTime<Utc>>,
    pub owner_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
}

/// Whether `viewer` may see the record. Errors: `NOT_FOUND` on `input.subjectId`.
async fn check_subject(
    db: &impl sea_orm::ConnectionTrait,
    viewer: &Viewer,
    (kind, id): (ActivitySubjectType, Uuid),
) -> AppResult<()> {
    let seen = match kind {
        ActivitySubjectType::Lead => crate::leads::access::get_lead(db, viewer, id)
            .await
            .map(|_| ()),
        ActivitySubjectType::Customer => crate::customers::access::get_customer(db, viewer, id)
            .await
            .map(|_| ()),
        ActivitySubjectType::Opportunity => {
            crate::opportunities::access::get_opportunity(db, viewer, id)
                .await
                .map(|_| ())
        }
        ActivitySubjectType::Contract => crate::contracts::access::get_contract(db, viewer, id)
            .await
            .map(|_| ()),
    };
    seen.map_err(|err| match err.code {
        ErrorCode::NotFound | ErrorCode::Forbidden => {
            AppError::not_found("Record").with_field("input.subjectId")
        }
        _ => err,
    })
}

/// The owner may open the record too. Errors: `BAD_USER_INPUT` on `input.ownerId`.
async fn check_owner_sees(
    state: &AppState,
    db: &impl sea_orm::ConnectionTrait,
    viewer: &Viewer,
    owner: Uuid,
    subject: (ActivitySubjectType, Uuid),
) -> AppResult<()> {
    if owner == viewer.user_id {
        return Ok(());
    }
    let record = crate::auth::service::current_record(state, owner)
        .await?
        .ok_or_else(|| AppError::not_found("User").with_field("input.ownerId"))?;
    check_subject(db, &record.viewer, subject)
        .await
        .map_err(|err| match err.code {
            ErrorCode::NotFound => AppError::bad_input(
                "input.ownerId",
                "This person cannot open the record the activity concerns",
            ),
            _ => err,
        })
}

/// Creates an activity, once per key (or client id). Errors: `NOT_FOUND` (`input.subjectId`,
/// `input.ownerId`), `BAD_USER_INPUT` (title, note, times, a deactivated owner or one who cannot
/// see the record), `DUPLICATE` (`input.clientId`), `IDEMPOTENCY_KEY_REUSED`.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    request: Request,
    idempotency_key: Option<String>,
) -> AppResult<activity::Model> {
    let now = state.clock.now();
    let key = crate::ids::create_key(idempotency_key, request.client_id);
    let call = IdempotentCall::new(viewer.user_id, "createActivity", key, &request)?;
    let mut problems = crate::input::Problems::default();
    let texts = problems.check(activities::texts(&request.title, request.note.as_deref()));
    let due_at = problems.check(activities::check_due(request.due_at, now));
    let remind_at = due_at.and_then(|due| {
        problems.check(activities::reminder(
            due,
            request.remind_at,
            state.config.activity_reminder_minutes,
        ))
    });
    problems.finish()?;
    let (Some((title, note)), Some(due_at), Some(remind_at)) = (texts, due_at, remind_at) else {
        return Err(AppError::internal());
    };
    let owner_id = request.owner_id.unwrap_or(viewer.user_id);
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        check_subject(txn, viewer, request.subject).await?;
        activities::check_owner(txn, viewer, owner_id).await?;
        check_owner_sees(state, txn, viewer, owner_id, request.subject).await?;
        idempotency::check_client_id::<activity::Entity>(txn, request.client_id).await?;
        let new = NewActivity {
            kind: request.kind,
            subject: request.subject,
            title,
            note,
            due_at,
            remind_at,
            owner_id,
            client_id: request.client_id,
        };
        Ok(activities::insert(txn, viewer, &new, None, now).await?.id)
    })
    .await?;
    reload(state, outcome.into_inner()).await
}

/// Changes an activity the viewer may see, at `expected` version. Errors: `NOT_FOUND`
/// (`input.id`, `input.ownerId`), `CONFLICT`, `BAD_USER_INPUT`.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected: i32,
    mut changes: Changes,
) -> AppResult<activity::Model> {
    let now = state.clock.now();
    if let Some(title) = &changes.title {
        changes.title = Some(activities::texts(title, None)?.0);
    }
    if let Some(Some(note)) = &changes.note {
        changes.note = Some(activities::texts("-", Some(note))?.1);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let current = activities::get(&txn, viewer, id)
        .await
        .map_err(|e| e.naming("input.id"))?;
    crate::versioned::check(expected, current.version)?;
    if let Some(owner) = changes.owner_id
        && owner != current.owner_id
    {
        activities::check_owner(&txn, viewer, owner).await?;
        let subject = (
            ActivitySubjectType::parse(&current.subject_type)
                .unwrap_or(ActivitySubjectType::Customer),
            current.subject_id,
        );
        check_owner_sees(state, &txn, viewer, owner, subject).await?;
    }
    let Some(model) = activities::apply(
        &current,
        &changes,
        state.config.activity_reminder_minutes,
        now,
    )?
    else {
        return Ok(current);
    };
    let target = crate::versioned::Target::new(id, expected, current.version);
    let saved = crate::versioned::save::<activity::Entity>(
        &txn,
        target,
        model,
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "activity.updated",
            subject_type: "Activity",
            subject_id: id,
            details: serde_json::to_value(&changes).unwrap_or_default(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Marks an activity done or open again, once per key. Errors: `NOT_FOUND`, `CONFLICT`,
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn complete(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected: Option<i32>,
    done: bool,
    idempotency_key: Option<String>,
) -> AppResult<activity::Model> {
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "completeActivity",
        idempotency_key,
        &(id, expected, done),
    )?;
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        activities::set_done(txn, viewer, id, expected, done, now)
            .await
            .map(|a| a.id)
            .map_err(|e| e.naming("input.id"))
    })
    .await?;
    reload(state, outcome.into_inner()).await
}

async fn reload(state: &AppState, id: Uuid) -> AppResult<activity::Model> {
    use sea_orm::EntityTrait;
    activity::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}
