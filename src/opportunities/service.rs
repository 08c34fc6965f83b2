//! Opportunity operations: create, read, update, and every change of stage.
//!
//! Over 500 lines: reads, writes, stage transitions and the stale sweep; issue 19 splits them.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::model::{ForecastCategory, OpportunityStatus, StageKind};
use super::stages;
use crate::customers::service as customers;
use crate::error::{AppError, AppResult};
use crate::events::{DomainEvent, EventKind};
use crate::idempotency::{self, IdempotentCall, Start};
use crate::identity::{Role, Viewer};
use crate::input::required_text;
use crate::money::Money;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::pagination::{self, Page, PageRequest};
use crate::policy;
use crate::state::AppState;

use entity::opportunity::{self, Entity as Opportunities};
use entity::{notification, pipeline_stage, stage_change};

/// Forecast categories a seller may choose; closed deals are `CLOSED`.
pub const CATEGORIES: [&str; 4] = [
    ForecastCategory::Pipeline.as_str(),
    ForecastCategory::BestCase.as_str(),
    ForecastCategory::Commit.as_str(),
    ForecastCategory::Omitted.as_str(),
];

fn require_seller(viewer: &Viewer) -> AppResult<()> {
    if viewer.role == Role::Finance {
        Err(AppError::forbidden())
    } else {
        Ok(())
    }
}

/// Whole days between two instants (never negative).
pub fn whole_days(from: DateTime<Utc>, to: DateTime<Utc>) -> i32 {
    i32::try_from(std::cmp::max((to - from).num_days(), 0)).unwrap_or(i32::MAX)
}

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
#[derive(Debug, Clone, Serialize)]
pub struct NewOpportunity {
    pub customer_id: Uuid,
    pub name: String,
    pub amount_minor: i64,
    pub expected_close_date: NaiveDate,
    pub stage_id: Option<Uuid>,
    pub forecast_category: Option<String>,
    pub probability: Option<i32>,
}

fn check_probability(probability: Option<i32>) -> AppResult<()> {
    if probability.is_some_and(|p| !(0..=100).contains(&p)) {
        return Err(AppError::bad_input(
            "input.probability",
            "A probability lies between 0 and 100",
        ));
    }
    Ok(())
}

fn check_category(category: Option<&str>) -> AppResult<()> {
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
    let name = required_text(&new.name, "input.name", 200)?;
    if new.amount_minor < 0 {
        return Err(AppError::bad_input(
            "input.amount",
            "An amount cannot be negative",
        ));
    }
    check_probability(new.probability)?;
    check_category(new.forecast_category.as_deref())?;
    let stage = match new.stage_id {
        Some(id) => stages::open_stage(db, id, "input.stageId").await?,
        None => stages::first_of_kind(db, StageKind::Open).await?,
    };
    let created = opportunity::ActiveModel {
        id: Set(Uuid::now_v7()),
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
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
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
    let call = IdempotentCall::new(viewer.user_id, "createOpportunity", idempotency_key, &new)?;
    let now = state.clock.now();
    let guard = match idempotency::start::<Uuid>(&state.db, &call, now).await? {
        Start::Replayed(id) => return load(&state.db, id).await,
        Start::Fresh(guard) => guard,
    };
    let txn = guard.txn();
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
    let id = guard.commit(created.id).await?;
    load(&state.db, id).await
}

async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<opportunity::Model> {
    Opportunities::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::internal)
}

/// A deal the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_opportunity(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<opportunity::Model> {
    Opportunities::find_by_id(id)
        .filter(policy::opportunities(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Opportunity"))
}

/// A deal the viewer may change: visible, and theirs to change (their own, their teams', or
/// any for admins). Errors: `NOT_FOUND` (not visible), `FORBIDDEN` (visible through a split
/// only).
pub async fn opportunity_for_change(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<opportunity::Model> {
    let deal = get_opportunity(db, viewer, id).await?;
    let changeable = Opportunities::find_by_id(id)
        .filter(policy::changeable_opportunities(viewer))
        .count(db)
        .await?;
    if changeable == 0 {
        return Err(AppError::read_only("opportunity"));
    }
    Ok(deal)
}

/// Filters for the opportunity list.
#[derive(Debug, Clone, Default)]
pub struct OpportunityFilter {
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub stage_id: Option<Uuid>,
    pub status: Option<String>,
    pub close_from: Option<NaiveDate>,
    pub close_to: Option<NaiveDate>,
    pub customer_id: Option<Uuid>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub stale_only: bool,
    pub search: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Open deals that sat in their stage longer than its `maxDaysInStage` at `now`.
pub(crate) fn stale_condition(now: DateTime<Utc>, stages: &[pipeline_stage::Model]) -> Condition {
    let mut any = Condition::any();
    let mut has_limit = false;
    for stage in stages {
        if let Some(days) = stage.max_days_in_stage {
            has_limit = true;
            any = any.add(
                Condition::all()
                    .add(opportunity::Column::StageId.eq(stage.id))
                    .add(
                        opportunity::Column::StageEnteredAt
                            .lt(now - chrono::Duration::days(i64::from(days))),
                    ),
            );
        }
    }
    let base =
        Condition::all().add(opportunity::Column::Status.eq(OpportunityStatus::Open.as_str()));
    if has_limit {
        base.add(any)
    } else {
        base.add(Expr::cust("1 = 0"))
    }
}

/// Visible deals, filtered, oldest first. Errors: `BAD_USER_INPUT` (paging).
/// Which one-to-one links of a listed deal to join into the page's statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    pub customer: bool,
    pub owner: bool,
}

/// A deal's customer (`Some(None)`: not visible to the viewer) and owner, joined into a list's
/// statement; `None` where not asked for.
#[derive(Debug, Clone, Default)]
pub struct Joined {
    pub customer: Option<Option<entity::customer::Model>>,
    pub owner: Option<Option<entity::user::Model>>,
}

/// A deal of a list with its stage and the links asked for.
#[derive(Debug, Clone)]
pub struct Listed {
    pub deal: opportunity::Model,
    pub stage: Option<entity::pipeline_stage::Model>,
    pub joined: Joined,
}

/// Joins the stage (always) and the customer and owner (when wanted) into a deal list.
fn join_links(
    viewer: &Viewer,
    wants: Wants,
) -> crate::pagination::Rows<
    impl FnOnce(&mut sea_orm::sea_query::SelectStatement),
    impl Fn(&sea_orm::QueryResult) -> Result<Listed, sea_orm::DbErr>,
> {
    use crate::db::{left_join_prefixed, read_prefixed};
    use entity::{customer, pipeline_stage, user};
    let visible_customers = policy::customers(viewer);
    let deal = |column: opportunity::Column| Expr::col((Opportunities, column));
    crate::pagination::Rows {
        join: move |query: &mut sea_orm::sea_query::SelectStatement| {
            let (stage, owner) = (opportunity::Column::StageId, opportunity::Column::OwnerId);
            left_join_prefixed(
                query,
                pipeline_stage::Entity,
                deal(stage),
                Condition::all(),
                "st_",
            );
            if wants.customer {
                let key = deal(opportunity::Column::CustomerId);
                left_join_prefixed(query, customer::Entity, key, visible_customers, "cu_");
            }
            if wants.owner {
                left_join_prefixed(query, user::Entity, deal(owner), Condition::all(), "ow_");
            }
        },
        read: move |row: &sea_orm::QueryResult| {
            use sea_orm::FromQueryResult;
            Ok(Listed {
                deal: opportunity::Model::from_query_result(row, "")?,
                stage: read_prefixed(row, "st_")?,
                joined: Joined {
                    customer: wants
                        .customer
                        .then(|| read_prefixed(row, "cu_"))
                        .transpose()?,
                    owner: wants.owner.then(|| read_prefixed(row, "ow_")).transpose()?,
                },
            })
        },
    }
}

/// One page of the deals the viewer may see, with their stage and the links `wants` asks for
/// joined into the page's one statement (plus one for the total count).
pub async fn list_opportunities(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: OpportunityFilter,
    page: &PageRequest,
    now: DateTime<Utc>,
    wants: Wants,
) -> AppResult<Page<Listed>> {
    let visible = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => policy::opportunities_indexed(viewer),
        _ => policy::opportunities(viewer),
    };
    let mut condition = Condition::all().add(visible);
    if let Some(owner) = filter.owner_id {
        condition = condition.add(opportunity::Column::OwnerId.eq(owner));
    }
    if let Some(team) = filter.team_id {
        let members = crate::policy::members_of(vec![team]);
        condition = condition.add(opportunity::Column::OwnerId.in_subquery(members));
    }
    if let Some(stage) = filter.stage_id {
        condition = condition.add(opportunity::Column::StageId.eq(stage));
    }
    if let Some(status) = filter.status {
        condition = condition.add(opportunity::Column::Status.eq(status));
    }
    if let Some(from) = filter.close_from {
        condition = condition.add(opportunity::Column::ExpectedCloseDate.gte(from));
    }
    if let Some(to) = filter.close_to {
        condition = condition.add(opportunity::Column::ExpectedCloseDate.lte(to));
    }
    if let Some(customer) = filter.customer_id {
        condition = condition.add(opportunity::Column::CustomerId.eq(customer));
    }
    if let Some(min) = filter.amount_min {
        condition = condition.add(opportunity::Column::AmountMinor.gte(min));
    }
    if let Some(max) = filter.amount_max {
        condition = condition.add(opportunity::Column::AmountMinor.lte(max));
    }
    if let Some(since) = filter.updated_since {
        condition = condition.add(opportunity::Column::UpdatedAt.gte(since));
    }
    if let Some(pattern) = crate::search::pattern(filter.search.as_deref(), "filter.search")? {
        let name = Expr::col((Opportunities, opportunity::Column::Name));
        condition = condition.add(crate::search::lower_like(name, &pattern));
    }
    if filter.stale_only {
        condition = condition.add(stale_condition(now, &stages::list(db, true).await?));
    }
    pagination::fetch_joined(
        db,
        Opportunities::find().filter(condition),
        opportunity::Column::Id,
        pagination::SortKey::Id,
        false,
        page,
        join_links(viewer, wants),
        |_| 0,
        |row: &Listed| row.deal.id,
    )
    .await
}

/// Changes to a deal; `None` leaves a field, `Some(None)` clears the probability override.
#[derive(Debug, Clone, Default)]
pub struct OpportunityChanges {
    pub name: Option<String>,
    pub amount_minor: Option<i64>,
    pub expected_close_date: Option<NaiveDate>,
    pub forecast_category: Option<String>,
    pub probability: Option<Option<i32>>,
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
    let guard = match idempotency::start::<Uuid>(&state.db, &call, now).await? {
        Start::Replayed(_) => return load(&state.db, id).await,
        Start::Fresh(guard) => guard,
    };
    let txn = guard.txn();
    let current = opportunity_for_change(txn, viewer, id).await?;
    if current.version != expected_version {
        return Err(AppError::conflict(current.version));
    }
    if current.status != OpportunityStatus::Open.as_str() {
        return Err(AppError::invalid_state(
            "A closed deal is read-only; reopen it first",
        ));
    }
    let mut model = opportunity::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    if let Some(name) = &changes.name {
        model.name = Set(required_text(name, "input.name", 200)?);
    }
    if let Some(amount) = changes.amount_minor {
        if amount < 0 {
            return Err(AppError::bad_input(
                "input.amount",
                "An amount cannot be negative",
            ));
        }
        model.amount_minor = Set(amount);
    }
    if let Some(date) = changes.expected_close_date {
        model.expected_close_date = Set(date);
    }
    if let Some(category) = &changes.forecast_category {
        check_category(Some(category))?;
        model.forecast_category = Set(category.clone());
    }
    if let Some(probability) = changes.probability {
        check_probability(probability)?;
        model.probability_override = Set(probability);
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    if !crate::db::update_if_version::<Opportunities>(
        txn,
        model,
        opportunity::Column::Id,
        id,
        opportunity::Column::Version,
        expected_version,
    )
    .await?
    {
        return Err(AppError::conflict(current.version + 1));
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "opportunity.updated",
        subject_type: "Opportunity",
        subject_id: id,
        details: serde_json::json!({"amountMinor": changes.amount_minor, "name": changes.name}),
    }
    .record(txn, now)
    .await?;
    guard.commit(id).await?;
    load(&state.db, id).await
}

/// A change of stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Transition {
    /// To another open stage.
    Move(Uuid),
    /// Close as won.
    Win,
    /// Close as lost, with the reason.
    Lose(String),
    /// Back from won or lost to an open stage.
    Reopen(Uuid),
}

/// Moves, wins, loses or reopens a deal at `expected_version`, writing its `StageChange`.
/// Idempotent by key. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`,
/// `INVALID_STATE`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn transition(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    change: Transition,
    note: Option<String>,
    idempotency_key: Option<String>,
) -> AppResult<opportunity::Model> {
    require_seller(viewer)?;
    if let Transition::Lose(reason) = &change {
        required_text(reason, "input.reason", 1000)?;
    }
    let note = crate::input::optional_text(note.as_deref(), "input.note", 2000)?;
    let call = IdempotentCall::new(
        viewer.user_id,
        "opportunityTransition",
        idempotency_key,
        &(id, expected_version, &change, &note),
    )?;
    let now = state.clock.now();
    let guard = match idempotency::start::<Uuid>(&state.db, &call, now).await? {
        Start::Replayed(_) => return load(&state.db, id).await,
        Start::Fresh(guard) => guard,
    };
    let (change_id, written) = apply(
        guard.txn(),
        viewer,
        id,
        expected_version,
        &change,
        note,
        now,
    )
    .await?;
    guard.commit(change_id).await?;
    state.events.publish(DomainEvent {
        kind: EventKind::OpportunityStageChanged,
        subject_id: change_id,
        actor_id: Some(viewer.user_id),
        audience: None,
    });
    notifications::announce(state.events.as_ref(), &written);
    load(&state.db, id).await
}

async fn apply(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    change: &Transition,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<(Uuid, Vec<notification::Model>)> {
    let current = opportunity_for_change(txn, viewer, id).await?;
    if current.version != expected_version {
        return Err(AppError::conflict(current.version));
    }
    let open = current.status == OpportunityStatus::Open.as_str();
    let (stage, status) = match change {
        Transition::Move(stage_id) => {
            if !open {
                return Err(AppError::invalid_state(
                    "A closed deal does not move; reopen it first",
                ));
            }
            if *stage_id == current.stage_id {
                return Err(AppError::invalid_state("The deal is already in this stage"));
            }
            (
                stages::open_stage(txn, *stage_id, "input.stageId").await?,
                OpportunityStatus::Open,
            )
        }
        Transition::Win | Transition::Lose(_) if !open => {
            return Err(AppError::invalid_state(
                "The deal is already closed; reopen it first",
            ));
        }
        Transition::Win => (
            stages::first_of_kind(txn, StageKind::Won).await?,
            OpportunityStatus::Won,
        ),
        Transition::Lose(_) => (
            stages::first_of_kind(txn, StageKind::Lost).await?,
            OpportunityStatus::Lost,
        ),
        Transition::Reopen(stage_id) => {
            if open {
                return Err(AppError::invalid_state(
                    "Only a won or lost deal can be reopened",
                ));
            }
            (
                stages::open_stage(txn, *stage_id, "input.stageId").await?,
                OpportunityStatus::Open,
            )
        }
    };
    let mut model = opportunity::ActiveModel {
        id: Set(id),
        stage_id: Set(stage.id),
        status: Set(status.as_str().to_owned()),
        stage_entered_at: Set(now),
        stale_notified_at: Set(None),
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    match change {
        Transition::Win => {
            model.closed_at = Set(Some(now));
            // A won deal's close date is the day it was won: forecasts count it there.
            model.expected_close_date = Set(now.date_naive());
            model.forecast_category = Set(ForecastCategory::Closed.as_str().to_owned());
        }
        Transition::Lose(reason) => {
            model.closed_at = Set(Some(now));
            model.lost_reason = Set(Some(reason.trim().to_owned()));
            model.forecast_category = Set(ForecastCategory::Closed.as_str().to_owned());
        }
        Transition::Reopen(_) => {
            model.closed_at = Set(None);
            model.lost_reason = Set(None);
            model.forecast_category = Set(ForecastCategory::Pipeline.as_str().to_owned());
        }
        Transition::Move(_) => {}
    }
    if !crate::db::update_if_version::<Opportunities>(
        txn,
        model,
        opportunity::Column::Id,
        id,
        opportunity::Column::Version,
        expected_version,
    )
    .await?
    {
        return Err(AppError::conflict(current.version + 1));
    }
    let change_row = stage_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        opportunity_id: Set(id),
        from_stage_id: Set(Some(current.stage_id)),
        to_stage_id: Set(stage.id),
        changed_by: Set(viewer.user_id),
        changed_at: Set(now),
        days_in_previous_stage: Set(Some(whole_days(current.stage_entered_at, now))),
        note: Set(note),
    }
    .insert(txn)
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "opportunity.stage_changed",
        subject_type: "Opportunity",
        subject_id: id,
        details: serde_json::json!({"from": current.stage_id, "to": stage.id, "status": status}),
    }
    .record(txn, now)
    .await?;
    let mut written = Vec::new();
    if matches!(change, Transition::Win | Transition::Lose(_)) {
        for manager in crate::users::service::managers_of(txn, current.owner_id).await? {
            let won = matches!(change, Transition::Win);
            let notice = NewNotification {
                user_id: manager,
                kind: if won {
                    "OPPORTUNITY_WON"
                } else {
                    "OPPORTUNITY_LOST"
                },
                title: format!(
                    "Deal {}: {}",
                    if won { "won" } else { "lost" },
                    current.name
                ),
                body: format!(
                    "{} was {} at {}.",
                    current.name,
                    if won { "won" } else { "lost" },
                    Money::from_minor(current.amount_minor).to_decimal()
                ),
                subject_type: Some("Opportunity"),
                subject_id: Some(id),
            };
            written.push(notifications::notify(txn, notice, now).await?);
        }
    }
    Ok((change_row.id, written))
}

/// Open visible deals sitting in their stage too long, longest first (at most 100).
pub async fn stale_opportunities(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> AppResult<Vec<opportunity::Model>> {
    let stages = stages::list(db, true).await?;
    Ok(Opportunities::find()
        .filter(policy::opportunities(viewer))
        .filter(stale_condition(now, &stages))
        .order_by_asc(opportunity::Column::StageEnteredAt)
        .limit(100)
        .all(db)
        .await?)
}

/// Stage history of deals, oldest first (for loaders under visible deals).
pub async fn history_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<stage_change::Model>> {
    Ok(entity::stage_change::Entity::find()
        .filter(stage_change::Column::OpportunityId.is_in(ids.to_vec()))
        .order_by_asc(stage_change::Column::Id)
        .all(db)
        .await?)
}

/// Visible deals of these customers with their stages (for the customer 360° view).
pub async fn of_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<Listed>> {
    use sea_orm::QueryTrait;
    let rows = join_links(viewer, Wants::default());
    let mut query = of_customers_select(viewer, ids).into_query();
    (rows.join)(&mut query);
    Ok(db
        .query_all(&query)
        .await?
        .iter()
        .map(&rows.read)
        .collect::<Result<_, _>>()?)
}

/// The deals behind [`of_customers`], without their stages: visible, oldest first.
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

/// One member's share of a deal, in percent.
#[derive(Debug, Clone)]
pub struct SplitSpec {
    pub user_id: Uuid,
    pub percent: rust_decimal::Decimal,
}

/// Replaces a deal's revenue splits (shares summing to exactly 100%). The owner, their managers
/// and admins may set them. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`.
pub async fn set_splits(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    specs: Vec<SplitSpec>,
    idempotency_key: Option<String>,
) -> AppResult<opportunity::Model> {
    require_seller(viewer)?;
    let mut shares = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let field = format!("input.splits.{i}.percent");
        let basis = (spec.percent * rust_decimal::Decimal::ONE_HUNDRED).normalize();
        let basis = i32::try_from(basis.mantissa())
            .ok()
            .filter(|b| basis.scale() == 0 && *b > 0 && *b <= 10_000)
            .ok_or_else(|| {
                AppError::bad_input(
                    field,
                    "A share is above 0 and at most 100, with at most two decimals",
                )
            })?;
        if specs[..i]
            .iter()
            .any(|earlier| earlier.user_id == spec.user_id)
        {
            return Err(AppError::bad_input(
                format!("input.splits.{i}.userId"),
                "Each member appears once",
            ));
        }
        shares.push((spec.user_id, basis));
    }
    if shares.iter().map(|(_, b)| i64::from(*b)).sum::<i64>() != 10_000 {
        return Err(AppError::bad_input(
            "input.splits",
            "Shares must sum to exactly 100",
        ));
    }
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "setOpportunitySplits",
        idempotency_key,
        &format!("{:?}", (id, expected_version, &shares)),
    )?;
    let guard = match idempotency::start::<Uuid>(&state.db, &call, now).await? {
        Start::Replayed(_) => return load(&state.db, id).await,
        Start::Fresh(guard) => guard,
    };
    let txn = guard.txn();
    let current = opportunity_for_change(txn, viewer, id).await?;
    if current.version != expected_version {
        return Err(AppError::conflict(current.version));
    }
    for (i, (user_id, _)) in shares.iter().enumerate() {
        let member = entity::user::Entity::find_by_id(*user_id).one(txn).await?;
        let eligible = member.is_some_and(|m| {
            m.active && (m.role == Role::SalesRep.as_str() || m.role == Role::SalesManager.as_str())
        });
        if !eligible {
            return Err(AppError::bad_input(
                format!("input.splits.{i}.userId"),
                "Splits go to active sales reps and managers",
            ));
        }
    }
    entity::opportunity_split::Entity::delete_many()
        .filter(entity::opportunity_split::Column::OpportunityId.eq(id))
        .exec(txn)
        .await?;
    for (user_id, basis) in &shares {
        entity::opportunity_split::ActiveModel {
            opportunity_id: Set(id),
            user_id: Set(*user_id),
            share_basis_points: Set(*basis),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    let bump = opportunity::ActiveModel {
        id: Set(id),
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if !crate::db::update_if_version::<Opportunities>(
        txn,
        bump,
        opportunity::Column::Id,
        id,
        opportunity::Column::Version,
        expected_version,
    )
    .await?
    {
        return Err(AppError::conflict(current.version + 1));
    }
    let audit: Vec<_> = shares
        .iter()
        .map(|(user, basis)| serde_json::json!({"userId": user, "basisPoints": basis}))
        .collect();
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "opportunity.splits_set",
        subject_type: "Opportunity",
        subject_id: id,
        details: serde_json::json!({"splits": audit}),
    }
    .record(txn, now)
    .await?;
    guard.commit(id).await?;
    load(&state.db, id).await
}

/// Revenue splits of deals (for loaders under visible deals).
pub async fn splits_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<entity::opportunity_split::Model>> {
    Ok(entity::opportunity_split::Entity::find()
        .filter(entity::opportunity_split::Column::OpportunityId.is_in(ids.to_vec()))
        .order_by_desc(entity::opportunity_split::Column::ShareBasisPoints)
        .order_by_asc(entity::opportunity_split::Column::UserId)
        .all(db)
        .await?)
}

/// Credited and weighted amounts per member: explicit splits, or 100% to the owner. Each column
/// sums exactly to the deal's amount (weighted amount), the remainder going to the last member.
pub fn credits(
    owner: Uuid,
    amount: Money,
    weighted_amount: Money,
    splits: &[entity::opportunity_split::Model],
) -> Vec<(Uuid, rust_decimal::Decimal, Money, Money)> {
    let members: Vec<(Uuid, rust_decimal::Decimal)> = if splits.is_empty() {
        vec![(owner, rust_decimal::Decimal::new(10_000, 2))]
    } else {
        splits
            .iter()
            .map(|s| {
                (
                    s.user_id,
                    rust_decimal::Decimal::new(i64::from(s.share_basis_points), 2),
                )
            })
            .collect()
    };
    let percents: Vec<rust_decimal::Decimal> = members.iter().map(|(_, p)| *p).collect();
    let credited = amount
        .split_by_percent(&percents)
        .unwrap_or_else(|| vec![amount]);
    let weighted = weighted_amount
        .split_by_percent(&percents)
        .unwrap_or_else(|| vec![weighted_amount]);
    members
        .into_iter()
        .zip(credited.into_iter().zip(weighted))
        .map(|((user, percent), (credit, weight))| (user, percent, credit, weight))
        .collect()
}

/// Lock of the sweep reporting stale deals.
pub const STALE_LOCK: i64 = 0x5341_4c45_0003;

/// Tells the owner and their manager, once per stay in a stage, that an open deal sits longer
/// than its stage allows. Safe to run on several instances at once.
pub async fn report_stale(
    state: &AppState,
    now: DateTime<Utc>,
) -> AppResult<crate::sweeps::SweepReport> {
    let Some(txn) = crate::sweeps::begin_exclusive(state, STALE_LOCK).await? else {
        return Ok(crate::sweeps::SweepReport::default());
    };
    let stages = stages::list(&txn, true).await?;
    let stale = Opportunities::find()
        .filter(stale_condition(now, &stages))
        .filter(opportunity::Column::StaleNotifiedAt.is_null())
        .limit(500)
        .all(&txn)
        .await?;
    let mut written = Vec::new();
    let mut reported = 0;
    for deal in stale {
        let marked = Opportunities::update_many()
            .col_expr(opportunity::Column::StaleNotifiedAt, Expr::value(Some(now)))
            .filter(opportunity::Column::Id.eq(deal.id))
            .filter(opportunity::Column::StaleNotifiedAt.is_null())
            .filter(opportunity::Column::StageId.eq(deal.stage_id))
            .exec(&txn)
            .await?;
        if marked.rows_affected != 1 {
            continue;
        }
        reported += 1;
        let mut recipients = vec![deal.owner_id];
        recipients.extend(crate::users::service::managers_of(&txn, deal.owner_id).await?);
        for user_id in recipients {
            let notice = NewNotification {
                user_id,
                kind: "OPPORTUNITY_STALE",
                title: format!("Deal stuck: {}", deal.name),
                body: format!(
                    "{} has stayed in its stage longer than the pipeline allows.",
                    deal.name
                ),
                subject_type: Some("Opportunity"),
                subject_id: Some(deal.id),
            };
            written.push(notifications::notify(&txn, notice, now).await?);
        }
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(crate::sweeps::SweepReport {
        ran: true,
        affected: reported,
    })
}
