//! Handing a person's book to another when they leave or change territory: their open leads,
//! customers, open deals (with their revenue shares), live contracts, planned visits and open
//! activities move
//! in one transaction, at most once per idempotency key, with the history kept, both people and
//! their managers told, and the hand-over audited.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use entity::{
    activity, contract, customer, lead, opportunity, ownership_transfer, user, visit_task,
};

/// What a hand-over covers.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Coverage {
    pub leads: bool,
    pub customers: bool,
    pub opportunities: bool,
    pub contracts: bool,
    pub visits: bool,
    pub activities: bool,
}

impl Coverage {
    fn names(self) -> String {
        [
            (self.leads, "leads"),
            (self.customers, "customers"),
            (self.opportunities, "opportunities"),
            (self.contracts, "contracts"),
            (self.visits, "visits"),
            (self.activities, "activities"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name)
        .collect::<Vec<_>>()
        .join(",")
    }
}

/// Deal ids per `UPDATE … IN (…)`: far below every backend's limit on parameters.
const CHUNK: usize = 1000;

/// A person the viewer hands over from or to: admins name anyone, managers people of the
/// teams they manage; anyone else answers `NOT_FOUND` on `field`, exactly like a missing id.
async fn person(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    field: &str,
) -> AppResult<user::Model> {
    match user::Entity::find_by_id(id).one(db).await? {
        Some(found) if viewer.is_admin() || viewer.manages(found.team_id) => Ok(found),
        _ => Err(AppError::not_found("User").with_field(field)),
    }
}

/// Hands `from`'s records of the covered kinds to `to` (open ones, or all with
/// `include_closed`; visits only while planned). Errors: `FORBIDDEN` (reps, finance),
/// `NOT_FOUND` on `input.fromUserId`/`input.toUserId`, `BAD_USER_INPUT` on `input.toUserId`
/// (the same person, inactive, or not a seller), `IDEMPOTENCY_KEY_REUSED`.
pub async fn transfer(
    state: &AppState,
    viewer: &Viewer,
    from: Uuid,
    to: Uuid,
    coverage: Coverage,
    include_closed: bool,
    idempotency_key: Option<String>,
) -> AppResult<ownership_transfer::Model> {
    if !matches!(viewer.role, Role::Admin | Role::SalesManager) {
        return Err(AppError::forbidden());
    }
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "transferOwnership",
        idempotency_key,
        &(from, to, coverage, include_closed),
    )?;
    let mut written = Vec::new();
    let outcome = idempotency::run(&state.db, &call, now, async |txn| {
        person(txn, viewer, from, "input.fromUserId").await?;
        let receiver = person(txn, viewer, to, "input.toUserId").await?;
        if from == to {
            return Err(AppError::bad_input(
                "input.toUserId",
                "Hand the records to someone else",
            ));
        }
        if !receiver.active {
            return Err(AppError::bad_input(
                "input.toUserId",
                "The receiver's account is inactive",
            ));
        }
        if receiver.role != Role::SalesRep.as_str() && receiver.role != Role::SalesManager.as_str()
        {
            return Err(AppError::bad_input(
                "input.toUserId",
                "Records go to a sales rep or manager",
            ));
        }
        let moved = move_records(txn, from, to, coverage, include_closed, now).await?;
        // The giver's view shrank by any number of records: their phone syncs afresh.
        crate::sync::scope_changed(txn, Some(from), None, now).await?;
        let done = ownership_transfer::ActiveModel {
            id: Set(Uuid::now_v7()),
            from_user_id: Set(from),
            to_user_id: Set(to),
            scope: Set(coverage.names()),
            include_closed: Set(include_closed),
            leads: Set(moved.leads),
            customers: Set(moved.customers),
            opportunities: Set(moved.opportunities),
            contracts: Set(moved.contracts),
            visits: Set(moved.visits),
            activities: Set(moved.activities),
            created_by: Set(viewer.user_id),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "ownership.transferred",
            subject_type: "User",
            subject_id: from,
            details: serde_json::json!({
                "transferId": done.id, "to": to, "scope": done.scope, "includeClosed": include_closed,
                "leads": moved.leads, "customers": moved.customers, "opportunities": moved.opportunities,
                "contracts": moved.contracts, "visits": moved.visits,
                "activities": moved.activities,
            }),
        }
        .record(txn, now)
        .await?;
        written = notify(txn, viewer, from, to, &done, now).await?;
        Ok(done.id)
    })
    .await?;
    if let idempotency::Outcome::Fresh(_) = &outcome {
        notifications::announce(state.events.as_ref(), &written);
    }
    let id = outcome.into_inner();
    ownership_transfer::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

/// How many records of each kind moved.
#[derive(Debug, Default)]
struct Moved {
    leads: i64,
    customers: i64,
    opportunities: i64,
    contracts: i64,
    visits: i64,
    activities: i64,
}

fn count(rows: u64) -> i64 {
    i64::try_from(rows).unwrap_or(i64::MAX)
}

async fn move_records(
    txn: &impl ConnectionTrait,
    from: Uuid,
    to: Uuid,
    coverage: Coverage,
    include_closed: bool,
    now: DateTime<Utc>,
) -> AppResult<Moved> {
    let mut moved = Moved::default();
    if coverage.leads {
        let mut update = lead::Entity::update_many()
            .col_expr(lead::Column::OwnerId, Expr::value(Some(to)))
            .col_expr(
                lead::Column::Version,
                Expr::col(lead::Column::Version).add(1),
            )
            .col_expr(lead::Column::UpdatedAt, Expr::value(now))
            .filter(lead::Column::OwnerId.eq(from));
        if !include_closed {
            update = update.filter(lead::Column::Status.is_not_in(["CONVERTED", "DISQUALIFIED"]));
        }
        moved.leads = count(update.exec(txn).await?.rows_affected);
    }
    if coverage.customers {
        let update = customer::Entity::update_many()
            .col_expr(customer::Column::OwnerId, Expr::value(to))
            .col_expr(
                customer::Column::Version,
                Expr::col(customer::Column::Version).add(1),
            )
            .col_expr(customer::Column::UpdatedAt, Expr::value(now))
            .filter(customer::Column::OwnerId.eq(from));
        moved.customers = count(update.exec(txn).await?.rows_affected);
    }
    if coverage.opportunities {
        let mut deals = opportunity::Entity::find()
            .select_only()
            .column(opportunity::Column::Id)
            .filter(opportunity::Column::OwnerId.eq(from));
        if !include_closed {
            deals = deals.filter(opportunity::Column::Status.eq("OPEN"));
        }
        let ids: Vec<Uuid> = deals.into_tuple().all(txn).await?;
        for chunk in ids.chunks(CHUNK) {
            opportunity::Entity::update_many()
                .col_expr(opportunity::Column::OwnerId, Expr::value(to))
                .col_expr(
                    opportunity::Column::Version,
                    Expr::col(opportunity::Column::Version).add(1),
                )
                .col_expr(opportunity::Column::UpdatedAt, Expr::value(now))
                .filter(opportunity::Column::Id.is_in(chunk.to_vec()))
                .exec(txn)
                .await?;
            crate::opportunities::splits::hand_over_shares(txn, chunk, from, to, now).await?;
        }
        moved.opportunities = count(ids.len() as u64);
    }
    if coverage.contracts {
        let mut update = contract::Entity::update_many()
            .col_expr(contract::Column::OwnerId, Expr::value(to))
            .col_expr(
                contract::Column::Version,
                Expr::col(contract::Column::Version).add(1),
            )
            .col_expr(contract::Column::UpdatedAt, Expr::value(now))
            .filter(contract::Column::OwnerId.eq(from));
        if !include_closed {
            update = update.filter(contract::Column::Status.is_not_in([
                "COMPLETED",
                "CANCELLED",
                "REJECTED",
            ]));
        }
        moved.contracts = count(update.exec(txn).await?.rows_affected);
    }
    if coverage.visits {
        // A visit made belongs to who made it: only planned ones change hands.
        let update = visit_task::Entity::update_many()
            .col_expr(visit_task::Column::AssigneeId, Expr::value(to))
            .col_expr(
                visit_task::Column::Version,
                Expr::col(visit_task::Column::Version).add(1),
            )
            .col_expr(visit_task::Column::UpdatedAt, Expr::value(now))
            .filter(visit_task::Column::AssigneeId.eq(from))
            .filter(visit_task::Column::Status.eq("PLANNED"));
        moved.visits = count(update.exec(txn).await?.rows_affected);
    }
    if coverage.activities {
        // A to-do done was done by its owner: only open ones change hands.
        let update = activity::Entity::update_many()
            .col_expr(activity::Column::OwnerId, Expr::value(to))
            .col_expr(
                activity::Column::Version,
                Expr::col(activity::Column::Version).add(1),
            )
            .col_expr(activity::Column::UpdatedAt, Expr::value(now))
            .filter(activity::Column::OwnerId.eq(from))
            .filter(activity::Column::Done.eq(false));
        moved.activities = count(update.exec(txn).await?.rows_affected);
    }
    Ok(moved)
}

/// Tells the giver, the receiver and their managers what moved.
async fn notify(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    from: Uuid,
    to: Uuid,
    done: &ownership_transfer::Model,
    now: DateTime<Utc>,
) -> AppResult<Vec<entity::notification::Model>> {
    let mut people: BTreeSet<Uuid> = [from, to].into_iter().collect();
    people.extend(crate::users::service::managers_of(txn, from).await?);
    people.extend(crate::users::service::managers_of(txn, to).await?);
    people.remove(&viewer.user_id);
    let body = format!(
        "{} leads, {} customers, {} deals, {} contracts, {} planned visits and {} open activities \
         changed hands.",
        done.leads,
        done.customers,
        done.opportunities,
        done.contracts,
        done.visits,
        done.activities
    );
    let mut written = Vec::new();
    for user_id in people {
        let notice = NewNotification {
            user_id,
            kind: "OWNERSHIP_TRANSFERRED",
            title: "Records handed over".to_owned(),
            body: body.clone(),
            subject_type: Some("User"),
            subject_id: Some(if user_id == from { to } else { from }),
        };
        written.push(notifications::notify(txn, notice, now).await?);
    }
    Ok(written)
}
