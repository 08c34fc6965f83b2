//! The gate on moving a deal forward: the required exit criteria of its current stage, and of
//! every open stage the move skips, must be met, unless a manager or admin overrides with a
//! reason.

use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::{checklist, criteria};
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::opportunities::model::StageKind;
use entity::{exit_criterion, opportunity, pipeline_stage};

/// What a forward move leaves unmet, when anything.
#[derive(Debug, Clone, PartialEq)]
pub struct Overridden {
    pub reason: String,
    pub items: Vec<exit_criterion::Model>,
}

/// The required criteria `deal` has not met to move from its stage to `to`: none when `to`
/// lies before the current stage.
pub async fn unmet(
    db: &impl ConnectionTrait,
    deal: &opportunity::Model,
    to: &pipeline_stage::Model,
) -> AppResult<Vec<exit_criterion::Model>> {
    let Some(from) = pipeline_stage::Entity::find_by_id(deal.stage_id)
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    if to.position <= from.position {
        return Ok(Vec::new());
    }
    let skipped = crate::opportunities::stages::list(db, false)
        .await?
        .into_iter()
        .filter(|s| s.kind == StageKind::Open.as_str())
        .filter(|s| s.position > from.position && s.position < to.position);
    let stage_ids: Vec<Uuid> = std::iter::once(from.id)
        .chain(skipped.map(|s| s.id))
        .collect();
    let required: Vec<exit_criterion::Model> = criteria::of_stages(db, &stage_ids)
        .await?
        .into_iter()
        .filter(|c| c.required)
        .collect();
    let facts = checklist::facts_of(db, std::slice::from_ref(deal), &required).await?;
    let facts = facts.get(&deal.id).cloned().unwrap_or_default();
    // In pipeline order: the current stage's first, then each skipped stage's.
    let mut unmet: Vec<exit_criterion::Model> = required
        .into_iter()
        .filter(|c| !checklist::evaluate(c, deal, &facts).done)
        .collect();
    unmet.sort_by_key(|c| (stage_ids.iter().position(|s| *s == c.stage_id), c.position));
    Ok(unmet)
}

/// Lets a forward move through: nothing unmet, or an override by a manager or admin with a
/// reason. Errors: `INVALID_STATE` on `input.stageId` with `extensions.missing`, `FORBIDDEN` on
/// `input.overrideReason` (a rep overriding).
pub fn pass(
    viewer: &Viewer,
    unmet: Vec<exit_criterion::Model>,
    override_reason: Option<&str>,
) -> AppResult<Option<Overridden>> {
    if unmet.is_empty() {
        return Ok(None);
    }
    let Some(reason) = override_reason else {
        let names: Vec<&str> = unmet.iter().map(|c| c.name.as_str()).collect();
        return Err(AppError::invalid_state(format!(
            "The deal has not met its exit criteria: {}",
            names.join("; ")
        ))
        .with_field("input.stageId")
        .with_missing(
            unmet
                .iter()
                .map(|c| {
                    (
                        crate::ids::encode_id(crate::ids::NodeType::ExitCriterion, c.id).0,
                        c.name.clone(),
                    )
                })
                .collect(),
        ));
    };
    if !matches!(viewer.role, Role::Admin | Role::SalesManager) {
        return Err(AppError::new(
            crate::error::ErrorCode::Forbidden,
            "Only managers and admins override exit criteria",
        )
        .with_field("input.overrideReason"));
    }
    Ok(Some(Overridden {
        reason: reason.to_owned(),
        items: unmet,
    }))
}
