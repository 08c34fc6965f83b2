//! Callbacks: reading them, a person's day of them, and making or moving one.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::model::{CallbackOutcome, CallbackStatus, LOW_SATISFACTION, MAX_NOTES, SATISFACTION};
use crate::activities::model::{ActivityKind, ActivitySubjectType};
use crate::activities::service::NewActivity;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::input::{optional_text, required_text};
use crate::notifications::service::{self as notifications, NewNotification};
use crate::pagination::{self, Page, PageRequest, SortKey, date_value};
use crate::state::AppState;
use entity::callback;

/// The most callbacks `myCallbacks` returns for one day.
pub const MAX_PER_DAY: u64 = 500;

/// Callbacks the viewer may see: their own, and those of the contracts they see (customer
/// service and admins: all).
pub fn visible(viewer: &Viewer) -> Condition {
    Condition::any()
        .add(callback::Column::AssigneeId.eq(viewer.user_id))
        .add(callback::Column::ContractId.in_subquery(crate::policy::visible_contract_ids(viewer)))
}

/// One callback the viewer may see. Errors: `NOT_FOUND` (missing or invisible alike).
pub async fn get(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<callback::Model> {
    callback::Entity::find_by_id(id)
        .filter(visible(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Callback"))
}

/// The callbacks among `ids` the viewer may see (for loaders).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<callback::Model>> {
    Ok(callback::Entity::find()
        .filter(callback::Column::Id.is_in(ids.to_vec()))
        .filter(visible(viewer))
        .all(db)
        .await?)
}

/// Filters of `callbacks`.
#[derive(Debug, Clone, Default)]
pub struct CallbackFilter {
    pub statuses: Option<Vec<CallbackStatus>>,
    pub assignee_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub rule_id: Option<Uuid>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
}

/// The callbacks the viewer may see matching `filter`, soonest due first.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: CallbackFilter,
    page: &PageRequest,
) -> AppResult<Page<callback::Model>> {
    use callback::Column;
    let mut condition = Condition::all().add(visible(viewer));
    if let Some(statuses) = filter.statuses.filter(|s| !s.is_empty()) {
        condition = condition.add(Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if let Some(id) = filter.assignee_id {
        condition = condition.add(Column::AssigneeId.eq(id));
    }
    if let Some(id) = filter.customer_id {
        condition = condition.add(Column::CustomerId.eq(id));
    }
    if let Some(id) = filter.contract_id {
        condition = condition.add(Column::ContractId.eq(id));
    }
    if let Some(id) = filter.rule_id {
        condition = condition.add(Column::RuleId.eq(id));
    }
    if let Some(day) = filter.due_from {
        condition = condition.add(Column::DueDate.gte(day));
    }
    if let Some(day) = filter.due_to {
        condition = condition.add(Column::DueDate.lte(day));
    }
    pagination::fetch_sorted(
        db,
        callback::Entity::find().filter(condition),
        Column::Id,
        SortKey::Date(Column::DueDate),
        false,
        page,
        |c| date_value(c.due_date),
        |c| c.id,
    )
    .await
}

/// The viewer's callbacks of `day`: those due that day, and those still planned from before,
/// oldest due first.
pub async fn mine(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    day: NaiveDate,
) -> AppResult<Vec<callback::Model>> {
    use callback::Column;
    Ok(callback::Entity::find()
        .filter(Column::AssigneeId.eq(viewer.user_id))
        .filter(
            Condition::any().add(Column::DueDate.eq(day)).add(
                Condition::all()
                    .add(Column::DueDate.lt(day))
                    .add(Column::Status.eq(CallbackStatus::Planned.as_str())),
            ),
        )
        .order_by_asc(Column::DueDate)
        .order_by_asc(Column::Id)
        .limit(MAX_PER_DAY)
        .all(db)
        .await?)
}

/// What a completed callback leads to: an activity for whoever made it.
#[derive(Debug, Clone, Serialize)]
pub struct NextAction {
    pub kind: ActivityKind,
    pub title: String,
    pub due_at: DateTime<Utc>,
}

/// How a callback went.
#[derive(Debug, Clone, Serialize)]
pub struct Completion {
    pub id: Uuid,
    pub outcome: CallbackOutcome,
    pub satisfaction: Option<i32>,
    pub notes: Option<String>,
    pub next_action: Option<NextAction>,
}

/// Checks a completion's own fields, every problem at once.
fn checked(completion: &Completion) -> AppResult<(Option<String>, Option<String>)> {
    let mut problems = crate::input::Problems::default();
    if let Some(given) = completion.satisfaction
        && !SATISFACTION.contains(&given)
    {
        problems.check::<()>(Err(AppError::bad_input(
            "input.satisfaction",
            "Satisfaction is 1 to 5",
        )));
    }
    if completion.satisfaction.is_some() && completion.outcome != CallbackOutcome::Reached {
        problems.check::<()>(Err(AppError::bad_input(
            "input.satisfaction",
            "Only a customer reached gives a satisfaction",
        )));
    }
    let notes = problems.check(optional_text(
        completion.notes.as_deref(),
        "input.notes",
        MAX_NOTES,
    ));
    let title = match &completion.next_action {
        Some(next) => problems
            .check(required_text(&next.title, "input.nextAction.title", 200))
            .map(Some),
        None => Some(None),
    };
    problems.finish()?;
    Ok((notes.flatten(), title.flatten()))
}

/// Makes a callback: the assignee records how it went. A satisfaction of 2 or less tells the
/// account's owner and their manager and gives the owner an activity to call the customer; a
/// next action becomes the caller's activity. Idempotent by key. Errors: `NOT_FOUND`,
/// `FORBIDDEN` (someone else's callback), `BAD_USER_INPUT` (satisfaction outside 1–5, notes,
/// the next action), `INVALID_STATE` (made or cancelled already), `IDEMPOTENCY_KEY_REUSED`.
pub async fn complete(
    state: &AppState,
    viewer: &Viewer,
    completion: Completion,
    idempotency_key: Option<String>,
) -> AppResult<callback::Model> {
    let (notes, title) = checked(&completion)?;
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "completeCallback",
        idempotency_key,
        &completion,
    )?;
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        let current = get(txn, viewer, completion.id)
            .await
            .map_err(|e| e.naming("input.id"))?;
        if current.assignee_id != viewer.user_id {
            return Err(AppError::forbidden());
        }
        match CallbackStatus::parse(&current.status) {
            Some(CallbackStatus::Planned | CallbackStatus::Missed) => {}
            _ => {
                return Err(AppError::invalid_state(
                    "This callback is made or cancelled already",
                ));
            }
        }
        let changed = callback::Entity::update_many()
            .col_expr(
                callback::Column::Status,
                Expr::value(CallbackStatus::Done.as_str()),
            )
            .col_expr(
                callback::Column::Outcome,
                Expr::value(completion.outcome.as_str()),
            )
            .col_expr(
                callback::Column::Satisfaction,
                Expr::value(completion.satisfaction),
            )
            .col_expr(callback::Column::Notes, Expr::value(notes.clone()))
            .col_expr(callback::Column::DoneAt, Expr::value(Some(now)))
            .col_expr(callback::Column::DoneBy, Expr::value(Some(viewer.user_id)))
            .col_expr(callback::Column::Version, Expr::value(current.version + 1))
            .col_expr(callback::Column::UpdatedAt, Expr::value(now))
            .filter(callback::Column::Id.eq(current.id))
            .filter(callback::Column::Version.eq(current.version))
            .exec(txn)
            .await?;
        if changed.rows_affected != 1 {
            return Err(AppError::conflict(current.version + 1));
        }
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "callback.completed",
            subject_type: "Callback",
            subject_id: current.id,
            details: serde_json::json!({"outcome": completion.outcome.as_str(),
                "satisfaction": completion.satisfaction}),
        }
        .record(txn, now)
        .await?;
        if let (Some(next), Some(title)) = (&completion.next_action, &title) {
            let activity = NewActivity {
                kind: next.kind,
                subject: (ActivitySubjectType::Customer, current.customer_id),
                title: title.clone(),
                note: None,
                due_at: next.due_at,
                remind_at: next.due_at,
                owner_id: viewer.user_id,
                client_id: None,
            };
            crate::activities::service::insert(txn, viewer, &activity, None, now).await?;
        }
        let mut told = Vec::new();
        if let Some(score) = completion.satisfaction.filter(|s| *s <= LOW_SATISFACTION) {
            told = warn_owner(txn, viewer, &current, score, now).await?;
        }
        Ok((current.id, told))
    })
    .await?;
    let fresh = matches!(outcome, idempotency::Outcome::Fresh(_));
    let (id, told) = outcome.into_inner();
    if fresh {
        notifications::announce_ids(state.events.as_ref(), &told);
    }
    callback::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

/// A low satisfaction: the contract's owner and their manager are told, and the owner gets an
/// activity to call the customer the next day. Returns the notifications written, by id and
/// user.
async fn warn_owner(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    made: &callback::Model,
    score: i32,
    now: DateTime<Utc>,
) -> AppResult<Vec<(Uuid, Uuid)>> {
    let Some(contract) = entity::contract::Entity::find_by_id(made.contract_id)
        .one(txn)
        .await?
    else {
        return Err(AppError::internal());
    };
    let customer: Option<String> = entity::customer::Entity::find_by_id(made.customer_id)
        .select_only()
        .column(entity::customer::Column::Name)
        .into_tuple()
        .one(txn)
        .await?;
    let customer = customer.unwrap_or_default();
    let mut recipients = vec![contract.owner_id];
    recipients.extend(crate::users::service::managers_of(txn, contract.owner_id).await?);
    recipients.sort_unstable();
    recipients.dedup();
    let mut told = Vec::new();
    for user_id in recipients {
        let notice = NewNotification {
            user_id,
            kind: "LOW_SATISFACTION",
            title: format!("Low satisfaction: {customer}"),
            body: format!(
                "{customer} gave {score} of 5 on the after-sales call for contract {}.",
                contract.number
            ),
            subject_type: Some("Callback"),
            subject_id: Some(made.id),
        };
        let written = notifications::notify(txn, notice, now).await?;
        told.push((written.id, written.user_id));
    }
    let due = now + chrono::Duration::days(1);
    let activity = NewActivity {
        kind: ActivityKind::Call,
        subject: (ActivitySubjectType::Customer, made.customer_id),
        title: format!("Call {customer}: satisfaction {score} of 5"),
        note: None,
        due_at: due,
        remind_at: due,
        owner_id: contract.owner_id,
        client_id: None,
    };
    crate::activities::service::insert(txn, viewer, &activity, None, now).await?;
    Ok(told)
}

/// A new day, or a new assignee, for a callback.
#[derive(Debug, Clone, Serialize)]
pub struct Rescheduling {
    pub id: Uuid,
    pub expected_version: i32,
    pub due_date: NaiveDate,
    pub assignee_id: Option<Uuid>,
}

/// Moves a planned or missed callback to a day from today on (planned again), and may hand it
/// to customer service or the contract's owner. Its assignee and admins may. Errors:
/// `NOT_FOUND`, `FORBIDDEN`, `BAD_USER_INPUT` (a past day, an assignee who cannot make it),
/// `CONFLICT`, `INVALID_STATE` (made or cancelled).
pub async fn reschedule(
    state: &AppState,
    viewer: &Viewer,
    change: Rescheduling,
) -> AppResult<callback::Model> {
    let now = state.clock.now();
    let today = state.config.company_today(now);
    if change.due_date < today {
        return Err(AppError::bad_input(
            "input.dueDate",
            "A callback is moved to today or later",
        ));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get(&txn, viewer, change.id)
        .await
        .map_err(|e| e.naming("input.id"))?;
    if current.assignee_id != viewer.user_id && !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    crate::versioned::check(change.expected_version, current.version)?;
    match CallbackStatus::parse(&current.status) {
        Some(CallbackStatus::Planned | CallbackStatus::Missed) => {}
        _ => {
            return Err(AppError::invalid_state(
                "This callback is made or cancelled already",
            ));
        }
    }
    let assignee = match change.assignee_id {
        Some(id) if id != current.assignee_id => {
            check_assignee(&txn, id, current.contract_id).await?;
            id
        }
        _ => current.assignee_id,
    };
    let changed = callback::Entity::update_many()
        .col_expr(
            callback::Column::Status,
            Expr::value(CallbackStatus::Planned.as_str()),
        )
        .col_expr(callback::Column::DueDate, Expr::value(change.due_date))
        .col_expr(callback::Column::AssigneeId, Expr::value(assignee))
        .col_expr(
            callback::Column::OverdueNotifiedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(callback::Column::Version, Expr::value(current.version + 1))
        .col_expr(callback::Column::UpdatedAt, Expr::value(now))
        .filter(callback::Column::Id.eq(current.id))
        .filter(callback::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::conflict(current.version + 1));
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "callback.rescheduled",
        subject_type: "Callback",
        subject_id: current.id,
        details: serde_json::json!({"from": current.due_date, "to": change.due_date,
            "assigneeId": assignee}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    callback::Entity::find_by_id(current.id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Who may take a contract's callback: an active member of customer service, or the
/// contract's owner. Errors: `BAD_USER_INPUT` on `input.assigneeId`.
async fn check_assignee(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    contract_id: Uuid,
) -> AppResult<()> {
    let owner = Query::select()
        .column(entity::contract::Column::OwnerId)
        .from(entity::contract::Entity)
        .and_where(entity::contract::Column::Id.eq(contract_id))
        .to_owned();
    let found = entity::user::Entity::find_by_id(user_id)
        .filter(entity::user::Column::Active.eq(true))
        .filter(
            Condition::any()
                .add(entity::user::Column::Role.eq(Role::Support.as_str()))
                .add(entity::user::Column::Id.in_subquery(owner)),
        )
        .one(db)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(AppError::bad_input(
            "input.assigneeId",
            "Customer service or the contract's owner makes its callbacks",
        )),
    }
}
