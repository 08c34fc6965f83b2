//! The sweep reporting late deliveries: an order still waiting for deliveries
//! `SALESGRAPH_LATE_DELIVERY_DAYS` after its planned delivery date (the company's day) is
//! reported once to its contract's owner and the owner's managers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::model::UNDELIVERED;
use crate::error::AppResult;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::order::{self, Entity as Orders};

/// Lock of the late-delivery sweep.
pub const LATE_LOCK: i64 = 0x5341_4c45_0007;
/// How many orders one sweep reports at most; the next sweep continues.
const SWEEP_BATCH: u64 = 500;

/// Reports every order late by more than the configured days, once each, even when instances
/// sweep together (the sweep's lock, and a mark written with the report).
pub async fn report_late(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let Some(txn) = crate::sweeps::begin_exclusive(state, LATE_LOCK).await? else {
        return Ok(SweepReport::default());
    };
    let days = state.config.late_delivery_days.clamp(0, 3650);
    let cutoff = state.config.company_today(now) - chrono::Duration::days(days);
    let late = Orders::find()
        .filter(order::Column::Status.is_in(UNDELIVERED.map(|s| s.as_str())))
        .filter(order::Column::PlannedDeliveryDate.lt(cutoff))
        .filter(order::Column::LateNotifiedAt.is_null())
        .order_by_asc(order::Column::PlannedDeliveryDate)
        .limit(SWEEP_BATCH)
        .all(&txn)
        .await?;
    let contract_ids: Vec<uuid::Uuid> = late.iter().map(|o| o.contract_id).collect();
    let contracts: HashMap<uuid::Uuid, entity::contract::Model> = entity::contract::Entity::find()
        .filter(entity::contract::Column::Id.is_in(contract_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    // Each owner's managers, read once per sweep.
    let mut managers: HashMap<uuid::Uuid, Vec<uuid::Uuid>> = HashMap::new();
    let mut written = Vec::new();
    let mut reported = 0;
    for found in late {
        let Some(contract) = contracts.get(&found.contract_id) else {
            continue;
        };
        let marked = Orders::update_many()
            .col_expr(order::Column::LateNotifiedAt, Expr::value(Some(now)))
            .filter(order::Column::Id.eq(found.id))
            .filter(order::Column::LateNotifiedAt.is_null())
            .exec(&txn)
            .await?;
        if marked.rows_affected != 1 {
            continue;
        }
        reported += 1;
        crate::audit::Entry {
            actor_id: None,
            action: "order.late",
            subject_type: "Order",
            subject_id: found.id,
            details: serde_json::json!({"plannedDeliveryDate": found.planned_delivery_date}),
        }
        .record(&txn, now)
        .await?;
        let mut recipients = vec![contract.owner_id];
        let of_owner = match managers.entry(contract.owner_id) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(crate::users::service::managers_of(&txn, contract.owner_id).await?)
            }
        };
        recipients.extend(of_owner.iter().copied());
        recipients.sort_unstable();
        recipients.dedup();
        let planned = found
            .planned_delivery_date
            .map(|d| d.to_string())
            .unwrap_or_default();
        for user_id in recipients {
            let notice = NewNotification {
                user_id,
                kind: "DELIVERY_LATE",
                title: format!("Delivery late: {}", found.number),
                body: format!(
                    "Order {} of contract {} was planned for delivery on {planned} and is not \
                     delivered in full.",
                    found.number, contract.number
                ),
                subject_type: Some("Contract"),
                subject_id: Some(contract.id),
            };
            written.push(notifications::notify(&txn, notice, now).await?);
        }
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(SweepReport {
        ran: true,
        affected: reported,
    })
}
