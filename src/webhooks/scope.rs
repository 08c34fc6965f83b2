//! Which events an endpoint bound to a service account receives: those about records the
//! account may see, as its keys would (an inactive or missing account receives nothing).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppResult, ErrorCode};
use crate::identity::Viewer;
use crate::ids::NodeType;
use entity::{webhook, webhook_event};

/// The endpoints among `endpoints` bound to a service account, each with the account's caller
/// as its keys are (`None` for an inactive or missing account): one read of the endpoints, one
/// per account.
pub async fn bound(
    db: &impl ConnectionTrait,
    endpoints: &[Uuid],
    default_timezone: chrono_tz::Tz,
) -> AppResult<HashMap<Uuid, Option<Viewer>>> {
    let accounts: HashMap<Uuid, Uuid> = webhook::Entity::find()
        .filter(webhook::Column::Id.is_in(endpoints.to_vec()))
        .filter(webhook::Column::ServiceAccountId.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|w| w.service_account_id.map(|account| (w.id, account)))
        .collect();
    let mut viewers: HashMap<Uuid, Option<Viewer>> = HashMap::new();
    for account in accounts.values() {
        if viewers.contains_key(account) {
            continue;
        }
        let record =
            crate::auth::service::load_viewer_record(db, *account, default_timezone).await?;
        let viewer = record
            .filter(|r| r.active && r.viewer.service.is_some())
            .map(|r| r.viewer);
        viewers.insert(*account, viewer);
    }
    Ok(accounts
        .into_iter()
        .map(|(endpoint, account)| (endpoint, viewers.get(&account).cloned().flatten()))
        .collect())
}

/// Whether a bound endpoint's account (`None`: inactive or gone) may see the event's subject.
pub async fn account_sees(
    db: &impl ConnectionTrait,
    account: Option<&Viewer>,
    event: &webhook_event::Model,
) -> AppResult<bool> {
    match account {
        Some(viewer) => sees(db, viewer, &event.subject_type, event.subject_id).await,
        None => Ok(false),
    }
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
