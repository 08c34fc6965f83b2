//! Ticking and unticking a deal's `MANUAL` exit criteria.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::criteria;
use super::model::CriterionKind;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::opportunities::access::opportunity_for_change;
use crate::opportunities::model::OpportunityStatus;
use crate::state::AppState;
use entity::{checklist_tick, exit_criterion, opportunity};

/// The open deal the viewer may change and one `MANUAL` criterion of its current stage.
/// Errors: `FORBIDDEN` (finance; a deal seen through a split), `NOT_FOUND` (deal or item),
/// `INVALID_STATE` (closed deal), `BAD_USER_INPUT` on `input.itemId` (another stage's item, or
/// one the deal meets by itself).
async fn manual_item(
    txn: &sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    opportunity_id: Uuid,
    item_id: Uuid,
) -> AppResult<(opportunity::Model, exit_criterion::Model)> {
    if !viewer.role.sells() {
        return Err(AppError::forbidden());
    }
    let deal = opportunity_for_change(txn, viewer, opportunity_id)
        .await
        .map_err(|e| e.naming("input.opportunityId"))?;
    let item = criteria::get(txn, item_id)
        .await?
        .ok_or_else(|| AppError::not_found("Checklist item").with_field("input.itemId"))?;
    if deal.status != OpportunityStatus::Open.as_str() {
        return Err(AppError::invalid_state(
            "A closed deal's checklist is settled; reopen the deal first",
        ));
    }
    if item.stage_id != deal.stage_id {
        return Err(AppError::bad_input(
            "input.itemId",
            "The item belongs to another stage than the deal's current one",
        ));
    }
    if item.kind != CriterionKind::Manual.as_str() {
        return Err(AppError::bad_input(
            "input.itemId",
            "Only MANUAL items are ticked; this one is met by the deal itself",
        ));
    }
    Ok((deal, item))
}

/// Ticks a `MANUAL` item of a deal's current stage; ticking it again keeps the first tick.
/// Errors: see [`manual_item`]; `BAD_USER_INPUT` on `input.note` (over 2000 characters).
pub async fn complete(
    state: &AppState,
    viewer: &Viewer,
    opportunity_id: Uuid,
    item_id: Uuid,
    note: Option<String>,
) -> AppResult<opportunity::Model> {
    let note = crate::input::optional_text(note.as_deref(), "input.note", 2000)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let (deal, item) = manual_item(&txn, viewer, opportunity_id, item_id).await?;
    let inserted = checklist_tick::Entity::insert(checklist_tick::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        opportunity_id: Set(deal.id),
        criterion_id: Set(item.id),
        done_by: Set(viewer.user_id),
        done_at: Set(now),
        note: Set(note),
    })
    .on_conflict(
        OnConflict::columns([
            checklist_tick::Column::OpportunityId,
            checklist_tick::Column::CriterionId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted > 0 {
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "opportunity.checklist_item_completed",
            subject_type: "Opportunity",
            subject_id: deal.id,
            details: serde_json::json!({"itemId": item.id, "item": item.name}),
        }
        .record(&txn, now)
        .await?;
    }
    txn.commit().await?;
    Ok(deal)
}

/// Removes the tick of a `MANUAL` item of a deal's current stage (nothing when it has none).
/// Errors: see [`manual_item`].
pub async fn uncomplete(
    state: &AppState,
    viewer: &Viewer,
    opportunity_id: Uuid,
    item_id: Uuid,
) -> AppResult<opportunity::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let (deal, item) = manual_item(&txn, viewer, opportunity_id, item_id).await?;
    let removed = checklist_tick::Entity::delete_many()
        .filter(checklist_tick::Column::OpportunityId.eq(deal.id))
        .filter(checklist_tick::Column::CriterionId.eq(item.id))
        .exec(&txn)
        .await?;
    if removed.rows_affected > 0 {
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "opportunity.checklist_item_uncompleted",
            subject_type: "Opportunity",
            subject_id: deal.id,
            details: serde_json::json!({"itemId": item.id, "item": item.name}),
        }
        .record(&txn, now)
        .await?;
    }
    txn.commit().await?;
    Ok(deal)
}
