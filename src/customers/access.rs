//! Reading a customer the viewer may see, and the role check of every customer write; shared by the
//! customer and contact services.

use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::policy;
use entity::customer::{self, Entity as Customers};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

pub(super) fn require_sales_writer(viewer: &Viewer) -> AppResult<()> {
    match viewer.role {
        Role::Finance => Err(AppError::forbidden()),
        _ => Ok(()),
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
