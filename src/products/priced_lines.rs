//! Lines of a deal or a quote as a client sends them, priced from a price book and computed
//! exactly: the gross and net amount of each line, rounded half-up once, with the unit cost and
//! the discount the product's line allows.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::pricing;
use crate::error::{AppError, AppResult};
use crate::input::Problems;
use crate::money::MAX_INPUT_MINOR;
use entity::product::{self, Entity as Products};

/// Most lines on one deal or quote.
pub const MAX_LINE_ITEMS: usize = 200;

/// One line as the client sends it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemSpec {
    pub product_id: Uuid,
    pub quantity_thousandths: i64,
    /// `None`: the price book's price.
    pub unit_price_minor: Option<i64>,
    pub discount_basis_points: i32,
}

/// Checks what can be checked of the lines without the database: their number, prices and
/// discounts (every problem at once).
pub fn check_items(items: &[ItemSpec]) -> AppResult<()> {
    if items.len() > MAX_LINE_ITEMS {
        return Err(AppError::bad_input(
            "input.items",
            format!("A deal has at most {MAX_LINE_ITEMS} line items"),
        ));
    }
    let mut problems = Problems::default();
    for (i, item) in items.iter().enumerate() {
        if item.unit_price_minor.is_some_and(|p| p < 0) {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.items.{i}.unitPrice"),
                "A price is zero or more",
            )));
        }
        if !(0..=10_000).contains(&item.discount_basis_points) {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.items.{i}.discountPercent"),
                "A discount is between 0 and 100 percent",
            )));
        }
    }
    problems.finish()
}

/// A line priced and computed, ready to store.
#[derive(Debug, Clone)]
pub struct Priced {
    pub product_id: Uuid,
    pub quantity_thousandths: i64,
    pub unit_price_minor: i64,
    pub book_price_minor: i64,
    pub discount_basis_points: i32,
    /// quantity × unit price, rounded half-up.
    pub gross_minor: i64,
    /// quantity × unit price × (1 − discount), rounded half-up.
    pub amount_minor: i64,
    pub unit_cost_minor: Option<i64>,
    /// The product's line's largest discount without approval (basis points).
    pub max_discount_basis_points: i32,
}

/// Prices each line from `book` on `day` and computes its amounts. A product must exist and
/// be active, unless the record already carries it (`existing`: its products with the book
/// price they had; archived products stay where they are). Errors name `input.items.N.…`.
pub async fn price_items(
    db: &impl ConnectionTrait,
    items: &[ItemSpec],
    book: Uuid,
    day: chrono::NaiveDate,
    existing: &[(Uuid, i64)],
) -> AppResult<Vec<Priced>> {
    let mut ids: Vec<Uuid> = items.iter().map(|i| i.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let products: HashMap<Uuid, product::Model> = Products::find()
        .filter(product::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let prices = super::price_books::prices_on(db, book, &ids, day).await?;
    let line_ids: Vec<Uuid> = products
        .values()
        .filter_map(|p| p.product_line_id)
        .collect();
    let lines: HashMap<Uuid, i32> = super::lines::product_lines_by_ids(db, &line_ids)
        .await?
        .into_iter()
        .map(|l| (l.id, l.max_discount_basis_points))
        .collect();
    let mut priced = Vec::with_capacity(items.len());
    let mut total: i64 = 0;
    for (i, item) in items.iter().enumerate() {
        let field = format!("input.items.{i}.productId");
        let earlier = existing
            .iter()
            .find(|(product, _)| *product == item.product_id)
            .map(|(_, book_price)| *book_price);
        let Some(product) = products.get(&item.product_id) else {
            return Err(AppError::not_found("Product").naming(&field));
        };
        if !product.active && earlier.is_none() {
            return Err(AppError::bad_input(field, "This product is archived"));
        }
        let book_price = prices
            .get(&item.product_id)
            .copied()
            .or(earlier)
            .ok_or_else(|| {
                AppError::bad_input(
                    field.clone(),
                    format!("The deal's price book does not price this product on {day}"),
                )
            })?;
        let unit_price = item.unit_price_minor.unwrap_or(book_price);
        let amount = pricing::line_amount(
            item.quantity_thousandths,
            unit_price,
            item.discount_basis_points,
        )
        .ok_or_else(|| {
            AppError::bad_input(
                format!("input.items.{i}.quantity"),
                "The line's amount is beyond 999,999,999,999.99",
            )
        })?;
        total = total
            .checked_add(amount.minor())
            .filter(|t| *t <= MAX_INPUT_MINOR)
            .ok_or_else(|| {
                AppError::bad_input(
                    "input.items",
                    "The deal's amount is beyond 999,999,999,999.99",
                )
            })?;
        let gross = pricing::gross_amount(item.quantity_thousandths, unit_price)
            .and_then(crate::money::Money::round_half_up)
            .ok_or_else(AppError::internal)?;
        let max_discount = match product.product_line_id {
            Some(line) => lines.get(&line).copied(),
            None => None,
        }
        .unwrap_or(super::lines::DEFAULT_MAX_DISCOUNT_BASIS_POINTS);
        priced.push(Priced {
            gross_minor: gross.minor(),
            max_discount_basis_points: max_discount,
            product_id: item.product_id,
            quantity_thousandths: item.quantity_thousandths,
            unit_price_minor: unit_price,
            book_price_minor: book_price,
            discount_basis_points: item.discount_basis_points,
            amount_minor: amount.minor(),
            unit_cost_minor: product.cost_price_minor,
        });
    }
    Ok(priced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(price: Option<i64>, discount: i32) -> ItemSpec {
        ItemSpec {
            product_id: Uuid::nil(),
            quantity_thousandths: 1_000,
            unit_price_minor: price,
            discount_basis_points: discount,
        }
    }

    #[test]
    fn every_bad_line_is_reported_at_once() {
        let err = check_items(&[item(Some(-1), 0), item(None, 10_001)]).err();
        let fields: Vec<_> = err
            .iter()
            .flat_map(|e| std::iter::once(e).chain(e.more.iter()))
            .filter_map(|e| e.field.clone())
            .collect();
        assert_eq!(
            fields,
            ["input.items.0.unitPrice", "input.items.1.discountPercent"]
        );
        assert!(check_items(&vec![item(None, 0); MAX_LINE_ITEMS + 1]).is_err());
        assert!(check_items(&[item(Some(0), 10_000)]).is_ok());
    }
}
