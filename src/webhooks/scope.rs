//! Which events an endpoint bound to a service account receives: those about records the
//! account may see, as its keys would (an inactive or missing account receives nothing).

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::error::{AppResult, ErrorCode};
use crate::identity::Viewer;
use crate::ids::NodeType;

/// The callers of `accounts` as their keys are; `None` for an inactive or missing account.
pub async fn viewers_of(
    db: &impl ConnectionTrait,
    accounts: &[Uuid],
    default_timezone: chrono_tz::Tz,
) -> AppResult<HashMap<Uuid, Option<Viewer>>> {
    let mut viewers = HashMap::new();
    for account in accounts {
        let record =
            crate::auth::service::load_viewer_record(db, *account, default_timezone).await?;
        let viewer = record
            .filter(|r| r.active && r.viewer.service.is_some())
            .map(|r| r.viewer);
        viewers.insert(*account, viewer);
    }
    Ok(viewers)
}

/// Whether `viewer` may read the event's subject; refusals and absence are both `false`.
pub async fn sees(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    subject_type: &str,
    id: Uuid,
) -> AppResult<bool> {
    let seen = match NodeType::parse(subject_type) {
        Some(NodeType::Opportunity) => {
            return Ok(
                !crate::opportunities::service::visible_by_ids(db, viewer, &[id])
                    .await?
                    .is_empty(),
            );
        }
        Some(NodeType::Customer) => {
            return Ok(
                !crate::customers::service::visible_customers_by_ids(db, viewer, &[id])
                    .await?
                    .is_empty(),
            );
        }
        Some(NodeType::Lead) => crate::leads::access::get_lead(db, viewer, id)
            .await
            .map(drop),
        Some(NodeType::Contract) => crate::contracts::service::get_contract(db, viewer, id)
            .await
            .map(drop),
        Some(NodeType::ApprovalRequest) => crate::approvals::service::get_request(db, viewer, id)
            .await
            .map(drop),
        Some(NodeType::Invoice) => crate::billing::invoices::get_invoice(db, viewer, id)
            .await
            .map(drop),
        Some(NodeType::Payment) => crate::billing::payments::get_payment(db, viewer, id)
            .await
            .map(drop),
        Some(NodeType::VisitTask) => crate::visits::service::get_visit(db, viewer, id)
            .await
            .map(drop),
        Some(NodeType::Order) => crate::orders::service::get_order(db, viewer, id)
            .await
            .map(drop),
        Some(NodeType::Ticket) => crate::tickets::service::get(db, viewer, id).await.map(drop),
        _ => return Ok(false),
    };
    match seen {
        Ok(()) => Ok(true),
        Err(err) if matches!(err.code, ErrorCode::NotFound | ErrorCode::Forbidden) => Ok(false),
        Err(err) => Err(err),
    }
}
