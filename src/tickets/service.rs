//! Tickets: opening, assigning, commenting, moving them through their states, reading them.
//!
//! Over 500 lines on purpose: the five writes of one record share private pieces that must not
//! be used around them (`for_work`: visible, worked by the caller, at the version read;
//! `write`: the version-guarded update; `record`: the history event every change leaves), and
//! the reads share `visible`. Split by operation, those would have to become crate-visible.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::model::{
    CommentVisibility, MAX_COMMENT, MAX_DESCRIPTION, MAX_SUBJECT, TicketCategory, TicketEventKind,
    TicketPriority, TicketStatus, allowed,
};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::input::{optional_text, required_text};
use crate::notifications::service::{self as notifications, NewNotification};
use crate::pagination::{self, Page, PageRequest, SortKey};
use crate::state::AppState;
use entity::{ticket, ticket_comment, ticket_event};

/// Tickets the viewer may see: those of the customers they see, and those given to them.
pub fn visible(viewer: &Viewer) -> Condition {
    Condition::any()
        .add(ticket::Column::AssigneeId.eq(viewer.user_id))
        .add(ticket::Column::CustomerId.in_subquery(crate::policy::visible_customer_ids(viewer)))
}

/// Whether the viewer works tickets (assigns them, moves them through their states).
fn works_tickets(viewer: &Viewer) -> bool {
    match viewer.role {
        Role::Support | Role::Admin => true,
        Role::SalesManager | Role::SalesRep | Role::Finance => false,
    }
}

/// One ticket the viewer may see. Errors: `NOT_FOUND` (missing or invisible alike).
pub async fn get(db: &impl ConnectionTrait, viewer: &Viewer, id: Uuid) -> AppResult<ticket::Model> {
    ticket::Entity::find_by_id(id)
        .filter(visible(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Ticket"))
}

/// The tickets among `ids` the viewer may see (for loaders).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<ticket::Model>> {
    Ok(ticket::Entity::find()
        .filter(ticket::Column::Id.is_in(ids.to_vec()))
        .filter(visible(viewer))
        .all(db)
        .await?)
}

/// The most tickets `Customer.tickets` lists per customer.
pub const PER_CUSTOMER: usize = 50;

/// The latest tickets of these customers the viewer may see, newest first, at most
/// [`PER_CUSTOMER`] each (for loaders).
pub async fn of_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    customers: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ticket::Model>>> {
    let rows = ticket::Entity::find()
        .filter(ticket::Column::CustomerId.is_in(customers.to_vec()))
        .filter(visible(viewer))
        .order_by_desc(ticket::Column::Id)
        .all(db)
        .await?;
    let mut grouped: HashMap<Uuid, Vec<ticket::Model>> = HashMap::new();
    for row in rows {
        let list = grouped.entry(row.customer_id).or_default();
        if list.len() < PER_CUSTOMER {
            list.push(row);
        }
    }
    Ok(grouped)
}

/// Filters of `tickets`.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub statuses: Option<Vec<TicketStatus>>,
    pub priorities: Option<Vec<TicketPriority>>,
    pub categories: Option<Vec<TicketCategory>>,
    pub customer_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub unassigned: bool,
    pub breached: bool,
}

/// The tickets the viewer may see matching `filter`, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: TicketFilter,
    page: &PageRequest,
) -> AppResult<Page<ticket::Model>> {
    use ticket::Column;
    let mut condition = Condition::all().add(visible(viewer));
    if let Some(list) = filter.statuses.filter(|s| !s.is_empty()) {
        condition = condition.add(Column::Status.is_in(list.iter().map(|s| s.as_str())));
    }
    if let Some(list) = filter.priorities.filter(|s| !s.is_empty()) {
        condition = condition.add(Column::Priority.is_in(list.iter().map(|s| s.as_str())));
    }
    if let Some(list) = filter.categories.filter(|s| !s.is_empty()) {
        condition = condition.add(Column::Category.is_in(list.iter().map(|s| s.as_str())));
    }
    if let Some(id) = filter.customer_id {
        condition = condition.add(Column::CustomerId.eq(id));
    }
    if let Some(id) = filter.assignee_id {
        condition = condition.add(Column::AssigneeId.eq(id));
    }
    if filter.unassigned {
        condition = condition.add(Column::AssigneeId.is_null());
    }
    if filter.breached {
        condition = condition.add(Column::EscalatedAt.is_not_null());
    }
    pagination::fetch_sorted(
        db,
        ticket::Entity::find().filter(condition),
        Column::Id,
        SortKey::Id,
        true,
        page,
        |_| 0,
        |t| t.id,
    )
    .await
}

/// The comments of these tickets, oldest first; internal ones only for staff who work tickets
/// or may change the customer (for loaders under visible tickets).
pub async fn comments_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<ticket_comment::Model>> {
    Ok(ticket_comment::Entity::find()
        .filter(ticket_comment::Column::TicketId.is_in(ids.to_vec()))
        .order_by_asc(ticket_comment::Column::Id)
        .all(db)
        .await?)
}

/// The history of these tickets, oldest first (for loaders under visible tickets).
pub async fn events_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<ticket_event::Model>> {
    Ok(ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.is_in(ids.to_vec()))
        .order_by_asc(ticket_event::Column::Id)
        .all(db)
        .await?)
}

/// Hours to resolve, by priority.
pub async fn sla(db: &impl ConnectionTrait) -> AppResult<HashMap<String, i32>> {
    Ok(entity::ticket_sla::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.priority, row.hours))
        .collect())
}

/// When a ticket of `priority` opened (or reopened) at `from` is due.
async fn due_at(
    db: &impl ConnectionTrait,
    priority: TicketPriority,
    from: DateTime<Utc>,
) -> AppResult<DateTime<Utc>> {
    let hours = sla(db)
        .await?
        .get(priority.as_str())
        .copied()
        .ok_or_else(AppError::internal)?;
    Ok(from + chrono::Duration::hours(i64::from(hours)))
}

/// Writes one event of a ticket's history.
#[allow(clippy::too_many_arguments)] // one column each
pub(super) async fn record(
    txn: &impl ConnectionTrait,
    ticket_id: Uuid,
    kind: TicketEventKind,
    change: (Option<TicketStatus>, Option<TicketStatus>),
    assignee: Option<Uuid>,
    actor: Option<Uuid>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    ticket_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(ticket_id),
        kind: Set(kind.as_str().to_owned()),
        from_status: Set(change.0.map(|s| s.as_str().to_owned())),
        to_status: Set(change.1.map(|s| s.as_str().to_owned())),
        assignee_id: Set(assignee),
        actor_id: Set(actor),
        note: Set(note),
        at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// A ticket as it is opened.
#[derive(Debug, Clone, Serialize)]
pub struct NewTicket {
    pub customer_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub subject: String,
    pub description: Option<String>,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub assignee_id: Option<Uuid>,
}

/// Checks that `assignee` works tickets: an active member of customer service (or an admin).
/// Errors: `BAD_USER_INPUT` on `input.assigneeId`.
async fn check_assignee(db: &impl ConnectionTrait, assignee: Uuid) -> AppResult<()> {
    let found = entity::user::Entity::find_by_id(assignee)
        .filter(entity::user::Column::Active.eq(true))
        .filter(entity::user::Column::Role.is_in([Role::Support.as_str(), Role::Admin.as_str()]))
        .one(db)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(AppError::bad_input(
            "input.assigneeId",
            "Tickets go to an active member of customer service",
        )),
    }
}

/// Opens a ticket on a customer the viewer sees: customer service and admins, and sellers for
/// their customers; customer service and admins may give it to someone at once. Its due time
/// is the priority's promised hours from now. Idempotent by key. Errors: `FORBIDDEN`
/// (finance), `NOT_FOUND` (customer, contact or contract), `BAD_USER_INPUT`,
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn open(
    state: &AppState,
    viewer: &Viewer,
    new: NewTicket,
    idempotency_key: Option<String>,
) -> AppResult<ticket::Model> {
    match viewer.role {
        Role::Finance => return Err(AppError::forbidden()),
        Role::SalesManager | Role::SalesRep if new.assignee_id.is_some() => {
            return Err(AppError::forbidden());
        }
        _ => {}
    }
    let mut problems = crate::input::Problems::default();
    let subject = problems.check(required_text(&new.subject, "input.subject", MAX_SUBJECT));
    let description = problems.check(optional_text(
        new.description.as_deref(),
        "input.description",
        MAX_DESCRIPTION,
    ));
    problems.finish()?;
    let (Some(subject), Some(description)) = (subject, description) else {
        return Err(AppError::internal());
    };
    let now = state.clock.now();
    let call = IdempotentCall::new(viewer.user_id, "openTicket", idempotency_key, &new)?;
    let mut announced = Vec::new();
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        crate::customers::service::get_customer(txn, viewer, new.customer_id)
            .await
            .map_err(|e| e.naming("input.customerId"))?;
        if let Some(contact) = new.contact_id {
            let belongs = entity::contact::Entity::find_by_id(contact)
                .filter(entity::contact::Column::CustomerId.eq(new.customer_id))
                .one(txn)
                .await?;
            if belongs.is_none() {
                return Err(AppError::not_found("Contact").naming("input.contactId"));
            }
        }
        if let Some(contract) = new.contract_id {
            let belongs = entity::contract::Entity::find_by_id(contract)
                .filter(entity::contract::Column::CustomerId.eq(new.customer_id))
                .filter(crate::policy::contracts(viewer))
                .one(txn)
                .await?;
            if belongs.is_none() {
                return Err(AppError::not_found("Contract").naming("input.contractId"));
            }
        }
        if let Some(assignee) = new.assignee_id {
            check_assignee(txn, assignee).await?;
        }
        let year = chrono::Datelike::year(&state.config.company_today(now));
        let seq = crate::numbering::next(txn, "TICKET", year).await?;
        let created = ticket::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(crate::numbering::format("T", year, seq)),
            customer_id: Set(new.customer_id),
            contact_id: Set(new.contact_id),
            contract_id: Set(new.contract_id),
            subject: Set(subject.clone()),
            description: Set(description.clone().unwrap_or_default()),
            category: Set(new.category.as_str().to_owned()),
            priority: Set(new.priority.as_str().to_owned()),
            status: Set(TicketStatus::Open.as_str().to_owned()),
            assignee_id: Set(new.assignee_id),
            opened_by: Set(viewer.user_id),
            due_at: Set(due_at(txn, new.priority, now).await?),
            resolved_at: Set(None),
            closed_at: Set(None),
            satisfaction: Set(None),
            escalated_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        let opened = (None, Some(TicketStatus::Open));
        record(
            txn,
            created.id,
            TicketEventKind::Opened,
            opened,
            None,
            Some(viewer.user_id),
            None,
            now,
        )
        .await?;
        if let Some(assignee) = new.assignee_id {
            record(
                txn,
                created.id,
                TicketEventKind::Assigned,
                (None, None),
                Some(assignee),
                Some(viewer.user_id),
                None,
                now,
            )
            .await?;
            if assignee != viewer.user_id {
                announced.push(tell_assignee(txn, &created, assignee, now).await?);
            }
        }
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "ticket.opened",
            subject_type: "Ticket",
            subject_id: created.id,
            details: serde_json::json!({"number": created.number, "priority": created.priority}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?;
    let fresh = matches!(outcome, idempotency::Outcome::Fresh(_));
    let id = outcome.into_inner();
    if fresh {
        notifications::announce(state.events.as_ref(), &announced);
    }
    ticket::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

async fn tell_assignee(
    txn: &impl ConnectionTrait,
    found: &ticket::Model,
    assignee: Uuid,
    now: DateTime<Utc>,
) -> AppResult<entity::notification::Model> {
    notifications::notify(
        txn,
        NewNotification {
            user_id: assignee,
            kind: "TICKET_ASSIGNED",
            title: format!("Ticket {}: {}", found.number, found.subject),
            body: format!("Ticket {} ({}) is yours.", found.number, found.priority),
            subject_type: Some("Ticket"),
            subject_id: Some(found.id),
        },
        now,
    )
    .await
}

/// The ticket at `expected_version`, locked for a change by someone who works tickets.
/// Errors: `NOT_FOUND`, `FORBIDDEN`, `CONFLICT`.
async fn for_work(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
) -> AppResult<ticket::Model> {
    let found = get(txn, viewer, id)
        .await
        .map_err(|e| e.naming("input.id"))?;
    if !works_tickets(viewer) {
        return Err(AppError::forbidden());
    }
    crate::versioned::check(expected_version, found.version)?;
    Ok(found)
}

/// Writes `changes` to a ticket read at `current`, guarded by its version.
async fn write(
    txn: &impl ConnectionTrait,
    current: &ticket::Model,
    mut changes: ticket::ActiveModel,
    now: DateTime<Utc>,
) -> AppResult<ticket::Model> {
    changes.version = Set(current.version + 1);
    changes.updated_at = Set(now);
    let updated = ticket::Entity::update_many()
        .set(changes)
        .filter(ticket::Column::Id.eq(current.id))
        .filter(ticket::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::conflict(current.version + 1));
    }
    ticket::Entity::find_by_id(current.id)
        .one(txn)
        .await?
        .ok_or_else(AppError::internal)
}

/// Gives a ticket to a member of customer service (customer service and admins). Errors:
/// `NOT_FOUND`, `FORBIDDEN`, `CONFLICT`, `BAD_USER_INPUT` (an assignee who does not work
/// tickets).
pub async fn assign(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    assignee: Uuid,
) -> AppResult<ticket::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = for_work(&txn, viewer, id, expected_version).await?;
    check_assignee(&txn, assignee).await?;
    let changed = write(
        &txn,
        &current,
        ticket::ActiveModel {
            assignee_id: Set(Some(assignee)),
            ..Default::default()
        },
        now,
    )
    .await?;
    record(
        &txn,
        id,
        TicketEventKind::Assigned,
        (None, None),
        Some(assignee),
        Some(viewer.user_id),
        None,
        now,
    )
    .await?;
    let mut told = Vec::new();
    if assignee != viewer.user_id {
        told.push(tell_assignee(&txn, &changed, assignee, now).await?);
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &told);
    Ok(changed)
}

/// A status change.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub id: Uuid,
    pub expected_version: i32,
    pub status: TicketStatus,
    pub note: Option<String>,
    pub satisfaction: Option<i32>,
}

/// Moves a ticket through its states (customer service and admins); every change is an event
/// of its history. Reopening (`OPEN` from resolved or closed) starts its promised time again.
/// A satisfaction (1–5) may be given when it is resolved or closed. Errors: `NOT_FOUND`,
/// `FORBIDDEN`, `CONFLICT`, `INVALID_STATE` (a move the state machine forbids, such as
/// `CLOSED → IN_PROGRESS` without reopening), `BAD_USER_INPUT` (note, satisfaction).
pub async fn change_status(
    state: &AppState,
    viewer: &Viewer,
    change: StatusChange,
) -> AppResult<ticket::Model> {
    let note = optional_text(change.note.as_deref(), "input.note", MAX_COMMENT)?;
    let closing = matches!(change.status, TicketStatus::Resolved | TicketStatus::Closed);
    if let Some(given) = change.satisfaction
        && (!closing || !crate::aftersales::model::SATISFACTION.contains(&given))
    {
        return Err(AppError::bad_input(
            "input.satisfaction",
            "Satisfaction is 1 to 5, given when a ticket is resolved or closed",
        ));
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = for_work(&txn, viewer, change.id, change.expected_version).await?;
    let from = TicketStatus::parse(&current.status).ok_or_else(AppError::internal)?;
    if !allowed(from, change.status) {
        return Err(AppError::invalid_state(format!(
            "A {} ticket cannot become {} (reopen it first)",
            from.as_str(),
            change.status.as_str()
        )));
    }
    let reopening = change.status == TicketStatus::Open;
    let mut changes = ticket::ActiveModel {
        status: Set(change.status.as_str().to_owned()),
        ..Default::default()
    };
    match change.status {
        TicketStatus::Resolved => changes.resolved_at = Set(Some(now)),
        TicketStatus::Closed => {
            changes.closed_at = Set(Some(now));
            if current.resolved_at.is_none() {
                changes.resolved_at = Set(Some(now));
            }
        }
        TicketStatus::Open => {
            let priority =
                TicketPriority::parse(&current.priority).ok_or_else(AppError::internal)?;
            changes.resolved_at = Set(None);
            changes.closed_at = Set(None);
            changes.escalated_at = Set(None);
            changes.due_at = Set(due_at(&txn, priority, now).await?);
        }
        TicketStatus::InProgress | TicketStatus::WaitingCustomer => {}
    }
    if change.satisfaction.is_some() {
        changes.satisfaction = Set(change.satisfaction);
    }
    let changed = write(&txn, &current, changes, now).await?;
    let kind = if reopening {
        TicketEventKind::Reopened
    } else {
        TicketEventKind::StatusChanged
    };
    record(
        &txn,
        current.id,
        kind,
        (Some(from), Some(change.status)),
        None,
        Some(viewer.user_id),
        note,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(changed)
}

/// Comments on a ticket: customer service and admins, and sellers who may change the customer
/// (its owner's side). Errors: `NOT_FOUND`, `FORBIDDEN` (finance), `BAD_USER_INPUT` (the body).
pub async fn comment(
    state: &AppState,
    viewer: &Viewer,
    ticket_id: Uuid,
    body: &str,
    visibility: CommentVisibility,
) -> AppResult<ticket_comment::Model> {
    let body = required_text(body, "input.body", MAX_COMMENT)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let found = get(&txn, viewer, ticket_id)
        .await
        .map_err(|e| e.naming("input.ticketId"))?;
    let may = match viewer.role {
        Role::Support | Role::Admin => true,
        Role::SalesManager | Role::SalesRep => {
            entity::customer::Entity::find_by_id(found.customer_id)
                .filter(crate::policy::customers(viewer))
                .one(&txn)
                .await?
                .is_some()
        }
        Role::Finance => false,
    };
    if !may {
        return Err(AppError::forbidden());
    }
    let created = ticket_comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(found.id),
        author_id: Set(viewer.user_id),
        body: Set(body),
        visibility: Set(visibility.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    ticket::Entity::update_many()
        .col_expr(ticket::Column::UpdatedAt, Expr::value(now))
        .filter(ticket::Column::Id.eq(found.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(created)
}

/// Sets the promised hours of each priority named (admins); open tickets keep their due time.
/// Errors: `FORBIDDEN`, `BAD_USER_INPUT` (1 to 8760 hours).
pub async fn set_sla(
    state: &AppState,
    viewer: &Viewer,
    hours: Vec<(TicketPriority, i32)>,
) -> AppResult<HashMap<String, i32>> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    let mut problems = crate::input::Problems::default();
    for (i, (_, given)) in hours.iter().enumerate() {
        if !(1..=super::model::MAX_SLA_HOURS).contains(given) {
            problems.check::<()>(Err(AppError::bad_input(
                format!("input.targets.{i}.hours"),
                "1 to 8760 hours",
            )));
        }
    }
    problems.finish()?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    for (priority, given) in &hours {
        entity::ticket_sla::Entity::update_many()
            .col_expr(entity::ticket_sla::Column::Hours, Expr::value(*given))
            .col_expr(entity::ticket_sla::Column::UpdatedAt, Expr::value(now))
            .filter(entity::ticket_sla::Column::Priority.eq(priority.as_str()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    sla(&state.db).await
}
