//! Orders: drawn from a signed contract (by product from its lines, or by amount when it has
//! none), never beyond it, cancelled while nothing has been delivered. Deliveries are
//! [`super::deliveries`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::access::{contract_for_execution, load, order_for_execution, require_signed};
pub use super::access::{get_order, visible};
use super::model::{ACTIVE, Allowance, OrderStatus};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::required_text;
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;
use crate::versioned;
use entity::contract;
use entity::order::{self, Entity as Orders};
use entity::order_line::{self, Entity as OrderLines};

/// Most lines on one order (a contract's quote has at most 200).
pub const MAX_LINES: usize = 200;

/// An order to draw from a contract.
#[derive(Debug, Clone, Serialize)]
pub struct NewOrder {
    pub contract_id: Uuid,
    pub planned_delivery_date: Option<NaiveDate>,
    /// Products and quantities (thousandths) for a contract with lines; `None`: all that
    /// remains to order.
    pub items: Option<Vec<(Uuid, i64)>>,
    /// The amount for a contract without lines; `None`: all that remains.
    pub amount_minor: Option<i64>,
}

/// A line about to be written: product and quantity (or neither) and its amount.
struct Drawn {
    product_id: Option<Uuid>,
    quantity_thousandths: Option<i64>,
    amount_minor: i64,
}

/// The active orders' lines of a contract.
async fn active_lines(
    db: &impl ConnectionTrait,
    contract_id: Uuid,
) -> AppResult<Vec<order_line::Model>> {
    let orders: Vec<Uuid> = Orders::find()
        .filter(order::Column::ContractId.eq(contract_id))
        .filter(order::Column::Status.is_in(ACTIVE.iter().map(|s| s.as_str())))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    Ok(OrderLines::find()
        .filter(order_line::Column::OrderId.is_in(orders))
        .all(db)
        .await?)
}

/// What the contract sells of each product (the lines of the quote it was made from) and what
/// its orders' `active` lines take of it; empty for a contract without lines.
async fn allowances(
    db: &impl ConnectionTrait,
    contract: &contract::Model,
    active: &[order_line::Model],
) -> AppResult<BTreeMap<Uuid, Allowance>> {
    let Some(quote_id) = contract.quote_id else {
        return Ok(BTreeMap::new());
    };
    let mut allowances: BTreeMap<Uuid, Allowance> = BTreeMap::new();
    for line in crate::quotes::service::lines_of(db, &[quote_id]).await? {
        let entry = allowances.entry(line.product_id).or_default();
        entry.quantity += line.quantity_thousandths;
        entry.amount += line.amount_minor;
    }
    // An amended amount reprices the products in proportion (quantities stay).
    let weights: Vec<i64> = allowances.values().map(|a| a.amount).collect();
    if let Some(amounts) = super::model::apportion(contract.amount_minor, &weights) {
        for (allowance, amount) in allowances.values_mut().zip(amounts) {
            allowance.amount = amount;
        }
    }
    for line in active {
        if let Some(entry) = line.product_id.and_then(|p| allowances.get_mut(&p)) {
            entry.ordered_quantity += line.quantity_thousandths.unwrap_or(0);
            entry.ordered_amount += line.amount_minor;
        }
    }
    Ok(allowances)
}

/// The lines of an order by product, each within what remains of the contract.
fn draw_by_product(
    allowances: &BTreeMap<Uuid, Allowance>,
    items: Option<&[(Uuid, i64)]>,
) -> AppResult<Vec<Drawn>> {
    let wanted: Vec<(Uuid, i64)> = match items {
        Some(items) => items.to_vec(),
        None => allowances
            .iter()
            .filter(|(_, a)| a.remaining_quantity() > 0)
            .map(|(product, a)| (*product, a.remaining_quantity()))
            .collect(),
    };
    if wanted.is_empty() {
        return Err(AppError::invalid_state(
            "Everything the contract sells is ordered already",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut problems = crate::input::Problems::default();
    let mut drawn = Vec::with_capacity(wanted.len());
    for (i, (product, quantity)) in wanted.iter().enumerate() {
        let Some(allowance) = allowances.get(product) else {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.lines.{i}.productId"),
                "The contract does not sell this product",
            )));
            continue;
        };
        if !seen.insert(*product) {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.lines.{i}.productId"),
                "Each product once per order",
            )));
            continue;
        }
        match allowance.amount_of(*quantity) {
            Some(amount) => drawn.push(Drawn {
                product_id: Some(*product),
                quantity_thousandths: Some(*quantity),
                amount_minor: amount,
            }),
            None => {
                let remaining = rust_decimal::Decimal::new(allowance.remaining_quantity(), 3);
                problems.check::<()>(Err(AppError::bad_input(
                    format!("input.lines.{i}.quantity"),
                    format!(
                        "A quantity above zero and at most what remains to order ({})",
                        remaining.normalize()
                    ),
                )));
            }
        }
    }
    problems.finish()?;
    Ok(drawn)
}

/// Draws an order from a signed contract the viewer may execute: by product (the contract's
/// lines, each at most what remains unordered; all of it when `items` is `None`) or, for a
/// contract without lines, by amount (at most what remains). Numbered `O-<year>-<seq>`
/// without gaps. Idempotent by key. Errors: `NOT_FOUND`, `FORBIDDEN`, `BAD_USER_INPUT`
/// (beyond the contract, products it does not sell), `INVALID_STATE` (not signed, nothing
/// left), `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_order(
    state: &AppState,
    viewer: &Viewer,
    new: NewOrder,
    idempotency_key: Option<String>,
) -> AppResult<order::Model> {
    if new.items.as_ref().is_some_and(|i| i.len() > MAX_LINES) {
        return Err(AppError::bad_input(
            "input.lines",
            format!("An order has at most {MAX_LINES} lines"),
        ));
    }
    let now = state.clock.now();
    let call = IdempotentCall::new(viewer.user_id, "createOrder", idempotency_key, &new)?;
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let contract = contract_for_execution(txn, viewer, new.contract_id)
            .await
            .map_err(|e| e.with_field("input.contractId"))?;
        require_signed(&contract)?;
        let active = active_lines(txn, contract.id).await?;
        let allowances = allowances(txn, &contract, &active).await?;
        let already: i64 = active.iter().map(|l| l.amount_minor).sum();
        let remaining = (contract.amount_minor - already).max(0);
        let lines = if allowances.is_empty() {
            if new.items.is_some() {
                return Err(AppError::bad_input(
                    "input.lines",
                    "This contract has no product lines: order an amount",
                ));
            }
            let amount = new.amount_minor.unwrap_or(remaining);
            if remaining == 0 && new.amount_minor.is_none() {
                return Err(AppError::invalid_state(
                    "The contract's amount is ordered already",
                ));
            }
            if amount <= 0 || amount > remaining {
                return Err(AppError::bad_input(
                    "input.amount",
                    format!(
                        "An amount above zero and at most what remains to order ({})",
                        crate::money::Money::from_minor(remaining).to_decimal()
                    ),
                ));
            }
            vec![Drawn {
                product_id: None,
                quantity_thousandths: None,
                amount_minor: amount,
            }]
        } else {
            if new.amount_minor.is_some() {
                return Err(AppError::bad_input(
                    "input.amount",
                    "This contract is ordered by product: give lines",
                ));
            }
            draw_by_product(&allowances, new.items.as_deref())?
        };
        let total: i64 = lines.iter().map(|l| l.amount_minor).sum();
        if total > remaining {
            return Err(AppError::bad_input(
                "input.lines",
                "The order would exceed the contract's amount",
            ));
        }
        let year = state.config.company_year(now);
        let seq = crate::numbering::next(txn, "ORDER", year).await?;
        let created = order::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(crate::numbering::format("O", year, seq)),
            year: Set(year),
            seq: Set(seq),
            contract_id: Set(contract.id),
            customer_id: Set(contract.customer_id),
            created_by: Set(viewer.user_id),
            status: Set(OrderStatus::Open.as_str().to_owned()),
            planned_delivery_date: Set(new.planned_delivery_date),
            amount_minor: Set(total),
            cancel_reason: Set(None),
            late_notified_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        let rows = lines
            .iter()
            .zip(0..)
            .map(|(l, position)| order_line::ActiveModel {
                id: Set(Uuid::now_v7()),
                order_id: Set(created.id),
                position: Set(position),
                product_id: Set(l.product_id),
                quantity_thousandths: Set(l.quantity_thousandths),
                amount_minor: Set(l.amount_minor),
                delivered_thousandths: Set(0),
                delivered_minor: Set(0),
            });
        OrderLines::insert_many(rows).exec(txn).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "order.created",
            subject_type: "Order",
            subject_id: created.id,
            details: serde_json::json!({"number": created.number, "contractId": contract.id,
                "amountMinor": total}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    load(&state.db, id).await
}

/// Cancels an order nothing has been delivered of, at `expected_version`, with a reason.
/// Errors: `NOT_FOUND`, `FORBIDDEN`, `BAD_USER_INPUT`, `CONFLICT`, `INVALID_STATE`,
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn cancel_order(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    reason: String,
    idempotency_key: Option<String>,
) -> AppResult<order::Model> {
    let reason = required_text(&reason, "input.reason", 1000)?;
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "cancelOrder",
        idempotency_key,
        &(id, expected_version, &reason),
    )?;
    idempotency::run(&state.db, &call, now, async |txn| {
        let (current, _) = order_for_execution(txn, viewer, id).await?;
        versioned::check(expected_version, current.version)?;
        if current.status != OrderStatus::Open.as_str() {
            return Err(AppError::invalid_state(
                if current.status == OrderStatus::Cancelled.as_str() {
                    "The order is cancelled already"
                } else {
                    "Deliveries have been recorded against this order"
                },
            ));
        }
        let model = order::ActiveModel {
            status: Set(OrderStatus::Cancelled.as_str().to_owned()),
            cancel_reason: Set(Some(reason.clone())),
            ..Default::default()
        };
        let audit = crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "order.cancelled",
            subject_type: "Order",
            subject_id: id,
            details: serde_json::json!({"reason": reason}),
        };
        let target = versioned::Target::new(id, expected_version, current.version);
        versioned::save::<Orders>(txn, target, model, audit, now).await?;
        Ok(id)
    })
    .await?;
    load(&state.db, id).await
}

/// Filters for the order list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub contract_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub statuses: Option<Vec<OrderStatus>>,
}

/// The orders the viewer may see matching `filter`, newest first. Errors: `BAD_USER_INPUT`
/// (paging).
pub async fn list_orders(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: OrderFilter,
    page: &PageRequest,
) -> AppResult<Page<order::Model>> {
    let mut condition = Condition::all().add(visible(viewer));
    if let Some(contract) = filter.contract_id {
        condition = condition.add(order::Column::ContractId.eq(contract));
    }
    if let Some(customer) = filter.customer_id {
        condition = condition.add(order::Column::CustomerId.eq(customer));
    }
    if let Some(statuses) = filter.statuses {
        let statuses: BTreeSet<&str> = statuses.iter().map(|s| s.as_str()).collect();
        condition = condition.add(order::Column::Status.is_in(statuses));
    }
    use pagination::{SortKey, SortValue};
    pagination::fetch_sorted(
        db,
        Orders::find().filter(condition),
        order::Column::Id,
        SortKey::Id,
        true,
        page,
        |_| SortValue::Int(0),
        |o| o.id,
    )
    .await
}

/// The lines of these orders, in order (for loaders under visible orders).
pub async fn lines_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<order_line::Model>> {
    Ok(OrderLines::find()
        .filter(order_line::Column::OrderId.is_in(ids.to_vec()))
        .order_by_asc(order_line::Column::OrderId)
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?)
}

/// The orders of these contracts, newest first (for loaders under visible contracts).
pub async fn orders_of_contracts(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<order::Model>> {
    Ok(Orders::find()
        .filter(order::Column::ContractId.is_in(ids.to_vec()))
        .order_by_desc(order::Column::Id)
        .all(db)
        .await?)
}

/// The orders among `ids` the viewer may see (for loaders).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<order::Model>> {
    Ok(Orders::find()
        .filter(order::Column::Id.is_in(ids.to_vec()))
        .filter(visible(viewer))
        .all(db)
        .await?)
}

/// How many of a contract's orders still wait for deliveries.
pub async fn undelivered_orders(db: &impl ConnectionTrait, contract_id: Uuid) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(Orders::find()
        .filter(order::Column::ContractId.eq(contract_id))
        .filter(order::Column::Status.is_in(super::model::UNDELIVERED.iter().map(|s| s.as_str())))
        .count(db)
        .await?)
}

/// What the active orders of these contracts order and have delivered, in minor units, per
/// contract (contracts without active orders are absent): two aggregate statements.
pub async fn totals_by_contract(
    db: &impl ConnectionTrait,
    contract_ids: &[Uuid],
) -> AppResult<Vec<(Uuid, i64, i64)>> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Expr;
    let orders: Vec<(Uuid, Uuid)> = Orders::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::ContractId)
        .filter(order::Column::ContractId.is_in(contract_ids.to_vec()))
        .filter(order::Column::Status.is_in(ACTIVE.iter().map(|s| s.as_str())))
        .into_tuple()
        .all(db)
        .await?;
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let contract_of: std::collections::HashMap<Uuid, Uuid> = orders.iter().copied().collect();
    let sums: Vec<(Uuid, i64, i64)> = OrderLines::find()
        .select_only()
        .column(order_line::Column::OrderId)
        .column_as(Expr::cust("CAST(SUM(amount_minor) AS BIGINT)"), "ordered")
        .column_as(
            Expr::cust("CAST(SUM(delivered_minor) AS BIGINT)"),
            "delivered",
        )
        .filter(order_line::Column::OrderId.is_in(contract_of.keys().copied().collect::<Vec<_>>()))
        .group_by(order_line::Column::OrderId)
        .into_tuple()
        .all(db)
        .await?;
    let mut totals: BTreeMap<Uuid, (i64, i64)> = BTreeMap::new();
    for (order_id, ordered, delivered) in sums {
        if let Some(contract) = contract_of.get(&order_id) {
            let entry = totals.entry(*contract).or_default();
            entry.0 += ordered;
            entry.1 += delivered;
        }
    }
    Ok(totals
        .into_iter()
        .map(|(contract, (ordered, delivered))| (contract, ordered, delivered))
        .collect())
}
