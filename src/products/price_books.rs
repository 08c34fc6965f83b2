//! Price books: the standard book (the products' list prices, no entries of its own) and
//! others an admin creates (a region's, a customer grade's) pricing products per validity
//! period. A price is looked up by (book, product, day); a product a book does not price on
//! that day is not in the book then.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::access::{key_held_by_another, require_admin};
use super::lines::line_name_key;
use super::pricing::{Period, price_on};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::{optional_text, required_text};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;
use crate::versioned;
use entity::price_book::{self, Entity as PriceBooks};
use entity::price_book_entry::{self, Entity as Entries};
use entity::product::{self, Entity as Products};

/// The standard price book every deployment has (created by the migrations).
pub const STANDARD: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);
/// Longest price book name.
const MAX_NAME: usize = 200;
/// Longest price book description.
const MAX_DESCRIPTION: usize = 2_000;
/// Most entries one `setPriceBookEntries` may set or remove.
pub const MAX_ENTRIES_PER_CALL: usize = 500;

fn duplicate_book() -> AppError {
    AppError::duplicate("input.name", "A price book with this name already exists")
}

/// The price book `id` for a deal or quote to use: it must exist and be active (`NOT_FOUND`
/// or `BAD_USER_INPUT` on `field`).
pub async fn usable_book(
    db: &impl ConnectionTrait,
    id: Uuid,
    field: &str,
) -> AppResult<price_book::Model> {
    let book = get_price_book(db, id).await.map_err(|e| e.naming(field))?;
    if !book.active {
        return Err(AppError::bad_input(field, "This price book is archived"));
    }
    Ok(book)
}

/// A price book to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewPriceBook {
    pub name: String,
    pub description: Option<String>,
}

/// Creates a price book without entries (admin). Idempotent by key. Errors: `FORBIDDEN`,
/// `BAD_USER_INPUT`, `DUPLICATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_price_book(
    state: &AppState,
    viewer: &Viewer,
    new: NewPriceBook,
    idempotency_key: Option<String>,
) -> AppResult<price_book::Model> {
    require_admin(viewer)?;
    let call = IdempotentCall::new(viewer.user_id, "createPriceBook", idempotency_key, &new)?;
    let name = required_text(&new.name, "input.name", MAX_NAME)?;
    let description = optional_text(
        new.description.as_deref(),
        "input.description",
        MAX_DESCRIPTION,
    )?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let key = line_name_key(&name);
        let clash = PriceBooks::find()
            .filter(price_book::Column::NameKey.eq(key.as_str()))
            .one(txn)
            .await?;
        if clash.is_some() {
            return Err(duplicate_book());
        }
        let created = price_book::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name.clone()),
            name_key: Set(key),
            description: Set(description.clone()),
            standard: Set(false),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                duplicate_book()
            } else {
                err.into()
            }
        })?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "price_book.created",
            subject_type: "PriceBook",
            subject_id: created.id,
            details: serde_json::json!({"name": created.name}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    get_price_book(&state.db, id).await
}

/// Changes to a price book; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct PriceBookChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

/// Renames, describes, archives or restores a price book (admin) if still at
/// `expected_version`; the standard book cannot be archived. Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`, `DUPLICATE`, `CONFLICT`.
pub async fn update_price_book(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: PriceBookChanges,
) -> AppResult<price_book::Model> {
    require_admin(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = versioned::current::<PriceBooks>(&txn, id, expected_version, "PriceBook").await?;
    let mut model = price_book::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    if let Some(name) = &changes.name {
        let name = required_text(name, "input.name", MAX_NAME)?;
        let key = line_name_key(&name);
        let (name_key, id_column) = (price_book::Column::NameKey, price_book::Column::Id);
        if key_held_by_another::<PriceBooks>(&txn, name_key, id_column, &key, id).await? {
            return Err(duplicate_book());
        }
        changed.insert("name".into(), name.clone().into());
        model.name = Set(name);
        model.name_key = Set(key);
    }
    if let Some(description) = &changes.description {
        let description =
            optional_text(description.as_deref(), "input.description", MAX_DESCRIPTION)?;
        changed.insert("description".into(), serde_json::json!(description));
        model.description = Set(description);
    }
    if let Some(active) = changes.active {
        if !active && current.standard {
            return Err(AppError::bad_input(
                "input.id",
                "The standard price book cannot be archived",
            ));
        }
        changed.insert("active".into(), active.into());
        model.active = Set(active);
    }
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "price_book.updated",
        subject_type: "PriceBook",
        subject_id: id,
        details: changed.into(),
    };
    let target =
        versioned::Target::new(id, expected_version, current.version).on_duplicate(duplicate_book);
    let updated = versioned::save::<PriceBooks>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// One product's price for a period.
#[derive(Debug, Clone, Serialize)]
pub struct EntrySpec {
    pub product_id: Uuid,
    pub unit_price_minor: i64,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// Checks the entries of one call on their own: prices, periods, and no two periods of one
/// product sharing a day.
fn check_entries(entries: &[EntrySpec], remove: &[Uuid]) -> AppResult<()> {
    if entries.len() + remove.len() > MAX_ENTRIES_PER_CALL {
        return Err(AppError::bad_input(
            "input.entries",
            format!("At most {MAX_ENTRIES_PER_CALL} entries and removals per call"),
        ));
    }
    for (i, entry) in entries.iter().enumerate() {
        if entry.unit_price_minor < 0 {
            return Err(AppError::bad_input(
                format!("input.entries.{i}.unitPrice"),
                "A price is zero or more",
            ));
        }
        let period = Period {
            from: entry.valid_from,
            until: entry.valid_until,
        };
        if let (Some(from), Some(until)) = (period.from, period.until)
            && until < from
        {
            return Err(AppError::bad_input(
                format!("input.entries.{i}.validUntil"),
                "A period ends on or after the day it starts",
            ));
        }
        let clash = entries[..i].iter().any(|earlier| {
            earlier.product_id == entry.product_id
                && period.overlaps(Period {
                    from: earlier.valid_from,
                    until: earlier.valid_until,
                })
        });
        if clash {
            return Err(AppError::bad_input(
                format!("input.entries.{i}.validFrom"),
                "Two prices of one product cannot share a day",
            ));
        }
        if remove.contains(&entry.product_id) {
            return Err(AppError::bad_input(
                format!("input.entries.{i}.productId"),
                "A product is either priced or removed in one call",
            ));
        }
    }
    Ok(())
}

/// Sets the prices of the products named in `entries` (replacing all their earlier periods)
/// and removes the products in `remove` from a price book (admin), if still at
/// `expected_version`. Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`
/// (the standard book, archived products, prices, overlapping periods), `CONFLICT`.
pub async fn set_price_book_entries(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    entries: Vec<EntrySpec>,
    remove: Vec<Uuid>,
    idempotency_key: Option<String>,
) -> AppResult<price_book::Model> {
    require_admin(viewer)?;
    check_entries(&entries, &remove)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "setPriceBookEntries",
        idempotency_key,
        &(id, expected_version, &entries, &remove),
    )?;
    let now = state.clock.now();
    idempotency::run(&state.db, &call, now, async |txn| {
        let current =
            versioned::current::<PriceBooks>(txn, id, expected_version, "PriceBook").await?;
        if current.standard {
            return Err(AppError::bad_input(
                "input.priceBookId",
                "The standard price book holds the list prices; change a product's list price",
            ));
        }
        let mut named: Vec<Uuid> = entries.iter().map(|e| e.product_id).collect();
        named.sort_unstable();
        named.dedup();
        let products: HashMap<Uuid, product::Model> = Products::find()
            .filter(product::Column::Id.is_in(named.clone()))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        for (i, entry) in entries.iter().enumerate() {
            let field = format!("input.entries.{i}.productId");
            match products.get(&entry.product_id) {
                None => return Err(AppError::not_found("Product").naming(&field)),
                Some(p) if !p.active => {
                    return Err(AppError::bad_input(field, "This product is archived"));
                }
                Some(_) => {}
            }
        }
        named.extend(remove.iter().copied());
        Entries::delete_many()
            .filter(price_book_entry::Column::PriceBookId.eq(id))
            .filter(price_book_entry::Column::ProductId.is_in(named))
            .exec(txn)
            .await?;
        if !entries.is_empty() {
            Entries::insert_many(entries.iter().map(|e| price_book_entry::ActiveModel {
                id: Set(Uuid::now_v7()),
                price_book_id: Set(id),
                product_id: Set(e.product_id),
                unit_price_minor: Set(e.unit_price_minor),
                valid_from: Set(e.valid_from),
                valid_until: Set(e.valid_until),
                created_at: Set(now),
            }))
            .exec(txn)
            .await?;
        }
        let audit = crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "price_book.entries_set",
            subject_type: "PriceBook",
            subject_id: id,
            details: serde_json::json!({"entries": entries, "removed": remove}),
        };
        let bump = price_book::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        let target = versioned::Target::new(id, expected_version, current.version);
        versioned::save::<PriceBooks>(txn, target, bump, audit, now).await?;
        Ok(id)
    })
    .await?;
    get_price_book(&state.db, id).await
}

/// One price book (everyone may read them). Errors: `NOT_FOUND`.
pub async fn get_price_book(db: &impl ConnectionTrait, id: Uuid) -> AppResult<price_book::Model> {
    PriceBooks::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("PriceBook"))
}

/// Price books by id (for loaders).
pub async fn price_books_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<price_book::Model>> {
    Ok(PriceBooks::find()
        .filter(price_book::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// The standard book first, then the others by name; archived ones too when asked.
pub async fn list_price_books(
    db: &impl ConnectionTrait,
    include_archived: bool,
) -> AppResult<Vec<price_book::Model>> {
    let mut select = PriceBooks::find()
        .order_by_desc(price_book::Column::Standard)
        .order_by_asc(price_book::Column::NameKey);
    if !include_archived {
        select = select.filter(price_book::Column::Active.eq(true));
    }
    Ok(select.all(db).await?)
}

/// A page of a book's entries (one product's when asked), in the order they were set.
pub async fn list_entries(
    db: &impl ConnectionTrait,
    book: Uuid,
    product: Option<Uuid>,
    page: &PageRequest,
) -> AppResult<Page<price_book_entry::Model>> {
    get_price_book(db, book)
        .await
        .map_err(|e| e.naming("priceBookId"))?;
    let mut select = Entries::find().filter(price_book_entry::Column::PriceBookId.eq(book));
    if let Some(product) = product {
        select = select.filter(price_book_entry::Column::ProductId.eq(product));
    }
    pagination::fetch(db, select, price_book_entry::Column::Id, page, |e| e.id).await
}

/// The unit prices book `book` gives `products` on `day` (list prices for the standard book);
/// a product the book does not price that day is absent.
pub async fn prices_on(
    db: &impl ConnectionTrait,
    book: Uuid,
    products: &[Uuid],
    day: NaiveDate,
) -> AppResult<HashMap<Uuid, i64>> {
    let standard = book == STANDARD || get_price_book(db, book).await?.standard;
    if standard {
        return Ok(Products::find()
            .filter(product::Column::Id.is_in(products.to_vec()))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.list_price_minor))
            .collect());
    }
    let entries = Entries::find()
        .filter(price_book_entry::Column::PriceBookId.eq(book))
        .filter(price_book_entry::Column::ProductId.is_in(products.to_vec()))
        .all(db)
        .await?;
    let mut by_product: HashMap<Uuid, Vec<(Period, i64)>> = HashMap::new();
    for e in entries {
        let period = Period {
            from: e.valid_from,
            until: e.valid_until,
        };
        by_product
            .entry(e.product_id)
            .or_default()
            .push((period, e.unit_price_minor));
    }
    Ok(by_product
        .into_iter()
        .filter_map(|(product, prices)| price_on(prices, day).map(|p| (product, p)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(product: u128, from: Option<&str>, until: Option<&str>) -> EntrySpec {
        let day = |s: &str| s.parse().expect("a date");
        EntrySpec {
            product_id: Uuid::from_u128(product),
            unit_price_minor: 100,
            valid_from: from.map(day),
            valid_until: until.map(day),
        }
    }

    #[test]
    fn entries_of_one_product_never_share_a_day() {
        let ok = [
            entry(1, None, Some("2026-12-31")),
            entry(1, Some("2027-01-01"), None),
            entry(2, None, None),
        ];
        assert!(check_entries(&ok, &[]).is_ok());
        let clash = [
            entry(1, None, Some("2027-01-01")),
            entry(1, Some("2027-01-01"), None),
        ];
        let err = check_entries(&clash, &[]).err().map(|e| e.field);
        assert_eq!(err, Some(Some("input.entries.1.validFrom".to_owned())));
        let backwards = [entry(1, Some("2027-01-02"), Some("2027-01-01"))];
        assert!(check_entries(&backwards, &[]).is_err());
        assert!(check_entries(&[entry(1, None, None)], &[Uuid::from_u128(1)]).is_err());
    }

    #[test]
    fn the_standard_book_is_the_one_the_migrations_create() {
        assert_eq!(STANDARD.to_string(), migration::STANDARD_PRICE_BOOK);
    }
}
