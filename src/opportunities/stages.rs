//! Pipeline stages: the admin-configured steps a deal moves through.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::model::StageKind;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::input::required_text;
use crate::state::AppState;
use entity::pipeline_stage::{self, Entity as Stages};

/// Stage kinds.
pub const KINDS: [&str; 3] = [
    StageKind::Open.as_str(),
    StageKind::Won.as_str(),
    StageKind::Lost.as_str(),
];

/// Stages in pipeline order, archived ones only when asked for.
pub async fn list(
    db: &impl ConnectionTrait,
    include_archived: bool,
) -> AppResult<Vec<pipeline_stage::Model>> {
    let mut query = Stages::find().order_by_asc(pipeline_stage::Column::Position);
    if !include_archived {
        query = query.filter(pipeline_stage::Column::Archived.eq(false));
    }
    Ok(query.all(db).await?)
}

/// Stages by id (for loaders).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<pipeline_stage::Model>> {
    Ok(Stages::find()
        .filter(pipeline_stage::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// The first active stage of a kind.
pub async fn first_of_kind(
    db: &impl ConnectionTrait,
    kind: StageKind,
) -> AppResult<pipeline_stage::Model> {
    Stages::find()
        .filter(pipeline_stage::Column::Kind.eq(kind.as_str()))
        .filter(pipeline_stage::Column::Archived.eq(false))
        .order_by_asc(pipeline_stage::Column::Position)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid_state(format!(
                "The pipeline has no active {} stage",
                kind.as_str().to_lowercase()
            ))
        })
}

/// An active open stage by id, for deals to move into. Errors: `BAD_USER_INPUT` on `field`.
pub async fn open_stage(
    db: &impl ConnectionTrait,
    id: Uuid,
    field: &str,
) -> AppResult<pipeline_stage::Model> {
    match Stages::find_by_id(id).one(db).await? {
        Some(stage) if stage.kind == StageKind::Open.as_str() && !stage.archived => Ok(stage),
        Some(_) => Err(AppError::bad_input(
            field,
            "Deals move only into active open stages; use winOpportunity or loseOpportunity to close",
        )),
        None => Err(AppError::bad_input(field, "No such stage")),
    }
}

/// One stage of a new pipeline configuration.
#[derive(Debug, Clone)]
pub struct StageSpec {
    pub id: Option<Uuid>,
    pub name: String,
    pub probability: i32,
    pub kind: String,
    pub max_days_in_stage: Option<i32>,
    pub stale_rule: super::dwell::StaleRule,
    pub archived: bool,
    /// The stage's new exit checklist; `None` keeps it.
    pub exit_criteria: Option<Vec<crate::playbook::criteria::CriterionSpec>>,
}

/// Replaces the pipeline (admin): the list gives every stage in order; listed ids are updated,
/// new ones created, unlisted ones deleted unless in use. Errors: `FORBIDDEN`,
/// `BAD_USER_INPUT`, `INVALID_STATE` (an unlisted stage is in use).
pub async fn replace(
    state: &AppState,
    viewer: &Viewer,
    specs: Vec<StageSpec>,
) -> AppResult<Vec<pipeline_stage::Model>> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    // Every problem of every stage at once.
    let mut problems = crate::input::Problems::default();
    for (i, spec) in specs.iter().enumerate() {
        let field = format!("input.stages.{i}");
        problems.check(required_text(&spec.name, &format!("{field}.name"), 100));
        if !(0..=100).contains(&spec.probability) {
            problems.check::<()>(Err(AppError::bad_input(
                format!("{field}.probability"),
                "A probability lies between 0 and 100",
            )));
        }
        if spec.max_days_in_stage.is_some_and(|d| d < 1) {
            problems.check::<()>(Err(AppError::bad_input(
                format!("{field}.maxDaysInStage"),
                "At least one day",
            )));
        }
        if let Some(criteria) = &spec.exit_criteria {
            crate::playbook::criteria::check(
                criteria,
                &format!("{field}.exitCriteria"),
                &mut problems,
            );
        }
    }
    for kind in KINDS {
        if !specs.iter().any(|s| s.kind == kind && !s.archived) {
            problems.check::<()>(Err(AppError::bad_input(
                "input.stages",
                format!("The pipeline needs an active {} stage", kind.to_lowercase()),
            )));
        }
    }
    problems.finish()?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let existing = list(&txn, true).await?;
    for stage in &existing {
        if specs.iter().any(|s| s.id == Some(stage.id)) {
            continue;
        }
        let used = entity::opportunity::Entity::find()
            .filter(entity::opportunity::Column::StageId.eq(stage.id))
            .count(&txn)
            .await?
            > 0
            || entity::stage_change::Entity::find()
                .filter(
                    sea_orm::Condition::any()
                        .add(entity::stage_change::Column::FromStageId.eq(stage.id))
                        .add(entity::stage_change::Column::ToStageId.eq(stage.id)),
                )
                .count(&txn)
                .await?
                > 0;
        if used {
            return Err(AppError::invalid_state(format!(
                "Stage \"{}\" is in use: archive it instead of removing it",
                stage.name
            )));
        }
        crate::playbook::criteria::replace(&txn, stage.id, &[], "input.stages", now).await?;
        Stages::delete_by_id(stage.id).exec(&txn).await?;
    }
    for (i, spec) in specs.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let name = spec.name.trim().to_owned();
        let stage_id = match spec.id.and_then(|id| existing.iter().find(|s| s.id == id)) {
            Some(current) => {
                pipeline_stage::ActiveModel {
                    id: Set(current.id),
                    name: Set(name),
                    position: Set(position),
                    probability: Set(spec.probability),
                    kind: Set(spec.kind.clone()),
                    max_days_in_stage: Set(spec.max_days_in_stage),
                    stale_rule: Set(spec.stale_rule.as_str().to_owned()),
                    archived: Set(spec.archived),
                    version: Set(current.version + 1),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .update(&txn)
                .await?
                .id
            }
            None if spec.id.is_some() => {
                return Err(AppError::bad_input(
                    format!("input.stages.{i}.id"),
                    "No such stage",
                ));
            }
            None => {
                pipeline_stage::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    name: Set(name),
                    position: Set(position),
                    probability: Set(spec.probability),
                    kind: Set(spec.kind.clone()),
                    max_days_in_stage: Set(spec.max_days_in_stage),
                    stale_rule: Set(spec.stale_rule.as_str().to_owned()),
                    archived: Set(spec.archived),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        if let Some(criteria) = &spec.exit_criteria {
            crate::playbook::criteria::replace(
                &txn,
                stage_id,
                criteria,
                &format!("input.stages.{i}.exitCriteria"),
                now,
            )
            .await?;
        }
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "pipeline.updated",
        subject_type: "Pipeline",
        subject_id: Uuid::nil(),
        details: serde_json::json!({"stages": specs.len()}),
    }
    .record(&txn, now)
    .await?;
    let stages = list(&txn, true).await?;
    txn.commit().await?;
    Ok(stages)
}
