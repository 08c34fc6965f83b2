//! Opportunity operations: create, read, update, and the reads other domains use. Listing is in
//! `listing`, stage changes in `transitions`, revenue splits in `splits`, the stale sweep in
//! `stale`; their public functions are re-exported here.

pub use super::access::{get_opportunity, opportunity_for_change, whole_days};
pub(super) use super::access::{load, require_seller};
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::listing::join_links;
pub use super::listing::{
    Joined, Listed, OpportunityFilter, Wants, list_opportunities, removed_opportunities,
};
use super::model::{ForecastCategory, OpportunityStatus, StageKind};
pub use super::splits::{SplitSpec, credits, set_splits, splits_of};
use super::stages;
pub use super::stale::{STALE_LOCK, report_stale, stale_opportunities};
pub use super::transitions::{Transition, transition};
use crate::customers::service as customers;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::input::required_text;
use crate::money::Money;
use crate::policy;
use crate::state::AppState;

use entity::opportunity::{self, Entity as Opportunities};
use entity::{pipeline_stage, stage_change};

/// Forecast categories a seller may choose; closed deals are `CLOSED`.
pub const CATEGORIES: [&str; 4] = [
    ForecastCategory::Pipeline.as_str(),
    ForecastCategory::BestCase.as_str(),
    ForecastCategory::Commit.as_str(),
    ForecastCategory::Omitted.as_str(),
];

/// The probability in force: the deal's override, else its stage's.
pub fn probability(model: &opportunity::Model, stage: &pipeline_stage::Model) -> i32 {
    model.probability_override.unwrap_or(stage.probability)
}

/// Amount × probability, rounded half-up to the cent.
pub fn weighted(amount: Money, probability: i32) -> Money {
    let value = amount.to_decimal() * rust_decimal::Decimal::from(probability)
        / rust_decimal::Decimal::ONE_HUNDRED;
    Money::round_half_up(value).unwrap_or(Money::ZERO)
}

/// A deal to create.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NewOpportunity {
    pub customer_id: Uuid,
    pub name: String,
    pub amount_minor: i64,
    pub expected_close_date: NaiveDate,
    pub stage_id: Option<Uuid>,
    pub forecast_category: Option<String>,
    pub probability: Option<i32>,
    /// The id the client chose for the deal.
    pub client_id: Option<Uuid>,
    /// What the customer needs.
    pub need: Option<String>,
    /// The customer's budget, in minor units.
    pub budget_minor: Option<i64>,
    /// A contact of the customer.
    pub contact_id: Option<Uuid>,
    /// A contact of the customer who decides.
    pub decision_maker_id: Option<Uuid>,
    /// The campaign of the lead it was converted from (first touch).
    pub campaign_id: Option<Uuid>,
}

/// The need as kept: trimmed, at most 2000 characters, none when blank.
fn need_of(need: Option<&str>) -> AppResult<Option<String>> {
    crate::input::optional_text(need, "input.need", 2000)
}

fn check_budget(budget: Option<i64>) -> AppResult<()> {
    if budget.is_some_and(|b| b < 0) {
        return Err(AppError::bad_input(
            "input.budget",
            "A budget cannot be negative",
        ));
    }
    Ok(())
}

/// A contact of the deal's customer; any other id answers `NOT_FOUND` on `field`, as if it
/// named nothing (another customer's contacts are not the deal's to name).
async fn customer_contact(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    id: Option<Uuid>,
    field: &str,
) -> AppResult<()> {
    let Some(id) = id else { return Ok(()) };
    match entity::contact::Entity::find_by_id(id).one(db).await? {
        Some(contact) if contact.customer_id == customer_id => Ok(()),
        _ => Err(AppError::not_found("Contact").with_field(field)),
    }
}

pub(super) fn check_probability(probability: Option<i32>) -> AppResult<()> {
    if probability.is_some_and(|p| !(0..=100).contains(&p)) {
        return Err(AppError::bad_input(
            "input.probability",
            "A probability lies between 0 and 100",
        ));
    }
    Ok(())
}

pub(super) fn check_category(category: Option<&str>) -> AppResult<()> {
    if category.is_some_and(|c| !CATEGORIES.contains(&c)) {
        return Err(AppError::bad_input(
            "input.forecastCategory",
            "Closed deals are CLOSED automatically; choose another category",
        ));
    }
    Ok(())
}

/// Inserts a deal for a customer the caller already checked, with its first `StageChange`.
pub(crate) async fn insert_opportunity(
    db: &impl ConnectionTrait,
    owner: Uuid,
    new: NewOpportunity,
    lead_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<opportunity::Model> {
    // Every problem of the input's own fields at once.
    let mut problems = crate::input::Problems::default();
    let name = problems.check(required_text(&new.name, "input.name", 200));
    if new.amount_minor < 0 {
        problems.check::<()>(Err(AppError::bad_input(
            "input.amount",
            "An amount cannot be negative",
        )));
    }
    problems.check(check_probability(new.probability));
    problems.check(check_category(new.forecast_category.as_deref()));
    let need = problems.check(need_of(new.need.as_deref())).flatten();
    problems.check(check_budget(new.budget_minor));
    problems.finish()?;
    let Some(name) = name else {
        return Err(AppError::internal());
    };
    customer_contact(db, new.customer_id, new.contact_id, "input.contactId").await?;
    customer_contact(
        db,
        new.customer_id,
        new.decision_maker_id,
        "input.decisionMakerId",
    )
    .await?;
    let stage = match new.stage_id {
        Some(id) => stages::open_stage(db, id, "input.stageId").await?,
        None => stages::first_of_kind(db, StageKind::Open).await?,
    };
    crate::idempotency::check_client_id::<Opportunities>(db, new.client_id).await?;
    let created = opportunity::ActiveModel {
        id: Set(crate::ids::new_id(new.client_id)),
        customer_id: Set(new.customer_id),
        owner_id: Set(owner),
        name: Set(name),
        amount_minor: Set(new.amount_minor),
        stage_id: Set(stage.id),
        probability_override: Set(new.probability),
        forecast_category: Set(new
            .forecast_category
            .unwrap_or_else(|| ForecastCategory::Pipeline.as_str().to_owned())),
        status: Set(OpportunityStatus::Open.as_str().to_owned()),
        expected_close_date: Set(new.expected_close_date),
        closed_at: Set(None),
        lost_reason: Set(None),
        stage_entered_at: Set(now),
        lead_id: Set(lead_id),
        stale_notified_at: Set(None),
        price_book_id: Set(None),
        need: Set(need),
        budget_minor: Set(new.budget_minor),
        contact_id: Set(new.contact_id),
        decision_maker_id: Set(new.decision_maker_id),
        close_reason_id: Set(None),
        close_detail: Set(None),
        closed_from_stage_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        campaign_id: Set(new.campaign_id),
    }
    .insert(db)
    .await?;
    stage_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        opportunity_id: Set(created.id),
        from_stage_id: Set(None),
        to_stage_id: Set(stage.id),
        changed_by: Set(owner),
        changed_at: Set(now),
        days_in_previous_stage: Set(None),
        note: Set(None),
        override_reason: Set(None),
        overridden_items: Set(None),
    }
    .insert(db)
    .await?;
    Ok(created)
}

/// Creates a deal for a visible customer, owned by the caller. Idempotent by key. Errors:
/// `FORBIDDEN` (finance), `NOT_FOUND` (customer), `BAD_USER_INPUT`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_opportunity(
    state: &AppState,
    viewer: &Viewer,
    new: NewOpportunity,
    idempotency_key: Option<String>,
) -> AppResult<opportunity::Model> {
    require_seller(viewer)?;
    let key = crate::ids::create_key(idempotency_key, new.client_id);
    let call = IdempotentCall::new(viewer.user_id, "createOpportunity", key, &new)?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        customers::get_customer(txn, viewer, new.customer_id)
            .await
            .map_err(|e| e.with_field("input.customerId"))?;
        let created = insert_opportunity(txn, viewer.user_id, new, None, now).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "opportunity.created",
            subject_type: "Opportunity",
            subject_id: created.id,
            details: serde_json::json!({"name": created.name, "amountMinor": created.amount_minor}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    load(&state.db, id).await
}

/// Changes to a deal; `None` leaves a field, `Some(None)` clears the probability override.
#[derive(Debug, Clone, Default)]
pub struct OpportunityChanges {
    pub name: Option<String>,
    pub amount_minor: Option<i64>,
    pub expected_close_date: Option<NaiveDate>,
    pub forecast_category: Option<String>,
    pub probability: Option<Option<i32>>,
    pub need: Option<Option<String>>,
    pub budget_minor: Option<Option<i64>>,
    pub contact_id: Option<Option<Uuid>>,
    pub decision_maker_id: Option<Option<Uuid>>,
    /// A new owner (managers within their teams, admins).
    pub owner_id: Option<Uuid>,
}

/// Updates an open deal the viewer may work at `expected_version`. Errors: `FORBIDDEN`,
/// `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`, `INVALID_STATE` (closed deal).
pub async fn update_opportunity(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: OpportunityChanges,
    idempotency_key: Option<String>,
) -> AppResult<opportunity::Model> {
    require_seller(viewer)?;
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "updateOpportunity",
        idempotency_key,
        &format!("{:?}", (id, expected_version, &changes)),
    )?;
    idempotency::run(&state.db, &call, now, async |txn| {
        let current = opportunity_for_change(txn, viewer, id).await?;
        crate::versioned::check(expected_version, current.version)?;
        if current.status != OpportunityStatus::Open.as_str() {
            return Err(AppError::invalid_state(
                "A closed deal is read-only; reopen it first",
            ));
        }
        let mut model = opportunity::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        // Every problem of the input at once.
        let mut problems = crate::input::Problems::default();
        if let Some(name) = &changes.name
            && let Some(name) = problems.check(required_text(name, "input.name", 200))
        {
            model.name = Set(name);
        }
        if let Some(amount) = changes.amount_minor {
            if amount < 0 {
                problems.check::<()>(Err(AppError::bad_input(
                    "input.amount",
                    "An amount cannot be negative",
                )));
            } else if super::line_items::has_line_items(txn, id).await? {
                problems.check::<()>(Err(AppError::bad_input(
                    "input.amount",
                    "The deal's amount is the sum of its line items; change those instead",
                )));
            }
            model.amount_minor = Set(amount);
        }
        if let Some(date) = changes.expected_close_date {
            model.expected_close_date = Set(date);
        }
        if let Some(category) = &changes.forecast_category {
            problems.check(check_category(Some(category)));
            model.forecast_category = Set(category.clone());
        }
        if let Some(probability) = changes.probability {
            problems.check(check_probability(probability));
            model.probability_override = Set(probability);
        }
        if let Some(need) = &changes.need
            && let Some(need) = problems.check(need_of(need.as_deref()))
        {
            model.need = Set(need);
        }
        if let Some(budget) = changes.budget_minor {
            problems.check(check_budget(budget));
            model.budget_minor = Set(budget);
        }
        problems.finish()?;
        if let Some(contact) = changes.contact_id {
            customer_contact(txn, current.customer_id, contact, "input.contactId").await?;
            model.contact_id = Set(contact);
        }
        if let Some(decider) = changes.decision_maker_id {
            customer_contact(txn, current.customer_id, decider, "input.decisionMakerId").await?;
            model.decision_maker_id = Set(decider);
        }
        if let Some(owner) = changes.owner_id.filter(|o| *o != current.owner_id) {
            if !matches!(viewer.role, Role::Admin | Role::SalesManager) {
                return Err(AppError::new(
                    crate::error::ErrorCode::Forbidden,
                    "Only managers and admins hand a deal to someone else",
                )
                .with_field("input.ownerId"));
            }
            crate::users::service::check_assignable(txn, viewer, owner, "input.ownerId").await?;
            model.owner_id = Set(owner);
            // The former owner's revenue share goes with the deal.
            super::splits::hand_over_shares(txn, &[id], current.owner_id, owner, now).await?;
            let former = Some(current.owner_id);
            crate::sync::link_ended(txn, crate::sync::Kind::Opportunity, id, former, now).await?;
        }
        let target = crate::versioned::Target::new(id, expected_version, current.version);
        crate::versioned::write::<Opportunities>(txn, target, model, now).await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "opportunity.updated",
            subject_type: "Opportunity",
            subject_id: id,
            details: serde_json::json!({"amountMinor": changes.amount_minor, "name": changes.name, "ownerId": changes.owner_id}),
        }
        .record(txn, now)
        .await?;
        Ok(id)
    })
    .await?;
    load(&state.db, id).await
}

/// A page of the stage history of each of these deals, oldest first (for lists under visible
/// deals).
pub async fn history_pages(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    request: &crate::pagination::PageRequest,
) -> AppResult<HashMap<Uuid, crate::pagination::Page<stage_change::Model>>> {
    use crate::pagination::{Keyset, SortKey, children};
    let keyset = Keyset::new(stage_change::Column::Id, SortKey::Id, false);
    let select = entity::stage_change::Entity::find()
        .filter(stage_change::Column::OpportunityId.is_in(ids.to_vec()));
    children::fetch_models(
        db,
        select,
        stage_change::Column::OpportunityId,
        &keyset,
        request,
        |_| 0,
        |c| c.id,
    )
    .await
}

/// A page of the visible deals of each of these customers with their stages, oldest first,
/// with the columns the request needs (for lists under visible customers).
pub async fn of_customers_pages(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
    request: &crate::pagination::PageRequest,
) -> AppResult<HashMap<Uuid, crate::pagination::Page<Listed>>> {
    use sea_orm::QueryTrait;
    let keyset = of_customers_keyset();
    let parent = sea_orm::sea_query::Expr::col((Opportunities, opportunity::Column::CustomerId));
    crate::pagination::children::fetch(
        db,
        of_customers_select(viewer, ids).into_query(),
        parent,
        &keyset,
        request,
        // Ordered by id: the key is the only sort column.
        join_links(
            viewer,
            Wants {
                deal: request
                    .needs()
                    .with(<opportunity::Model as crate::db::ReadAt>::FIELDS, &["id"]),
                ..Wants::default()
            },
        ),
        |_| 0,
        |l| l.deal.id,
    )
    .await
}

/// The order of a customer's deals: oldest first.
pub fn of_customers_keyset() -> crate::pagination::Keyset<opportunity::Column> {
    crate::pagination::Keyset::new(
        opportunity::Column::Id,
        crate::pagination::SortKey::Id,
        false,
    )
}

/// The deals behind [`of_customers_pages`], without their stages: visible, oldest first.
pub fn of_customers_select(viewer: &Viewer, ids: &[Uuid]) -> sea_orm::Select<opportunity::Entity> {
    Opportunities::find()
        .filter(opportunity::Column::CustomerId.is_in(ids.to_vec()))
        .filter(policy::opportunities(viewer))
        .order_by_asc(opportunity::Column::Id)
}

/// Deals by id, without visibility (for loaders under visible records).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<Vec<opportunity::Model>> {
    Ok(Opportunities::find()
        .filter(opportunity::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// Deals by id that the viewer may see.
pub async fn visible_by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<opportunity::Model>> {
    Ok(Opportunities::find()
        .filter(opportunity::Column::Id.is_in(ids.to_vec()))
        .filter(policy::opportunities(viewer))
        .all(db)
        .await?)
}

/// A deal the viewer may change that may get a contract: won, or open in the last open stage
/// of the pipeline. Errors: `NOT_FOUND`, `FORBIDDEN` (seen through a split), `INVALID_STATE`.
pub async fn ready_for_contract(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<opportunity::Model> {
    let deal = opportunity_for_change(db, viewer, id).await?;
    let last_open = stages::list(db, false)
        .await?
        .into_iter()
        .filter(|s| s.kind == StageKind::Open.as_str())
        .max_by_key(|s| s.position);
    let ready = deal.status == OpportunityStatus::Won.as_str()
        || (deal.status == OpportunityStatus::Open.as_str()
            && last_open.is_some_and(|s| s.id == deal.stage_id));
    if ready {
        Ok(deal)
    } else {
        Err(AppError::invalid_state(
            "Only a won deal, or one in the last open stage, gets a contract",
        ))
    }
}
