//! Deliveries: batches recorded against an order, each line at most what remains of it (the
//! order's contract row is locked while one is written, so concurrent deliveries queue and the
//! second sees the first). The contract's owner is told.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use uuid::Uuid;

use super::access::order_for_execution;
use super::model::{OrderStatus, Progress, delivered_amount, status_of};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::optional_text;
use crate::state::AppState;
use entity::contract;
use entity::delivery::{self, Entity as Deliveries};
use entity::delivery_line::{self, Entity as DeliveryLines};
use entity::order::{self, Entity as Orders};
use entity::order_line::{self, Entity as OrderLines};

/// Longest delivery note.
const MAX_NOTE: usize = 2_000;

/// One line of a delivery as the client sends it: a quantity (thousandths) for a product
/// line, an amount (minor units) for a line of an amount alone.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveredItem {
    pub line_id: Uuid,
    pub quantity_thousandths: Option<i64>,
    pub amount_minor: Option<i64>,
}

/// A delivery to record.
#[derive(Debug, Clone, Serialize)]
pub struct NewDelivery {
    pub order_id: Uuid,
    pub items: Vec<DeliveredItem>,
    pub delivered_on: NaiveDate,
    pub note: Option<String>,
}

/// What one item adds to its line: the new totals and this delivery's share.
struct Step {
    line: order_line::Model,
    delivered_thousandths: i64,
    delivered_minor: i64,
    quantity: Option<i64>,
    amount: i64,
}

/// Checks an item against its line: the right measure, above zero, within what remains.
fn step_of(i: usize, item: &DeliveredItem, line: &order_line::Model) -> AppResult<Step> {
    let field = |name: &str| format!("input.lines.{i}.{name}");
    match line.quantity_thousandths {
        Some(ordered) => {
            let quantity = item.quantity_thousandths.ok_or_else(|| {
                AppError::bad_input(field("quantity"), "A product line is delivered by quantity")
            })?;
            let remaining = ordered - line.delivered_thousandths;
            if quantity <= 0 || quantity > remaining {
                return Err(AppError::bad_input(
                    field("quantity"),
                    format!(
                        "A quantity above zero and at most what remains to deliver ({})",
                        rust_decimal::Decimal::new(remaining, 3).normalize()
                    ),
                ));
            }
            let total = line.delivered_thousandths + quantity;
            let minor = delivered_amount(line.amount_minor, ordered, total)
                .ok_or_else(AppError::internal)?;
            Ok(Step {
                line: line.clone(),
                delivered_thousandths: total,
                delivered_minor: minor,
                quantity: Some(quantity),
                amount: minor - line.delivered_minor,
            })
        }
        None => {
            let amount = item.amount_minor.ok_or_else(|| {
                AppError::bad_input(
                    field("amount"),
                    "A line without a product is delivered by amount",
                )
            })?;
            let remaining = line.amount_minor - line.delivered_minor;
            if amount <= 0 || amount > remaining {
                return Err(AppError::bad_input(
                    field("amount"),
                    format!(
                        "An amount above zero and at most what remains to deliver ({})",
                        crate::money::Money::from_minor(remaining).to_decimal()
                    ),
                ));
            }
            Ok(Step {
                line: line.clone(),
                delivered_thousandths: 0,
                delivered_minor: line.delivered_minor + amount,
                quantity: None,
                amount,
            })
        }
    }
}

/// Records a delivery against an open or partly delivered order of a signed contract the
/// viewer may execute, on a day not in the future; the order becomes partly or wholly
/// delivered and the contract's owner is notified. Idempotent by key. Errors: `NOT_FOUND`,
/// `FORBIDDEN`, `BAD_USER_INPUT` (lines, quantities beyond the order, the day, the note),
/// `INVALID_STATE` (cancelled or delivered order, contract not signed),
/// `IDEMPOTENCY_KEY_REUSED`. `then` runs in the delivery's transaction, after it is written,
/// with the delivery and its contract (what follows a delivery in other domains).
pub async fn record_delivery(
    state: &AppState,
    viewer: &Viewer,
    new: NewDelivery,
    idempotency_key: Option<String>,
    then: impl AsyncFnOnce(
        &sea_orm::DatabaseTransaction,
        &delivery::Model,
        &contract::Model,
    ) -> AppResult<()>,
) -> AppResult<delivery::Model> {
    let now = state.clock.now();
    if new.items.is_empty() || new.items.len() > super::service::MAX_LINES {
        return Err(AppError::bad_input(
            "input.lines",
            "A delivery has 1 to 200 lines",
        ));
    }
    if new.delivered_on > state.config.company_today(now) {
        return Err(AppError::bad_input(
            "input.deliveredOn",
            "A delivery cannot be recorded for a future day",
        ));
    }
    let note = optional_text(new.note.as_deref(), "input.note", MAX_NOTE)?;
    let call = IdempotentCall::new(viewer.user_id, "recordDelivery", idempotency_key, &new)?;
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        let (current, contract) = order_for_execution(txn, viewer, new.order_id)
            .await
            .map_err(|e| e.with_field("input.orderId"))?;
        super::access::require_signed(&contract)?;
        match OrderStatus::parse(&current.status) {
            Some(OrderStatus::Cancelled) => {
                return Err(AppError::invalid_state("The order is cancelled"));
            }
            Some(OrderStatus::Delivered) => {
                return Err(AppError::invalid_state("The order is delivered in full"));
            }
            _ => {}
        }
        if new.delivered_on < contract.signed_date.unwrap_or(new.delivered_on) {
            return Err(AppError::bad_input(
                "input.deliveredOn",
                "A delivery is on or after the day the contract was signed",
            ));
        }
        let lines: HashMap<Uuid, order_line::Model> = OrderLines::find()
            .filter(order_line::Column::OrderId.eq(current.id))
            .all(txn)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
        let mut problems = crate::input::Problems::default();
        let mut seen = BTreeSet::new();
        let mut steps = Vec::with_capacity(new.items.len());
        for (i, item) in new.items.iter().enumerate() {
            // A line of another order, seen or not, answers like one that does not exist.
            let Some(line) = lines.get(&item.line_id) else {
                problems.check::<()>(Err(
                    AppError::not_found("OrderLine").naming(&format!("input.lines.{i}.lineId"))
                ));
                continue;
            };
            if !seen.insert(item.line_id) {
                problems.check::<()>(Err(AppError::bad_input(
                    format!("input.lines.{i}.lineId"),
                    "Each line once per delivery",
                )));
                continue;
            }
            if let Some(step) = problems.check(step_of(i, item, line)) {
                steps.push(step);
            }
        }
        problems.finish()?;
        let created = delivery::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(current.id),
            contract_id: Set(contract.id),
            delivered_on: Set(new.delivered_on),
            note: Set(note.clone()),
            recorded_by: Set(viewer.user_id),
            created_at: Set(now),
        };
        let created = sea_orm::ActiveModelTrait::insert(created, txn).await?;
        let mut progress: HashMap<Uuid, Progress> = lines
            .values()
            .map(|l| {
                (
                    l.id,
                    match l.quantity_thousandths {
                        Some(q) => Progress {
                            ordered: q,
                            delivered: l.delivered_thousandths,
                        },
                        None => Progress {
                            ordered: l.amount_minor,
                            delivered: l.delivered_minor,
                        },
                    },
                )
            })
            .collect();
        for step in &steps {
            write_step(txn, created.id, step).await?;
            if let Some(p) = progress.get_mut(&step.line.id) {
                p.delivered = if step.line.quantity_thousandths.is_some() {
                    step.delivered_thousandths
                } else {
                    step.delivered_minor
                };
            }
        }
        let progress: Vec<Progress> = progress.into_values().collect();
        let status = status_of(&progress);
        let changed = Orders::update_many()
            .col_expr(
                order::Column::Status,
                sea_orm::sea_query::Expr::value(status.as_str()),
            )
            .col_expr(
                order::Column::Version,
                sea_orm::sea_query::Expr::value(current.version + 1),
            )
            .col_expr(
                order::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(order::Column::Id.eq(current.id))
            .filter(order::Column::Version.eq(current.version))
            .exec(txn)
            .await?;
        if changed.rows_affected != 1 {
            return Err(AppError::conflict(current.version + 1));
        }
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "order.delivered",
            subject_type: "Order",
            subject_id: current.id,
            details: serde_json::json!({"deliveryId": created.id, "status": status.as_str(),
                "lines": steps.len()}),
        }
        .record(txn, now)
        .await?;
        let mut notified = Vec::new();
        if contract.owner_id != viewer.user_id {
            let written = crate::notifications::service::notify(
                txn,
                crate::notifications::service::NewNotification {
                    user_id: contract.owner_id,
                    kind: "DELIVERY_RECORDED",
                    title: format!("Delivery recorded on {}", current.number),
                    body: format!(
                        "A delivery of {} ({}) was recorded on {}",
                        current.number, contract.number, new.delivered_on
                    ),
                    subject_type: Some("Contract"),
                    subject_id: Some(contract.id),
                },
                now,
            )
            .await?;
            notified.push((written.id, written.user_id));
        }
        then(txn, &created, &contract).await?;
        Ok((created.id, notified))
    })
    .await?;
    let fresh = matches!(outcome, idempotency::Outcome::Fresh(_));
    let (delivery_id, notified) = outcome.into_inner();
    if fresh {
        crate::notifications::service::announce_ids(state.events.as_ref(), &notified);
    }
    Deliveries::find_by_id(delivery_id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Writes one item: the line's new totals (guarded by what was read, under the contract's
/// lock) and the delivery's line.
async fn write_step(db: &impl ConnectionTrait, delivery_id: Uuid, step: &Step) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
    let updated = OrderLines::update_many()
        .col_expr(
            order_line::Column::DeliveredThousandths,
            Expr::value(step.delivered_thousandths),
        )
        .col_expr(
            order_line::Column::DeliveredMinor,
            Expr::value(step.delivered_minor),
        )
        .filter(order_line::Column::Id.eq(step.line.id))
        .filter(order_line::Column::DeliveredThousandths.eq(step.line.delivered_thousandths))
        .filter(order_line::Column::DeliveredMinor.eq(step.line.delivered_minor))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::internal());
    }
    sea_orm::ActiveModelTrait::insert(
        delivery_line::ActiveModel {
            id: Set(Uuid::now_v7()),
            delivery_id: Set(delivery_id),
            order_line_id: Set(step.line.id),
            quantity_thousandths: Set(step.quantity),
            amount_minor: Set(step.amount),
        },
        db,
    )
    .await?;
    Ok(())
}

/// The deliveries of these orders, oldest first (for loaders under visible orders).
pub async fn deliveries_of(
    db: &impl ConnectionTrait,
    order_ids: &[Uuid],
) -> AppResult<Vec<delivery::Model>> {
    Ok(Deliveries::find()
        .filter(delivery::Column::OrderId.is_in(order_ids.to_vec()))
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await?)
}

/// The lines of these deliveries.
pub async fn delivery_lines_of(
    db: &impl ConnectionTrait,
    delivery_ids: &[Uuid],
) -> AppResult<Vec<delivery_line::Model>> {
    Ok(DeliveryLines::find()
        .filter(delivery_line::Column::DeliveryId.is_in(delivery_ids.to_vec()))
        .order_by_asc(delivery_line::Column::Id)
        .all(db)
        .await?)
}

/// Order lines by id (for a delivery line's order line).
pub async fn order_lines_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<order_line::Model>> {
    Ok(OrderLines::find()
        .filter(order_line::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// A delivery the viewer may see (through its order). Errors: `NOT_FOUND`.
pub async fn get_delivery(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<delivery::Model> {
    let found = Deliveries::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Delivery"))?;
    super::access::get_order(db, viewer, found.order_id)
        .await
        .map_err(|_| AppError::not_found("Delivery"))?;
    Ok(found)
}
