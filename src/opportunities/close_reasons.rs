//! The picklists deals are won and lost for: admins keep one list of win reasons and one of
//! loss reasons; closing a deal names an active reason of the right list.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::model::CloseReasonKind;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::input::{Problems, required_text};
use crate::state::AppState;
use entity::close_reason::{self, Entity as Reasons};

/// The most reasons one list may hold.
pub const MAX_REASONS: usize = 50;

/// A list's reasons in order, archived ones only when asked for.
pub async fn list(
    db: &impl ConnectionTrait,
    kind: CloseReasonKind,
    include_archived: bool,
) -> AppResult<Vec<close_reason::Model>> {
    let mut query = Reasons::find()
        .filter(close_reason::Column::Kind.eq(kind.as_str()))
        .order_by_asc(close_reason::Column::Position);
    if !include_archived {
        query = query.filter(close_reason::Column::Archived.eq(false));
    }
    Ok(query.all(db).await?)
}

/// Reasons by id (for loaders).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<close_reason::Model>> {
    Ok(Reasons::find()
        .filter(close_reason::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// The active reason `id` of the `kind` list. Errors: `BAD_USER_INPUT` on `field` for any
/// other id (missing, archived, or of the other list).
pub async fn chosen(
    db: &impl ConnectionTrait,
    kind: CloseReasonKind,
    id: Uuid,
    field: &str,
) -> AppResult<close_reason::Model> {
    match Reasons::find_by_id(id).one(db).await? {
        Some(reason) if reason.kind == kind.as_str() && !reason.archived => Ok(reason),
        _ => Err(AppError::bad_input(
            field,
            format!(
                "Choose one of the active {} reasons",
                match kind {
                    CloseReasonKind::Win => "win",
                    CloseReasonKind::Loss => "loss",
                }
            ),
        )),
    }
}

/// One reason of a list's new version.
#[derive(Debug, Clone)]
pub struct ReasonSpec {
    pub id: Option<Uuid>,
    pub name: String,
    pub archived: bool,
}

/// Replaces a list (admins): listed ids are renamed, reordered or archived, new ones created,
/// unlisted ones deleted unless a deal names them. Errors: `FORBIDDEN`, `BAD_USER_INPUT`
/// (a blank, long or repeated name, a list without an active reason, an id not of this list),
/// `INVALID_STATE` (an unlisted reason in use: archive it).
pub async fn replace(
    state: &AppState,
    viewer: &Viewer,
    kind: CloseReasonKind,
    specs: Vec<ReasonSpec>,
) -> AppResult<Vec<close_reason::Model>> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    let mut problems = Problems::default();
    if specs.len() > MAX_REASONS {
        problems.check::<()>(Err(AppError::bad_input(
            "input.reasons",
            format!("At most {MAX_REASONS} reasons"),
        )));
    }
    if !specs.iter().any(|s| !s.archived) {
        problems.check::<()>(Err(AppError::bad_input(
            "input.reasons",
            "Keep at least one active reason",
        )));
    }
    let mut names: Vec<String> = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        if let Some(name) = problems.check(required_text(
            &spec.name,
            &format!("input.reasons.{i}.name"),
            100,
        )) {
            let key = name.to_lowercase();
            if names.contains(&key) {
                problems.check::<()>(Err(AppError::bad_input(
                    format!("input.reasons.{i}.name"),
                    "Each reason of a list has its own name",
                )));
            }
            names.push(key);
        }
    }
    problems.finish()?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let existing = list(&txn, kind, true).await?;
    for reason in &existing {
        if specs.iter().any(|s| s.id == Some(reason.id)) {
            continue;
        }
        let used = entity::opportunity::Entity::find()
            .filter(entity::opportunity::Column::CloseReasonId.eq(reason.id))
            .count(&txn)
            .await?
            > 0;
        if used {
            return Err(AppError::invalid_state(format!(
                "Reason \"{}\" is named by closed deals: archive it instead of removing it",
                reason.name
            )));
        }
        Reasons::delete_by_id(reason.id).exec(&txn).await?;
    }
    for (i, spec) in specs.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let mut model = close_reason::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(kind.as_str().to_owned()),
            name: Set(spec.name.trim().to_owned()),
            position: Set(position),
            archived: Set(spec.archived),
            created_at: Set(now),
            updated_at: Set(now),
        };
        match spec.id {
            Some(id) if existing.iter().any(|r| r.id == id) => {
                model.id = Set(id);
                model.created_at = sea_orm::ActiveValue::NotSet;
                model.update(&txn).await?;
            }
            Some(_) => {
                return Err(AppError::bad_input(
                    format!("input.reasons.{i}.id"),
                    "No such reason in this list",
                ));
            }
            None => {
                model.insert(&txn).await?;
            }
        }
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "close_reasons.updated",
        subject_type: "CloseReasons",
        subject_id: Uuid::nil(),
        details: serde_json::json!({"kind": kind.as_str(), "reasons": specs.len()}),
    }
    .record(&txn, now)
    .await?;
    let reasons = list(&txn, kind, true).await?;
    txn.commit().await?;
    Ok(reasons)
}
