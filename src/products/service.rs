//! Products: created, changed and archived by admins, read by everyone (product lines are
//! `lines`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::access::{key_held_by_another, require_admin};
use super::lines::usable_line;
pub use super::lines::{
    DEFAULT_MAX_DISCOUNT_BASIS_POINTS, NewProductLine, ProductLineChanges, create_product_line,
    get_product_line, line_name_key, list_product_lines, product_lines_by_ids, update_product_line,
};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::{optional_text, required_text};
use crate::pagination::{self, Page, PageRequest, SortKey};
use crate::state::AppState;
use crate::versioned;
use entity::product::{self, Entity as Products};

/// Longest product code.
const MAX_CODE: usize = 64;
/// Longest product or product line name.
const MAX_NAME: usize = 200;
/// Longest product description.
const MAX_DESCRIPTION: usize = 4_000;
/// Longest unit of sale.
const MAX_UNIT: usize = 32;

/// A product code folded for uniqueness: upper case, no spaces.
pub fn code_key(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

fn duplicate_code() -> AppError {
    AppError::duplicate("input.code", "A product with this code already exists")
}

fn check_price(minor: i64, field: &str) -> AppResult<i64> {
    if minor < 0 {
        return Err(AppError::bad_input(field, "A price is zero or more"));
    }
    Ok(minor)
}

/// A product to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewProduct {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub product_line_id: Option<Uuid>,
    pub unit: Option<String>,
    pub list_price_minor: i64,
    pub cost_price_minor: Option<i64>,
}

/// The row of a new product, its input checked (no authorization; the line and the code's
/// uniqueness are the caller's). Errors: `BAD_USER_INPUT`.
pub(crate) fn product_row(new: &NewProduct, now: DateTime<Utc>) -> AppResult<product::ActiveModel> {
    let code = required_text(&new.code, "input.code", MAX_CODE)?;
    let name = required_text(&new.name, "input.name", MAX_NAME)?;
    let description = optional_text(
        new.description.as_deref(),
        "input.description",
        MAX_DESCRIPTION,
    )?;
    let unit = optional_text(new.unit.as_deref(), "input.unit", MAX_UNIT)?
        .unwrap_or_else(|| "pcs".to_owned());
    let list_price = check_price(new.list_price_minor, "input.listPrice")?;
    let cost_price = new
        .cost_price_minor
        .map(|cost| check_price(cost, "input.costPrice"))
        .transpose()?;
    Ok(product::ActiveModel {
        id: Set(Uuid::now_v7()),
        code_key: Set(code_key(&code)),
        code: Set(code),
        name: Set(name),
        description: Set(description),
        product_line_id: Set(new.product_line_id),
        unit: Set(unit),
        list_price_minor: Set(list_price),
        cost_price_minor: Set(cost_price),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

/// Creates a product (admin). Idempotent by key. Errors: `FORBIDDEN`, `BAD_USER_INPUT`,
/// `NOT_FOUND` (the product line), `DUPLICATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_product(
    state: &AppState,
    viewer: &Viewer,
    new: NewProduct,
    idempotency_key: Option<String>,
) -> AppResult<product::Model> {
    require_admin(viewer)?;
    let call = IdempotentCall::new(viewer.user_id, "createProduct", idempotency_key, &new)?;
    let now = state.clock.now();
    let row = product_row(&new, now)?;
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        if let Some(line) = new.product_line_id {
            usable_line(txn, line).await?;
        }
        let key = code_key(&new.code);
        let clash = Products::find()
            .filter(product::Column::CodeKey.eq(key.as_str()))
            .one(txn)
            .await?;
        if clash.is_some() {
            return Err(duplicate_code());
        }
        let (list_price, cost_price) = (new.list_price_minor, new.cost_price_minor);
        let created = row.clone().insert(txn).await.map_err(|err| {
            if is_unique_violation(&err) {
                duplicate_code()
            } else {
                err.into()
            }
        })?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "product.created",
            subject_type: "Product",
            subject_id: created.id,
            details: serde_json::json!({"code": created.code, "name": created.name,
                "listPriceMinor": list_price, "costPriceMinor": cost_price,
                "productLineId": created.product_line_id}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    get_product(&state.db, id).await
}

/// Changes to a product; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProductChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub product_line_id: Option<Option<Uuid>>,
    pub unit: Option<String>,
    pub list_price_minor: Option<i64>,
    pub cost_price_minor: Option<Option<i64>>,
    pub active: Option<bool>,
}

/// Changes (or archives, or restores) a product (admin) if still at `expected_version`.
/// Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `DUPLICATE`, `CONFLICT`.
pub async fn update_product(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: ProductChanges,
) -> AppResult<product::Model> {
    require_admin(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = versioned::current::<Products>(&txn, id, expected_version, "Product").await?;
    let mut model = product::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    if let Some(code) = &changes.code {
        let code = required_text(code, "input.code", MAX_CODE)?;
        let key = code_key(&code);
        let (code_key, id_column) = (product::Column::CodeKey, product::Column::Id);
        if key_held_by_another::<Products>(&txn, code_key, id_column, &key, id).await? {
            return Err(duplicate_code());
        }
        changed.insert("code".into(), code.clone().into());
        model.code = Set(code);
        model.code_key = Set(key);
    }
    if let Some(name) = &changes.name {
        let name = required_text(name, "input.name", MAX_NAME)?;
        changed.insert("name".into(), name.clone().into());
        model.name = Set(name);
    }
    if let Some(description) = &changes.description {
        let description =
            optional_text(description.as_deref(), "input.description", MAX_DESCRIPTION)?;
        changed.insert("description".into(), serde_json::json!(description));
        model.description = Set(description);
    }
    if let Some(line) = changes.product_line_id {
        if let Some(line) = line.filter(|l| Some(*l) != current.product_line_id) {
            usable_line(&txn, line).await?;
        }
        changed.insert("productLineId".into(), serde_json::json!(line));
        model.product_line_id = Set(line);
    }
    if let Some(unit) = &changes.unit {
        let unit = required_text(unit, "input.unit", MAX_UNIT)?;
        changed.insert("unit".into(), unit.clone().into());
        model.unit = Set(unit);
    }
    if let Some(price) = changes.list_price_minor {
        let price = check_price(price, "input.listPrice")?;
        changed.insert("listPriceMinor".into(), price.into());
        model.list_price_minor = Set(price);
    }
    if let Some(cost) = changes.cost_price_minor {
        let cost = cost
            .map(|c| check_price(c, "input.costPrice"))
            .transpose()?;
        changed.insert("costPriceMinor".into(), serde_json::json!(cost));
        model.cost_price_minor = Set(cost);
    }
    if let Some(active) = changes.active {
        changed.insert("active".into(), active.into());
        model.active = Set(active);
    }
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "product.updated",
        subject_type: "Product",
        subject_id: id,
        details: changed.into(),
    };
    let target =
        versioned::Target::new(id, expected_version, current.version).on_duplicate(duplicate_code);
    let updated = versioned::save::<Products>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// One product (everyone may read the catalogue). Errors: `NOT_FOUND`.
pub async fn get_product(db: &impl ConnectionTrait, id: Uuid) -> AppResult<product::Model> {
    Products::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Product"))
}

/// Products by id (for loaders).
pub async fn products_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<product::Model>> {
    Ok(Products::find()
        .filter(product::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// Filters for the product list.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub search: Option<String>,
    pub product_line_id: Option<Uuid>,
    pub active: Option<bool>,
}

crate::string_enum! {
    /// What product lists can be ordered by (never by cost).
    ProductOrderField {
        /// Product code.
        Code => "CODE",
        /// Name.
        Name => "NAME",
        /// List price.
        ListPrice => "LIST_PRICE",
        /// Creation time.
        CreatedAt => "CREATED_AT",
        /// Last change.
        UpdatedAt => "UPDATED_AT",
    }
}

/// Products matching `filter`, in `order`. Errors: `BAD_USER_INPUT` (paging, search).
pub async fn list_products(
    db: &impl ConnectionTrait,
    filter: ProductFilter,
    (order, descending): (ProductOrderField, bool),
    page: &PageRequest,
) -> AppResult<Page<product::Model>> {
    use pagination::SortValue;
    use product::Column;
    let mut condition = Condition::all();
    if let Some(line) = filter.product_line_id {
        condition = condition.add(Column::ProductLineId.eq(line));
    }
    if let Some(active) = filter.active {
        condition = condition.add(Column::Active.eq(active));
    }
    if let Some(pattern) = crate::search::pattern(filter.search.as_deref(), "filter.search")? {
        let column = |c: Column| Expr::col((Products, c));
        condition = condition.add(
            Condition::any()
                .add(crate::search::lower_like(column(Column::Name), &pattern))
                .add(crate::search::lower_like(column(Column::Code), &pattern)),
        );
    }
    type Order = pagination::Order<Column, product::Model, SortValue>;
    let (sort, value_of): Order = match order {
        ProductOrderField::Code => (SortKey::Text(Column::CodeKey), |p| {
            SortValue::Text(p.code_key.clone())
        }),
        ProductOrderField::Name => (SortKey::Text(Column::Name), |p| {
            SortValue::Text(p.name.clone())
        }),
        ProductOrderField::ListPrice => (SortKey::Int(Column::ListPriceMinor), |p| {
            SortValue::Int(p.list_price_minor)
        }),
        ProductOrderField::CreatedAt => (SortKey::Id, |_| SortValue::Int(0)),
        ProductOrderField::UpdatedAt => (SortKey::Time(Column::UpdatedAt), |p| {
            SortValue::Int(pagination::time_value(p.updated_at))
        }),
    };
    let select = Products::find().filter(condition);
    pagination::fetch_sorted(
        db,
        select,
        Column::Id,
        sort,
        descending,
        page,
        value_of,
        |p| p.id,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::super::lines::{check_discount, line_name_key};
    use super::*;

    #[test]
    fn codes_and_line_names_fold_for_uniqueness() {
        assert_eq!(code_key(" ab-12 x "), "AB-12X");
        assert_eq!(code_key("ab-12x"), code_key("AB-12 X"));
        assert_eq!(line_name_key("  Industrial   Pumps "), "industrial pumps");
        assert!(check_discount(10_001).is_err() && check_discount(-1).is_err());
        assert_eq!(check_discount(0).ok(), Some(0));
        assert!(check_price(-1, "input.listPrice").is_err());
    }
}
