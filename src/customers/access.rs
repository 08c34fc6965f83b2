//! Reading a customer the viewer may see, and the role check of every customer write; shared by the
//! customer and contact services.

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::policy;
use entity::customer::{self, Entity as Customers};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

pub(super) fn require_sales_writer(viewer: &Viewer) -> AppResult<()> {
    if viewer.role.sells() {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// A customer the viewer may see. Errors: `NOT_FOUND` (missing or invisible alike).
pub async fn get_customer(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<customer::Model> {
    Customers::find_by_id(id)
        .filter(policy::customers(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Customer"))
}
