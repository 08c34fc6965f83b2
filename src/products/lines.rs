//! Product lines: created, renamed, given the discount their lines allow without approval,
//! archived and restored by admins; read by everyone.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use uuid::Uuid;

use super::access::{key_held_by_another, require_admin};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::required_text;
use crate::state::AppState;
use crate::versioned;
use entity::product_line::{self, Entity as ProductLines};

/// Longest product line name.
const MAX_NAME: usize = 200;
/// The discount a product line allows without approval unless the admin says otherwise.
pub const DEFAULT_MAX_DISCOUNT_BASIS_POINTS: i32 = 1_000;

/// A product line name folded for uniqueness: case and spacing.
pub fn line_name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn duplicate_line() -> AppError {
    AppError::duplicate("input.name", "A product line with this name already exists")
}

pub(super) fn check_discount(basis_points: i32) -> AppResult<i32> {
    if !(0..=10_000).contains(&basis_points) {
        return Err(AppError::bad_input(
            "input.maxDiscountPercent",
            "A discount is between 0 and 100 percent",
        ));
    }
    Ok(basis_points)
}

/// The product line `id` for a product to join: it must exist and not be archived.
pub(super) async fn usable_line(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<product_line::Model> {
    let line = ProductLines::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("ProductLine").naming("input.productLineId"))?;
    if !line.active {
        return Err(AppError::bad_input(
            "input.productLineId",
            "This product line is archived",
        ));
    }
    Ok(line)
}

/// A product line to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewProductLine {
    pub name: String,
    /// `None`: the default, 10%.
    pub max_discount_basis_points: Option<i32>,
}

/// Creates a product line (admin). Idempotent by key. Errors: `FORBIDDEN`, `BAD_USER_INPUT`,
/// `DUPLICATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_product_line(
    state: &AppState,
    viewer: &Viewer,
    new: NewProductLine,
    idempotency_key: Option<String>,
) -> AppResult<product_line::Model> {
    require_admin(viewer)?;
    let call = IdempotentCall::new(viewer.user_id, "createProductLine", idempotency_key, &new)?;
    let name = required_text(&new.name, "input.name", MAX_NAME)?;
    let discount = check_discount(
        new.max_discount_basis_points
            .unwrap_or(DEFAULT_MAX_DISCOUNT_BASIS_POINTS),
    )?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let key = line_name_key(&name);
        let clash = ProductLines::find()
            .filter(product_line::Column::NameKey.eq(key.as_str()))
            .one(txn)
            .await?;
        if clash.is_some() {
            return Err(duplicate_line());
        }
        let created = product_line::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name.clone()),
            name_key: Set(key),
            max_discount_basis_points: Set(discount),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                duplicate_line()
            } else {
                err.into()
            }
        })?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "product_line.created",
            subject_type: "ProductLine",
            subject_id: created.id,
            details: serde_json::json!({"name": created.name, "maxDiscountBasisPoints": discount}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    get_product_line(&state.db, id).await
}

/// Changes to a product line; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProductLineChanges {
    pub name: Option<String>,
    pub max_discount_basis_points: Option<i32>,
    pub active: Option<bool>,
}

/// Changes (or archives, or restores) a product line (admin) if still at `expected_version`.
/// Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `DUPLICATE`, `CONFLICT`.
pub async fn update_product_line(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: ProductLineChanges,
) -> AppResult<product_line::Model> {
    require_admin(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current =
        versioned::current::<ProductLines>(&txn, id, expected_version, "ProductLine").await?;
    let mut model = product_line::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    if let Some(name) = &changes.name {
        let name = required_text(name, "input.name", MAX_NAME)?;
        let key = line_name_key(&name);
        let (name_key, id_column) = (product_line::Column::NameKey, product_line::Column::Id);
        if key_held_by_another::<ProductLines>(&txn, name_key, id_column, &key, id).await? {
            return Err(duplicate_line());
        }
        changed.insert("name".into(), name.clone().into());
        model.name = Set(name);
        model.name_key = Set(key);
    }
    if let Some(discount) = changes.max_discount_basis_points {
        let discount = check_discount(discount)?;
        changed.insert("maxDiscountBasisPoints".into(), discount.into());
        model.max_discount_basis_points = Set(discount);
    }
    if let Some(active) = changes.active {
        changed.insert("active".into(), active.into());
        model.active = Set(active);
    }
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "product_line.updated",
        subject_type: "ProductLine",
        subject_id: id,
        details: changed.into(),
    };
    let target =
        versioned::Target::new(id, expected_version, current.version).on_duplicate(duplicate_line);
    let updated = versioned::save::<ProductLines>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// One product line (everyone may read the catalogue). Errors: `NOT_FOUND`.
pub async fn get_product_line(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<product_line::Model> {
    ProductLines::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("ProductLine"))
}

/// Every product line by name, archived ones too when asked.
pub async fn list_product_lines(
    db: &impl ConnectionTrait,
    include_archived: bool,
) -> AppResult<Vec<product_line::Model>> {
    use sea_orm::QueryOrder;
    let mut select = ProductLines::find().order_by_asc(product_line::Column::NameKey);
    if !include_archived {
        select = select.filter(product_line::Column::Active.eq(true));
    }
    Ok(select.all(db).await?)
}

/// Product lines by id (for loaders).
pub async fn product_lines_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<product_line::Model>> {
    Ok(ProductLines::find()
        .filter(product_line::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}
