//! Reading a deal the viewer may see or change, the role check of every deal write, and the whole
//! days a deal sat in a stage; shared by the deal services.

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::policy;
use chrono::{DateTime, Utc};
use entity::opportunity::{self, Entity as Opportunities};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

pub(super) fn require_seller(viewer: &Viewer) -> AppResult<()> {
    if !viewer.role.sells() {
        Err(AppError::forbidden())
    } else {
        Ok(())
    }
}

/// Whole days between two instants (never negative).
pub fn whole_days(from: DateTime<Utc>, to: DateTime<Utc>) -> i32 {
    i32::try_from(std::cmp::max((to - from).num_days(), 0)).unwrap_or(i32::MAX)
}

pub(super) async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<opportunity::Model> {
    Opportunities::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// A deal the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_opportunity(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<opportunity::Model> {
    Opportunities::find_by_id(id)
        .filter(policy::opportunities(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Opportunity"))
}

/// A deal the viewer may change: visible, and theirs to change (their own, their teams', or
/// any for admins). Errors: `NOT_FOUND` (not visible), `FORBIDDEN` (visible through a split
/// only).
pub async fn opportunity_for_change(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<opportunity::Model> {
    let deal = get_opportunity(db, viewer, id).await?;
    let changeable = Opportunities::find_by_id(id)
        .filter(policy::changeable_opportunities(viewer))
        .count(db)
        .await?;
    if changeable == 0 {
        return Err(AppError::read_only("opportunity"));
    }
    Ok(deal)
}
