//! The exit criteria of stages, configured by admins with the pipeline: checking a stage's list
//! and writing it in the pipeline's transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::model::{CriterionKind, DealField, DocumentKind};
use crate::error::{AppError, AppResult};
use crate::input::{Problems, required_text};
use entity::checklist_tick;
use entity::exit_criterion::{self, Entity as Criteria};

/// The most criteria one stage may have.
pub const MAX_PER_STAGE: usize = 20;

/// One exit criterion of a stage's new list.
#[derive(Debug, Clone)]
pub struct CriterionSpec {
    pub id: Option<Uuid>,
    pub name: String,
    pub kind: CriterionKind,
    pub field: Option<DealField>,
    /// A follow-up kind as stored (`CALL`, `VISIT`, …).
    pub activity_kind: Option<String>,
    pub document_kind: Option<DocumentKind>,
    pub required: bool,
}

/// The criteria of these stages, each stage's in order.
pub async fn of_stages(
    db: &impl ConnectionTrait,
    stage_ids: &[Uuid],
) -> AppResult<Vec<exit_criterion::Model>> {
    if stage_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Criteria::find()
        .filter(exit_criterion::Column::StageId.is_in(stage_ids.to_vec()))
        .order_by_asc(exit_criterion::Column::StageId)
        .order_by_asc(exit_criterion::Column::Position)
        .all(db)
        .await?)
}

/// A criterion by id.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<exit_criterion::Model>> {
    Ok(Criteria::find_by_id(id).one(db).await?)
}

/// Records every problem of one stage's list (`field` is the list's input path).
pub fn check(specs: &[CriterionSpec], field: &str, problems: &mut Problems) {
    if specs.len() > MAX_PER_STAGE {
        problems.check::<()>(Err(AppError::bad_input(
            field,
            format!("At most {MAX_PER_STAGE} exit criteria per stage"),
        )));
    }
    for (i, spec) in specs.iter().enumerate() {
        let at = format!("{field}.{i}");
        problems.check(required_text(&spec.name, &format!("{at}.name"), 200));
        let wants = |present: bool, expected: bool, name: &str, why: &str| {
            if present == expected {
                Ok(())
            } else {
                Err(AppError::bad_input(format!("{at}.{name}"), why))
            }
        };
        let kind = spec.kind;
        problems.check(wants(
            spec.field.is_some(),
            kind == CriterionKind::Field,
            "field",
            "A FIELD criterion names the deal field it needs; other kinds name none",
        ));
        problems.check(wants(
            spec.document_kind.is_some(),
            kind == CriterionKind::Document,
            "documentKind",
            "A DOCUMENT criterion names the document it needs; other kinds name none",
        ));
        if spec.activity_kind.is_some() && kind != CriterionKind::Activity {
            problems.check::<()>(Err(AppError::bad_input(
                format!("{at}.activityKind"),
                "Only an ACTIVITY criterion names an activity kind",
            )));
        }
        if let Some(id) = spec.id
            && specs[..i].iter().any(|s| s.id == Some(id))
        {
            problems.check::<()>(Err(AppError::bad_input(
                format!("{at}.id"),
                "The criterion is listed twice",
            )));
        }
    }
}

/// Replaces a stage's criteria with `specs` (already checked): listed ids are updated, new ones
/// created, unlisted ones removed with their ticks. Errors: `BAD_USER_INPUT` on `field`'s `id`
/// of a criterion that is not this stage's.
pub async fn replace(
    db: &impl ConnectionTrait,
    stage_id: Uuid,
    specs: &[CriterionSpec],
    field: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let existing: HashMap<Uuid, exit_criterion::Model> = of_stages(db, &[stage_id])
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let gone: Vec<Uuid> = existing
        .keys()
        .filter(|id| !specs.iter().any(|s| s.id == Some(**id)))
        .copied()
        .collect();
    if !gone.is_empty() {
        checklist_tick::Entity::delete_many()
            .filter(checklist_tick::Column::CriterionId.is_in(gone.clone()))
            .exec(db)
            .await?;
        Criteria::delete_many()
            .filter(exit_criterion::Column::Id.is_in(gone))
            .exec(db)
            .await?;
    }
    for (i, spec) in specs.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let mut model = exit_criterion::ActiveModel {
            id: Set(Uuid::now_v7()),
            stage_id: Set(stage_id),
            position: Set(position),
            name: Set(spec.name.trim().to_owned()),
            kind: Set(spec.kind.as_str().to_owned()),
            field: Set(spec.field.map(|f| f.as_str().to_owned())),
            activity_kind: Set(spec.activity_kind.clone()),
            document_kind: Set(spec.document_kind.map(|k| k.as_str().to_owned())),
            required: Set(spec.required),
            created_at: Set(now),
            updated_at: Set(now),
        };
        match spec.id {
            Some(id) if existing.contains_key(&id) => {
                if existing.get(&id).map(|c| c.kind.as_str()) != Some(spec.kind.as_str()) {
                    // A tick meant the old kind's item; it says nothing of the new one.
                    checklist_tick::Entity::delete_many()
                        .filter(checklist_tick::Column::CriterionId.eq(id))
                        .exec(db)
                        .await?;
                }
                model.id = Set(id);
                model.created_at = sea_orm::ActiveValue::NotSet;
                model.update(db).await?;
            }
            Some(_) => {
                return Err(AppError::bad_input(
                    format!("{field}.{i}.id"),
                    "No such exit criterion of this stage",
                ));
            }
            None => {
                model.insert(db).await?;
            }
        }
    }
    Ok(())
}
