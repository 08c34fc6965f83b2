//! Line items of a deal: products, quantities, prices from the deal's price book and
//! discounts. A deal with line items has the exact sum of its line amounts as its amount; a
//! deal without keeps its plain amount. Lines are replaced as a whole, like splits.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::access::{load, opportunity_for_change, require_seller};
use super::model::OpportunityStatus;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::money::Money;
use crate::products::price_books::{self, STANDARD};
use crate::products::pricing;
use crate::state::AppState;
use entity::opportunity::{self, Entity as Opportunities};
use entity::opportunity_line_item::{self, Entity as LineItems};

pub use crate::products::priced_lines::{ItemSpec, MAX_LINE_ITEMS};
use crate::products::priced_lines::{check_items, price_items};

/// Replaces the line items of an open deal the viewer may change (and its price book when
/// `price_book` is given), at `expected_version`; the deal's amount becomes the sum of the
/// lines unless there are none. Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`, `CONFLICT`, `INVALID_STATE` (closed deal).
pub async fn set_line_items(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    price_book: Option<Uuid>,
    items: Vec<ItemSpec>,
    idempotency_key: Option<String>,
) -> AppResult<opportunity::Model> {
    require_seller(viewer)?;
    check_items(&items)?;
    let now = state.clock.now();
    let day = crate::calendar::today(viewer.timezone, now);
    let call = IdempotentCall::new(
        viewer.user_id,
        "setOpportunityLineItems",
        idempotency_key,
        &format!("{:?}", (id, expected_version, price_book, &items)),
    )?;
    idempotency::run(&state.db, &call, now, async |txn| {
        let current = opportunity_for_change(txn, viewer, id).await?;
        crate::versioned::check(expected_version, current.version)?;
        if current.status != OpportunityStatus::Open.as_str() {
            return Err(AppError::invalid_state(
                "A closed deal is read-only; reopen it first",
            ));
        }
        let book = match price_book {
            Some(book) => {
                price_books::usable_book(txn, book, "input.priceBookId")
                    .await?
                    .id
            }
            None => current.price_book_id.unwrap_or(STANDARD),
        };
        let existing: Vec<(Uuid, i64)> = lines_of(txn, &[id])
            .await?
            .iter()
            .map(|l| (l.product_id, l.book_price_minor))
            .collect();
        let priced = price_items(txn, &items, book, day, &existing).await?;
        LineItems::delete_many()
            .filter(opportunity_line_item::Column::OpportunityId.eq(id))
            .exec(txn)
            .await?;
        if !priced.is_empty() {
            let rows =
                priced
                    .iter()
                    .zip(0..)
                    .map(|(p, position)| opportunity_line_item::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        opportunity_id: Set(id),
                        position: Set(position),
                        product_id: Set(p.product_id),
                        quantity_thousandths: Set(p.quantity_thousandths),
                        unit_price_minor: Set(p.unit_price_minor),
                        book_price_minor: Set(p.book_price_minor),
                        discount_basis_points: Set(p.discount_basis_points),
                        amount_minor: Set(p.amount_minor),
                        unit_cost_minor: Set(p.unit_cost_minor),
                        created_at: Set(now),
                        cost_minor: Set(p
                            .unit_cost_minor
                            .and_then(|c| pricing::line_cost(p.quantity_thousandths, c))
                            .map(Money::minor)),
                    });
            LineItems::insert_many(rows).exec(txn).await?;
        }
        let mut change = opportunity::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        if !priced.is_empty() {
            change.amount_minor = Set(priced.iter().map(|p| p.amount_minor).sum());
        }
        if price_book.is_some() {
            change.price_book_id = Set(Some(book));
        }
        let target = crate::versioned::Target::new(id, expected_version, current.version);
        crate::versioned::write::<Opportunities>(txn, target, change, now).await?;
        let lines: Vec<_> = priced
            .iter()
            .map(|p| {
                serde_json::json!({"productId": p.product_id, "quantityThousandths":
                    p.quantity_thousandths, "unitPriceMinor": p.unit_price_minor,
                    "discountBasisPoints": p.discount_basis_points, "amountMinor": p.amount_minor})
            })
            .collect();
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "opportunity.line_items_set",
            subject_type: "Opportunity",
            subject_id: id,
            details: serde_json::json!({"priceBookId": book, "lines": lines}),
        }
        .record(txn, now)
        .await?;
        Ok(id)
    })
    .await?;
    load(&state.db, id).await
}

/// Whether the deal has line items (its amount is then theirs to set).
pub async fn has_line_items(db: &impl ConnectionTrait, id: Uuid) -> AppResult<bool> {
    use sea_orm::PaginatorTrait;
    let count = LineItems::find()
        .filter(opportunity_line_item::Column::OpportunityId.eq(id))
        .count(db)
        .await?;
    Ok(count > 0)
}

/// The line items of these deals, in order (for loaders under visible deals).
pub async fn lines_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<opportunity_line_item::Model>> {
    Ok(LineItems::find()
        .filter(opportunity_line_item::Column::OpportunityId.is_in(ids.to_vec()))
        .order_by_asc(opportunity_line_item::Column::OpportunityId)
        .order_by_asc(opportunity_line_item::Column::Position)
        .all(db)
        .await?)
}

/// The cost of lines (quantity × unit cost each, rounded half-up), or `None` when a line's
/// cost is unknown or there are no lines.
pub fn cost_of(lines: &[opportunity_line_item::Model]) -> Option<Money> {
    if lines.is_empty() {
        return None;
    }
    lines.iter().try_fold(Money::ZERO, |sum, line| {
        let cost = pricing::line_cost(line.quantity_thousandths, line.unit_cost_minor?)?;
        sum.checked_add(cost)
    })
}
