//! Importing products (admins): checked as `createProduct` checks them, the product line named
//! by its name, refused when the code is already a product's or an earlier row's.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::rows::{Batch, Outcome, RowError, id_of};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::money::Money;
use crate::products::service::{NewProduct, code_key, line_name_key, product_row};
use entity::{product, product_line};

/// The columns, as `createProduct`'s input fields (the line by its name).
pub const FIELDS: &[&str] = &[
    "code",
    "name",
    "description",
    "productLine",
    "unit",
    "listPrice",
    "costPrice",
];
const CODE: usize = 0;
const NAME: usize = 1;
const DESCRIPTION: usize = 2;
const LINE: usize = 3;
const UNIT: usize = 4;
const LIST_PRICE: usize = 5;
const COST_PRICE: usize = 6;
/// Columns every file needs.
pub const REQUIRED: &[usize] = &[CODE, NAME, LIST_PRICE];

/// A price column as minor units. Errors: `BAD_USER_INPUT` on `field`.
fn price(text: &str, field: &str) -> AppResult<i64> {
    let amount: Decimal = text
        .replace([',', ' '], "")
        .parse()
        .map_err(|_| AppError::bad_input(field, "A price is a number such as 1299.50"))?;
    Ok(Money::parse(amount, field)?.minor())
}

/// Checks the batch's rows and writes those that pass (unless in a dry run).
pub async fn write(db: &impl ConnectionTrait, batch: Batch<'_>) -> AppResult<Outcome> {
    let lines: HashMap<String, product_line::Model> = product_line::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|line| (line.name_key.clone(), line))
        .collect();
    let mut outcome = Outcome::default();
    let mut candidates = Vec::new();
    for row in &batch.rows {
        let cell = |field| batch.columns.cell(row, field).map(str::to_owned);
        let mut errors = Vec::new();
        let mut product_line_id = None;
        if let Some(name) = cell(LINE) {
            match lines.get(&line_name_key(&name)) {
                None => errors.push(RowError::new(
                    row.number,
                    "productLine",
                    ErrorCode::NotFound,
                    "No product line has this name",
                )),
                Some(line) if !line.active => errors.push(RowError::new(
                    row.number,
                    "productLine",
                    ErrorCode::BadUserInput,
                    "This product line is archived",
                )),
                Some(line) => product_line_id = Some(line.id),
            }
        }
        let mut priced = |field: usize, name: &str| match cell(field) {
            None => None,
            Some(text) => match price(&text, &format!("input.{name}")) {
                Ok(minor) => Some(minor),
                Err(err) => {
                    errors.extend(RowError::of(row.number, err, &[]));
                    None
                }
            },
        };
        let list_price = priced(LIST_PRICE, "listPrice");
        let cost_price = priced(COST_PRICE, "costPrice");
        if list_price.is_none() && cell(LIST_PRICE).is_none() {
            errors.push(RowError::new(
                row.number,
                "listPrice",
                ErrorCode::BadUserInput,
                "A product has a list price",
            ));
        }
        let new = NewProduct {
            code: cell(CODE).unwrap_or_default(),
            name: cell(NAME).unwrap_or_default(),
            description: cell(DESCRIPTION),
            product_line_id,
            unit: cell(UNIT),
            list_price_minor: list_price.unwrap_or(0),
            cost_price_minor: cost_price,
        };
        match product_row(&new, batch.now) {
            Ok(model) if errors.is_empty() => {
                candidates.push((row.number, code_key(&new.code), new, model))
            }
            Ok(_) => outcome.errors.extend(errors),
            Err(err) => {
                outcome.errors.extend(errors);
                outcome.errors.extend(RowError::of(row.number, err, &[]));
            }
        }
    }
    let keys: Vec<&String> = candidates.iter().map(|(_, key, _, _)| key).collect();
    let existing: HashSet<String> = if keys.is_empty() {
        HashSet::new()
    } else {
        product::Entity::find()
            .select_only()
            .column(product::Column::CodeKey)
            .filter(product::Column::CodeKey.is_in(keys))
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let mut products = Vec::new();
    let mut audit = Vec::new();
    for (number, key, new, model) in candidates {
        let message = if existing.contains(&key) {
            "A product with this code already exists"
        } else if batch.seen.taken("code", &key) {
            "An earlier row has this code"
        } else {
            batch.seen.take("code", &key);
            outcome.created += 1;
            audit.push((id_of(&model.id)?, new));
            products.push(model);
            continue;
        };
        outcome
            .errors
            .push(RowError::new(number, "code", ErrorCode::Duplicate, message));
    }
    if batch.write && !products.is_empty() {
        product::Entity::insert_many(products)
            .exec_without_returning(db)
            .await?;
        let entries: Vec<crate::audit::Entry<'_>> = audit
            .iter()
            .map(|(id, new)| crate::audit::Entry {
                actor_id: Some(batch.viewer.user_id),
                action: "product.created",
                subject_type: "Product",
                subject_id: *id,
                details: serde_json::json!({"code": new.code.trim(), "name": new.name.trim(),
                    "listPriceMinor": new.list_price_minor,
                    "costPriceMinor": new.cost_price_minor,
                    "productLineId": new.product_line_id, "importId": batch.import_id}),
            })
            .collect();
        crate::audit::record_all(db, &entries, batch.now).await?;
    }
    Ok(outcome)
}
