//! Customer and contact operations.
//!
//! Over 500 lines: customers and contacts, plus input parsing other domains borrow; issue 19 moves
//! the parsing to core and contacts to their own file.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall, Start};
use crate::identity::{Role, Viewer};
use crate::input::{GeoPoint, optional_text, required_text};
use crate::normalize;
use crate::pagination::{self, Page, PageRequest};
use crate::policy;
use crate::search;
use crate::state::AppState;
use entity::contact::{self, Entity as Contacts};
use entity::customer::{self, Entity as Customers};

/// Customer grade letters.
pub const GRADES: [&str; 3] = ["A", "B", "C"];

fn require_sales_writer(viewer: &Viewer) -> AppResult<()> {
    match viewer.role {
        Role::Finance => Err(AppError::forbidden()),
        _ => Ok(()),
    }
}

/// A customer to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewCustomer {
    pub name: String,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub address: Option<String>,
    pub location: Option<GeoPoint>,
    pub grade: Option<String>,
}

/// Inserts a customer owned by `owner_id` after validating it (no authorization).
pub(crate) async fn insert_customer(
    db: &impl ConnectionTrait,
    owner_id: Uuid,
    new: NewCustomer,
    now: DateTime<Utc>,
) -> AppResult<customer::Model> {
    let name = required_text(&new.name, "input.name", 200)?;
    if let Some(grade) = &new.grade
        && !GRADES.contains(&grade.as_str())
    {
        return Err(AppError::bad_input("input.grade", "Grade is A, B or C"));
    }
    Ok(customer::ActiveModel {
        id: Set(Uuid::now_v7()),
        company_key: Set(normalize::company_key(&name).unwrap_or_default()),
        name: Set(name),
        industry: Set(optional_text(
            new.industry.as_deref(),
            "input.industry",
            100,
        )?),
        region: Set(optional_text(new.region.as_deref(), "input.region", 100)?),
        address: Set(optional_text(new.address.as_deref(), "input.address", 500)?),
        latitude: Set(new.location.map(|p| p.lat)),
        longitude: Set(new.location.map(|p| p.lng)),
        grade: Set(new.grade),
        owner_id: Set(owner_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// Creates a customer owned by the caller. Idempotent by key. Errors: `FORBIDDEN` (finance),
/// `BAD_USER_INPUT`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_customer(
    state: &AppState,
    viewer: &Viewer,
    new: NewCustomer,
    idempotency_key: Option<String>,
) -> AppResult<customer::Model> {
    require_sales_writer(viewer)?;
    let call = IdempotentCall::new(viewer.user_id, "createCustomer", idempotency_key, &new)?;
    let now = state.clock.now();
    let guard = match idempotency::start::<Uuid>(&state.db, &call, now).await? {
        Start::Replayed(id) => {
            return Customers::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(AppError::internal);
        }
        Start::Fresh(guard) => guard,
    };
    let created = insert_customer(guard.txn(), viewer.user_id, new, now).await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "customer.created",
        subject_type: "Customer",
        subject_id: created.id,
        details: serde_json::json!({"name": created.name}),
    }
    .record(guard.txn(), now)
    .await?;
    let id = guard.commit(created.id).await?;
    Customers::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Changes to a customer; `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CustomerChanges {
    pub name: Option<String>,
    pub industry: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub location: Option<Option<GeoPoint>>,
    pub grade: Option<Option<String>>,
    pub owner_id: Option<Uuid>,
}

/// Updates a visible customer at `expected_version`. A new owner may be named by managers
/// (within their teams) and admins. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`,
/// `CONFLICT`.
pub async fn update_customer(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: CustomerChanges,
) -> AppResult<customer::Model> {
    require_sales_writer(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get_customer(&txn, viewer, id).await?;
    if current.version != expected_version {
        return Err(AppError::conflict(current.version));
    }
    let mut model = customer::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    if let Some(name) = &changes.name {
        let name = required_text(name, "input.name", 200)?;
        model.company_key = Set(normalize::company_key(&name).unwrap_or_default());
        changed.insert("name".into(), name.clone().into());
        model.name = Set(name);
    }
    if let Some(industry) = &changes.industry {
        let value = optional_text(industry.as_deref(), "input.industry", 100)?;
        changed.insert("industry".into(), serde_json::json!(value));
        model.industry = Set(value);
    }
    if let Some(region) = &changes.region {
        let value = optional_text(region.as_deref(), "input.region", 100)?;
        changed.insert("region".into(), serde_json::json!(value));
        model.region = Set(value);
    }
    if let Some(address) = &changes.address {
        let value = optional_text(address.as_deref(), "input.address", 500)?;
        changed.insert("address".into(), serde_json::json!(value));
        model.address = Set(value);
    }
    if let Some(location) = changes.location {
        changed.insert("location".into(), serde_json::json!(location));
        model.latitude = Set(location.map(|p| p.lat));
        model.longitude = Set(location.map(|p| p.lng));
    }
    if let Some(grade) = &changes.grade {
        if let Some(letter) = grade
            && !GRADES.contains(&letter.as_str())
        {
            return Err(AppError::bad_input("input.grade", "Grade is A, B or C"));
        }
        changed.insert("grade".into(), serde_json::json!(grade));
        model.grade = Set(grade.clone());
    }
    if let Some(owner_id) = changes.owner_id {
        if viewer.role == Role::SalesRep {
            return Err(AppError::forbidden());
        }
        crate::users::service::check_assignable(&txn, viewer, owner_id, "input.ownerId").await?;
        changed.insert("ownerId".into(), serde_json::json!(owner_id));
        model.owner_id = Set(owner_id);
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    let updated = crate::db::update_if_version::<Customers>(
        &txn,
        model,
        customer::Column::Id,
        id,
        customer::Column::Version,
        expected_version,
    )
    .await?;
    if !updated {
        return Err(AppError::conflict(current.version + 1));
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "customer.updated",
        subject_type: "Customer",
        subject_id: id,
        details: changed.into(),
    }
    .record(&txn, now)
    .await?;
    let updated = Customers::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::internal)?;
    txn.commit().await?;
    Ok(updated)
}

/// A customer the viewer may see. Errors: `NOT_FOUND` (missing or invisible alike).
pub async fn get_customer(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<customer::Model> {
    Customers::find_by_id(id)
        .filter(policy::customers(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Customer"))
}

/// Filters for the customer list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub owner_id: Option<Uuid>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub grade: Option<String>,
    pub search: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Visible customers, oldest first. Errors: `BAD_USER_INPUT` (paging).
pub async fn list_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: CustomerFilter,
    page: &PageRequest,
) -> AppResult<Page<customer::Model>> {
    let mut condition = Condition::all().add(policy::customers(viewer));
    if let Some(owner) = filter.owner_id {
        condition = condition.add(customer::Column::OwnerId.eq(owner));
    }
    if let Some(region) = filter.region {
        condition = condition.add(customer::Column::Region.eq(region));
    }
    if let Some(industry) = filter.industry {
        condition = condition.add(customer::Column::Industry.eq(industry));
    }
    if let Some(grade) = filter.grade {
        condition = condition.add(customer::Column::Grade.eq(grade));
    }
    if let Some(since) = filter.updated_since {
        condition = condition.add(customer::Column::UpdatedAt.gte(since));
    }
    if let Some(pattern) = search::pattern(filter.search.as_deref(), "filter.search")? {
        let name = Expr::col((customer::Entity, customer::Column::Name));
        condition = condition.add(search::lower_like(name, &pattern));
    }
    pagination::fetch(
        db,
        Customers::find().filter(condition),
        customer::Column::Id,
        page,
        |c| c.id,
    )
    .await
}

/// A contact to add.
#[derive(Debug, Clone, Serialize)]
pub struct NewContact {
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Inserts a contact under `customer_id` (no authorization).
pub(crate) async fn insert_contact(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    new: NewContact,
    country_code: &str,
    now: DateTime<Utc>,
) -> AppResult<contact::Model> {
    let name = required_text(&new.name, "input.name", 200)?;
    let phone = optional_text(new.phone.as_deref(), "input.phone", 50)?;
    let email = optional_text(new.email.as_deref(), "input.email", 254)?;
    if let Some(email) = &email {
        crate::input::parse_email(email, "input.email")?;
    }
    Ok(contact::ActiveModel {
        id: Set(Uuid::now_v7()),
        customer_id: Set(customer_id),
        name: Set(name),
        title: Set(optional_text(new.title.as_deref(), "input.title", 100)?),
        phone_key: Set(phone
            .as_deref()
            .and_then(|p| normalize::phone_key(p, country_code))),
        phone: Set(phone),
        email_key: Set(email.as_deref().and_then(normalize::email_key)),
        email: Set(email),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
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
        idempotency_key,
        &(customer_id, &new),
    )?;
    let now = state.clock.now();
    let guard = match idempotency::start::<Uuid>(&state.db, &call, now).await? {
        Start::Replayed(id) => {
            return Contacts::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(AppError::internal);
        }
        Start::Fresh(guard) => guard,
    };
    let txn = guard.txn();
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
    let id = guard.commit(created.id).await?;
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
    if current.version != expected_version {
        return Err(AppError::conflict(current.version));
    }
    let mut model = contact::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    if let Some(name) = &changes.name {
        let name = required_text(name, "input.name", 200)?;
        changed.insert("name".into(), name.clone().into());
        model.name = Set(name);
    }
    if let Some(title) = &changes.title {
        let value = optional_text(title.as_deref(), "input.title", 100)?;
        changed.insert("title".into(), serde_json::json!(value));
        model.title = Set(value);
    }
    if let Some(phone) = &changes.phone {
        let value = optional_text(phone.as_deref(), "input.phone", 50)?;
        changed.insert("phone".into(), serde_json::json!(value));
        model.phone_key = Set(value
            .as_deref()
            .and_then(|p| normalize::phone_key(p, &state.config.default_country_code)));
        model.phone = Set(value);
    }
    if let Some(email) = &changes.email {
        let value = optional_text(email.as_deref(), "input.email", 254)?;
        if let Some(email) = &value {
            crate::input::parse_email(email, "input.email")?;
        }
        changed.insert("email".into(), serde_json::json!(value));
        model.email_key = Set(value.as_deref().and_then(normalize::email_key));
        model.email = Set(value);
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    let updated = crate::db::update_if_version::<Contacts>(
        &txn,
        model,
        contact::Column::Id,
        id,
        contact::Column::Version,
        expected_version,
    )
    .await?;
    if !updated {
        return Err(AppError::conflict(current.version + 1));
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "contact.updated",
        subject_type: "Contact",
        subject_id: id,
        details: changed.into(),
    }
    .record(&txn, now)
    .await?;
    let updated = Contacts::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::internal)?;
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

/// Contacts of these customers (for loaders under visible customers).
pub async fn contacts_of(
    db: &impl ConnectionTrait,
    customer_ids: &[Uuid],
) -> AppResult<Vec<contact::Model>> {
    Ok(contacts_select(customer_ids).all(db).await?)
}

/// The query behind [`contacts_of`]: these customers' contacts, oldest first.
pub fn contacts_select(customer_ids: &[Uuid]) -> sea_orm::Select<contact::Entity> {
    use sea_orm::QueryOrder;
    Contacts::find()
        .filter(contact::Column::CustomerId.is_in(customer_ids.to_vec()))
        .order_by_asc(contact::Column::Id)
}

/// Customers by id that the viewer may see.
pub async fn visible_customers_by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<customer::Model>> {
    Ok(Customers::find()
        .filter(customer::Column::Id.is_in(ids.to_vec()))
        .filter(policy::customers(viewer))
        .all(db)
        .await?)
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

/// Visible customers whose company key equals `key` (possible duplicates).
pub async fn similar_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    key: &str,
) -> AppResult<Vec<customer::Model>> {
    use sea_orm::QuerySelect;
    Ok(Customers::find()
        .filter(customer::Column::CompanyKey.eq(key))
        .filter(policy::customers(viewer))
        .limit(20)
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
