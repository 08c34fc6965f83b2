//! A lead's part in its conversion (the hand-off itself is flows::lead_conversion): which lead\nmay be converted, and marking it converted.

use super::access::{lead_for_work, write_event};
use super::model::{LeadEventKind, LeadStatus};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use chrono::{DateTime, Utc};
use entity::lead::{self, Entity as Leads};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The lead `viewer` converts, locked: one they may work, still qualified. Errors:
/// `FORBIDDEN`, `NOT_FOUND`, `INVALID_STATE`.
pub async fn convertible_in(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<lead::Model> {
    let current = lead_for_work(txn, viewer, id).await?;
    if current.status != LeadStatus::Qualified.as_str() {
        return Err(AppError::invalid_state(
            "Only a qualified lead can be converted",
        ));
    }
    Ok(current)
}

/// Where a converted lead went.
#[derive(Debug, Clone, Copy)]
pub struct Conversion {
    pub customer_id: Uuid,
    pub contact_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    /// Whether the customer existed before (linked rather than created).
    pub linked: bool,
}

/// Marks `current` (from [`convertible_in`]) converted into `to`, at its version; records the
/// lead event and audits. Errors: `CONFLICT` (changed meanwhile).
pub async fn mark_converted_in(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    current: &lead::Model,
    to: Conversion,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let id = current.id;
    let result = Leads::update_many()
        .col_expr(
            lead::Column::ConvertedOpportunityId,
            Expr::value(to.opportunity_id),
        )
        .col_expr(
            lead::Column::Status,
            Expr::value(LeadStatus::Converted.as_str()),
        )
        .col_expr(
            lead::Column::ConvertedCustomerId,
            Expr::value(Some(to.customer_id)),
        )
        .col_expr(
            lead::Column::ConvertedContactId,
            Expr::value(Some(to.contact_id)),
        )
        .col_expr(lead::Column::ConvertedAt, Expr::value(Some(now)))
        .col_expr(
            lead::Column::PoolDeadline,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(lead::Column::Version, Expr::value(current.version + 1))
        .col_expr(lead::Column::UpdatedAt, Expr::value(now))
        .filter(lead::Column::Id.eq(id))
        .filter(lead::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::conflict(current.version + 1));
    }
    write_event(
        txn,
        id,
        LeadEventKind::Converted,
        Some(viewer.user_id),
        current.owner_id,
        current.owner_id,
        None,
        now,
    )
    .await?;
    crate::audit::Entry { actor_id: Some(viewer.user_id), action: "lead.converted", subject_type: "Lead", subject_id: id, details: serde_json::json!({"customerId": to.customer_id, "contactId": to.contact_id, "linked": to.linked}) }.record(txn, now)
    .await?;
    Ok(())
}
