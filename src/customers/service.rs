//! Customer operations: create, read, update, list, and the reads other domains use. Contacts
//! are in `contacts`; their public functions are re-exported here.

pub use super::access::get_customer;
pub(super) use super::access::require_sales_writer;
pub use super::contacts::{
    ContactChanges, NewContact, add_contact, contact_matching, contacts_keyset, contacts_select,
    get_contact, update_contact, visible_contacts_by_ids,
};
pub(crate) use super::contacts::{contact_row, insert_contact};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::input::{GeoPoint, optional_text, required_text};
use crate::normalize;
use crate::pagination::{self, Page, PageRequest};
use crate::policy;
use crate::search;
use crate::state::AppState;
use crate::sync;
use crate::versioned;
use entity::customer::{self, Entity as Customers};

pub use super::grading::GRADES;

/// A customer to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewCustomer {
    pub name: String,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub address: Option<String>,
    pub location: Option<GeoPoint>,
    pub grade: Option<String>,
    /// The id the client chose for the customer.
    pub client_id: Option<Uuid>,
    /// The campaign of the lead it was converted from (first touch).
    pub campaign_id: Option<Uuid>,
}

/// Inserts a customer owned by `owner_id` after validating it (no authorization).
pub(crate) async fn insert_customer(
    db: &impl ConnectionTrait,
    owner_id: Uuid,
    new: NewCustomer,
    now: DateTime<Utc>,
) -> AppResult<customer::Model> {
    let client_id = new.client_id;
    let row = customer_row(owner_id, new, now)?;
    crate::idempotency::check_client_id::<Customers>(db, client_id).await?;
    Ok(row.insert(db).await?)
}

/// The row of a new customer owned by `owner_id`, its input checked (every problem at once).
pub(crate) fn customer_row(
    owner_id: Uuid,
    new: NewCustomer,
    now: DateTime<Utc>,
) -> AppResult<customer::ActiveModel> {
    // Every problem of the input at once.
    let mut problems = crate::input::Problems::default();
    let name = problems.check(required_text(&new.name, "input.name", 200));
    let industry = problems.check(optional_text(
        new.industry.as_deref(),
        "input.industry",
        100,
    ));
    let region = problems.check(optional_text(new.region.as_deref(), "input.region", 100));
    let address = problems.check(optional_text(new.address.as_deref(), "input.address", 500));
    if new
        .grade
        .as_ref()
        .is_some_and(|grade| !GRADES.contains(&grade.as_str()))
    {
        problems.check::<()>(Err(AppError::bad_input(
            "input.grade",
            "Grade is A, B or C",
        )));
    }
    problems.finish()?;
    let (Some(name), Some(industry), Some(region), Some(address)) =
        (name, industry, region, address)
    else {
        return Err(AppError::internal());
    };
    Ok(customer::ActiveModel {
        id: Set(crate::ids::new_id(new.client_id)),
        company_key: Set(normalize::company_key(&name).unwrap_or_default()),
        name: Set(name),
        industry: Set(industry),
        region: Set(region),
        address: Set(address),
        latitude: Set(new.location.map(|p| p.lat)),
        longitude: Set(new.location.map(|p| p.lng)),
        // A grade given at creation is pinned (`create_customer` checked who gives it).
        grade: Set(new.grade.clone()),
        owner_id: Set(owner_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        influence: Set(None),
        grade_pin_reason: Set(new
            .grade
            .as_ref()
            .map(|_| "Set when the customer was created".to_owned())),
        grade_pinned_by: Set(new.grade.as_ref().map(|_| owner_id)),
        grade_pinned_at: Set(new.grade.as_ref().map(|_| now)),
        pinned_grade: Set(new.grade),
        campaign_id: Set(new.campaign_id),
    })
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
    if new.grade.is_some() {
        super::grading::require_pinner(viewer, "input.grade")?;
    }
    let key = crate::ids::create_key(idempotency_key, new.client_id);
    let call = IdempotentCall::new(viewer.user_id, "createCustomer", key, &new)?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let created = insert_customer(txn, viewer.user_id, new, now).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "customer.created",
            subject_type: "Customer",
            subject_id: created.id,
            details: serde_json::json!({"name": created.name}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
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
    versioned::check(expected_version, current.version)?;
    let mut model = customer::ActiveModel {
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
        model.company_key = Set(normalize::company_key(&name).unwrap_or_default());
        changed.insert("name".into(), name.clone().into());
        model.name = Set(name);
    }
    if let Some(industry) = &changes.industry
        && let Some(value) =
            problems.check(optional_text(industry.as_deref(), "input.industry", 100))
    {
        changed.insert("industry".into(), serde_json::json!(value));
        model.industry = Set(value);
    }
    if let Some(region) = &changes.region
        && let Some(value) = problems.check(optional_text(region.as_deref(), "input.region", 100))
    {
        changed.insert("region".into(), serde_json::json!(value));
        model.region = Set(value);
    }
    if let Some(address) = &changes.address
        && let Some(value) = problems.check(optional_text(address.as_deref(), "input.address", 500))
    {
        changed.insert("address".into(), serde_json::json!(value));
        model.address = Set(value);
    }
    if let Some(location) = changes.location {
        changed.insert("location".into(), serde_json::json!(location));
        model.latitude = Set(location.map(|p| p.lat));
        model.longitude = Set(location.map(|p| p.lng));
    }
    let mut pinned = None;
    if let Some(grade) = &changes.grade {
        // Grades are computed: a grade given here is a manager's pin (`null` unpins).
        super::grading::require_pinner(viewer, "input.grade")?;
        let reason = "Set with updateCustomer";
        if let Some(letter) = grade
            && problems
                .check(super::grading::check_grade(letter, "input.grade"))
                .is_some()
        {
            pinned =
                super::grading::notify_pinned(&txn, viewer, &current, letter, reason, now).await?;
        }
        let pin = grade.as_deref().map(|letter| (letter, reason));
        super::grading::set_pin(&mut model, viewer, pin, now);
        changed.insert("grade".into(), serde_json::json!(grade));
    }
    if let Some(owner_id) = changes.owner_id {
        if viewer.role == Role::SalesRep {
            return Err(AppError::forbidden());
        }
        let field = "input.ownerId";
        problems
            .check(crate::users::service::check_assignable(&txn, viewer, owner_id, field).await);
        changed.insert("ownerId".into(), serde_json::json!(owner_id));
        model.owner_id = Set(owner_id);
        if owner_id != current.owner_id {
            let former = Some(current.owner_id);
            crate::sync::link_ended(&txn, crate::sync::Kind::Customer, id, former, now).await?;
        }
    }
    problems.finish()?;
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "customer.updated",
        subject_type: "Customer",
        subject_id: id,
        details: changed.into(),
    };
    let target = versioned::Target::new(id, expected_version, current.version);
    let updated = versioned::save::<Customers>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    crate::notifications::service::announce(state.events.as_ref(), pinned.as_slice());
    Ok(updated)
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

/// Visible customers, oldest first, with the columns `needs` holds; with `updated_since`, the
/// delta since then. Errors: `BAD_USER_INPUT` (paging, search).
pub async fn list_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: CustomerFilter,
    (order, descending): (CustomerOrderField, bool),
    page: &PageRequest,
    needs: crate::columns::Needs,
) -> AppResult<Page<customer::Model>> {
    use pagination::SortKey;
    let condition =
        sync::delta::<Customers>(shown_customers(db, viewer, &filter)?, filter.updated_since);
    use pagination::SortValue;
    type Order = pagination::Order<customer::Column, customer::Model, SortValue>;
    let (sort, value_of): Order = match order {
        CustomerOrderField::CreatedAt => (SortKey::Id, |_| SortValue::Int(0)),
        CustomerOrderField::UpdatedAt => (SortKey::Time(customer::Column::UpdatedAt), |c| {
            pagination::time_value(c.updated_at).into()
        }),
        // The name folded for matching: case, punctuation and legal suffixes aside.
        CustomerOrderField::Name => (SortKey::Text(customer::Column::CompanyKey), |c| {
            SortValue::Text(c.company_key.clone())
        }),
    };
    let select = Customers::find().filter(condition);
    let id = customer::Column::Id;
    let (order, id_of) = ((sort, descending), |c: &customer::Model| c.id);
    pagination::needed::fetch_needed(db, select, id, order, page, needs, value_of, id_of).await
}

/// The customers of the list: visible and matching `filter` (its `updated_since` aside).
fn shown_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &CustomerFilter,
) -> AppResult<Condition> {
    let visible = policy::customers_on(viewer, db.get_database_backend());
    let mut condition = Condition::all().add(visible);
    if let Some(owner) = filter.owner_id {
        condition = condition.add(customer::Column::OwnerId.eq(owner));
    }
    if let Some(region) = &filter.region {
        condition = condition.add(customer::Column::Region.eq(region));
    }
    if let Some(industry) = &filter.industry {
        condition = condition.add(customer::Column::Industry.eq(industry));
    }
    if let Some(grade) = &filter.grade {
        condition = condition.add(customer::Column::Grade.eq(grade));
    }
    if let Some(pattern) = search::pattern(filter.search.as_deref(), "filter.search")? {
        let name = Expr::col((customer::Entity, customer::Column::Name));
        condition = condition.add(search::lower_like(name, &pattern));
    }
    Ok(condition)
}

/// The customers that left the list of `filter` in `window` (see [`sync::removed`]).
pub async fn removed_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &CustomerFilter,
    window: sync::Window,
) -> AppResult<sync::Removed> {
    let shown = shown_customers(db, viewer, filter)?;
    sync::removed::<Customers>(db, viewer, window, policy::customers(viewer), shown).await
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

crate::string_enum! {
    /// What customer lists can be ordered by.
    CustomerOrderField {
        /// Creation time.
        CreatedAt => "CREATED_AT",
        /// Last change.
        UpdatedAt => "UPDATED_AT",
        /// Name, ignoring case, punctuation and legal suffixes ("Co., Ltd.").
        Name => "NAME",
    }
}
