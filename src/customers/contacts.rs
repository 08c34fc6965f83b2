//! Contacts of customers: adding and changing them (each phone also kept as a comparison key in
//! international form, with the deployment's default country code), reading them, and matching
//! a phone or e-mail to one.

use super::access::{get_customer, require_sales_writer};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::input::{optional_text, required_text};
use crate::normalize;
use crate::policy;
use crate::state::AppState;
use crate::versioned;
use chrono::{DateTime, Utc};
use entity::contact::{self, Entity as Contacts};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use uuid::Uuid;

/// A contact to add.
#[derive(Debug, Clone, Serialize)]
pub struct NewContact {
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The id the client chose for the contact.
    pub client_id: Option<Uuid>,
}

/// Inserts a contact under `customer_id` (no authorization).
pub(crate) async fn insert_contact(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    new: NewContact,
    country_code: &str,
    now: DateTime<Utc>,
) -> AppResult<contact::Model> {
    let client_id = new.client_id;
    let row = contact_row(customer_id, new, country_code, now)?;
    crate::idempotency::check_client_id::<contact::Entity>(db, client_id).await?;
    Ok(row.insert(db).await?)
}

/// The row of a new contact under `customer_id`, its input checked (every problem at once).
pub(crate) fn contact_row(
    customer_id: Uuid,
    new: NewContact,
    country_code: &str,
    now: DateTime<Utc>,
) -> AppResult<contact::ActiveModel> {
    // Every problem of the input at once.
    let mut problems = crate::input::Problems::default();
    let name = problems.check(required_text(&new.name, "input.name", 200));
    let title = problems.check(optional_text(new.title.as_deref(), "input.title", 100));
    let phone = problems.check(optional_text(new.phone.as_deref(), "input.phone", 50));
    let email = problems.check(optional_text(new.email.as_deref(), "input.email", 254));
    if let Some(Some(email)) = &email {
        problems.check(crate::input::parse_email(email, "input.email"));
    }
    problems.finish()?;
    let (Some(name), Some(title), Some(phone), Some(email)) = (name, title, phone, email) else {
        return Err(AppError::internal());
    };
    Ok(contact::ActiveModel {
        id: Set(crate::ids::new_id(new.client_id)),
        customer_id: Set(customer_id),
        name: Set(name),
        title: Set(title),
        phone_key: Set(phone
            .as_deref()
            .and_then(|p| normalize::phone_key(p, country_code))),
        phone: Set(phone),
        email_key: Set(email.as_deref().and_then(normalize::email_key)),
        email: Set(email),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

/// Adds a contact to a visible customer. Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn add_contact(
    state: &AppState,
    viewer: &Viewer,
    customer_id: Uuid,
    new: NewContact,
    idempotency_key: Option<String>,
) -> AppResult<contact::Model> {
    require_sales_writer(viewer)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "addContact",
        crate::ids::create_key(idempotency_key, new.client_id),
        &(customer_id, &new),
    )?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        get_customer(txn, viewer, customer_id).await?;
        let created = insert_contact(
            txn,
            customer_id,
            new,
            &state.config.default_country_code,
            now,
        )
        .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "contact.created",
            subject_type: "Contact",
            subject_id: created.id,
            details: serde_json::json!({"customerId": customer_id, "name": created.name}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    Contacts::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Changes to a contact; `Some(None)` clears a field.
#[derive(Debug, Clone, Default)]
pub struct ContactChanges {
    pub name: Option<String>,
    pub title: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
}

/// Updates a contact of a visible customer at `expected_version`. Errors: `FORBIDDEN`,
/// `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`.
pub async fn update_contact(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: ContactChanges,
) -> AppResult<contact::Model> {
    require_sales_writer(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get_contact(&txn, viewer, id).await?;
    versioned::check(expected_version, current.version)?;
    let mut model = contact::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    // Every problem of the input at once.
    let mut problems = crate::input::Problems::default();
    if let Some(name) = changes
        .name
        .as_ref()
        .and_then(|name| problems.check(required_text(name, "input.name", 200)))
    {
        changed.insert("name".into(), name.clone().into());
        model.name = Set(name);
    }
    if let Some(title) = &changes.title
        && let Some(value) = problems.check(optional_text(title.as_deref(), "input.title", 100))
    {
        changed.insert("title".into(), serde_json::json!(value));
        model.title = Set(value);
    }
    if let Some(phone) = &changes.phone
        && let Some(value) = problems.check(optional_text(phone.as_deref(), "input.phone", 50))
    {
        changed.insert("phone".into(), serde_json::json!(value));
        model.phone_key = Set(value
            .as_deref()
            .and_then(|p| normalize::phone_key(p, &state.config.default_country_code)));
        model.phone = Set(value);
    }
    if let Some(email) = &changes.email
        && let Some(value) = problems.check(
            optional_text(email.as_deref(), "input.email", 254).and_then(|value| {
                if let Some(email) = &value {
                    crate::input::parse_email(email, "input.email")?;
                }
                Ok(value)
            }),
        )
    {
        changed.insert("email".into(), serde_json::json!(value));
        model.email_key = Set(value.as_deref().and_then(normalize::email_key));
        model.email = Set(value);
    }
    problems.finish()?;
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "contact.updated",
        subject_type: "Contact",
        subject_id: id,
        details: changed.into(),
    };
    let target = versioned::Target::new(id, expected_version, current.version);
    let updated = versioned::save::<Contacts>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A contact whose customer the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_contact(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<contact::Model> {
    let contact = Contacts::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Contact"))?;
    get_customer(db, viewer, contact.customer_id)
        .await
        .map_err(|_| AppError::not_found("Contact"))?;
    Ok(contact)
}

/// The order of a customer's contacts: oldest first.
pub fn contacts_keyset() -> crate::pagination::Keyset<contact::Column> {
    crate::pagination::Keyset::new(contact::Column::Id, crate::pagination::SortKey::Id, false)
}

/// These customers' contacts (for lists under visible customers), oldest first.
pub fn contacts_select(customer_ids: &[Uuid]) -> sea_orm::Select<contact::Entity> {
    use sea_orm::QueryOrder;
    Contacts::find()
        .filter(contact::Column::CustomerId.is_in(customer_ids.to_vec()))
        .order_by_asc(contact::Column::Id)
}

/// Contacts by id whose customer the viewer may see.
pub async fn visible_contacts_by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<contact::Model>> {
    Ok(Contacts::find()
        .filter(contact::Column::Id.is_in(ids.to_vec()))
        .filter(contact::Column::CustomerId.in_subquery(policy::visible_customer_ids(viewer)))
        .all(db)
        .await?)
}

/// A contact with this normalized phone or e-mail, if any exists anywhere.
pub async fn contact_matching(
    db: &impl ConnectionTrait,
    phone_key: Option<&str>,
    email_key: Option<&str>,
) -> AppResult<Option<contact::Model>> {
    let mut any = Condition::any();
    if let Some(phone) = phone_key {
        any = any.add(contact::Column::PhoneKey.eq(phone));
    }
    if let Some(email) = email_key {
        any = any.add(contact::Column::EmailKey.eq(email));
    }
    if phone_key.is_none() && email_key.is_none() {
        return Ok(None);
    }
    Ok(Contacts::find().filter(any).one(db).await?)
}
