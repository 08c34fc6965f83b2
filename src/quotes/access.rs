//! Which quotes a viewer sees (those of the deals they see) and may change (those of the deals
//! they may change); shared by the quote services.

use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use entity::quote::{self, Entity as Quotes};

/// `FORBIDDEN` for finance and customer service: quotes are the sellers'.
pub(super) fn require_seller(viewer: &Viewer) -> AppResult<()> {
    if !viewer.role.sells() {
        Err(AppError::forbidden())
    } else {
        Ok(())
    }
}

/// Quotes the viewer may see: those of the deals they may see.
pub fn visible(viewer: &Viewer) -> Condition {
    match viewer.role {
        Role::Admin | Role::Finance => Condition::all(),
        Role::Support => crate::policy::nothing(),
        Role::SalesManager | Role::SalesRep => {
            let deals = Query::select()
                .column(entity::opportunity::Column::Id)
                .from(entity::opportunity::Entity)
                .cond_where(crate::policy::opportunities(viewer))
                .to_owned();
            Condition::all().add(quote::Column::OpportunityId.in_subquery(deals))
        }
    }
}

/// Ids of the quotes the viewer may see (for approval requests about them).
pub fn visible_ids(viewer: &Viewer) -> SelectStatement {
    Query::select()
        .column(quote::Column::Id)
        .from(Quotes)
        .cond_where(visible(viewer))
        .to_owned()
}

/// A quote the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_quote(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<quote::Model> {
    Quotes::find_by_id(id)
        .filter(visible(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Quote"))
}

/// A quote the viewer may change: visible, and of a deal they may change. Errors: `NOT_FOUND`,
/// `FORBIDDEN` (finance, or a deal seen through a split).
pub async fn quote_for_change(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<quote::Model> {
    let quote = get_quote(db, viewer, id).await?;
    if !viewer.role.sells() {
        return Err(AppError::read_only("quote"));
    }
    crate::opportunities::access::opportunity_for_change(db, viewer, quote.opportunity_id)
        .await
        .map_err(|e| match e.code {
            crate::error::ErrorCode::Forbidden => AppError::read_only("quote"),
            _ => e,
        })?;
    Ok(quote)
}

/// A quote by id, whoever may see it (after a check, inside a transaction).
pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<quote::Model> {
    Quotes::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}
