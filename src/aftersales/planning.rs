//! Planning callbacks: each active rule's callback of a contract, written once, in the
//! transaction of what makes it due (a signing, a delivery) or by the back-fill sweep.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::model::{CallbackAnchor, CallbackAssignment, CallbackStatus};
use crate::error::AppResult;
use crate::identity::Role;
use entity::{callback, callback_rule, contract};

/// The active rules, in order.
pub async fn active_rules(db: &impl ConnectionTrait) -> AppResult<Vec<callback_rule::Model>> {
    Ok(callback_rule::Entity::find()
        .filter(callback_rule::Column::Active.eq(true))
        .order_by_asc(callback_rule::Column::Position)
        .all(db)
        .await?)
}

/// Hands callbacks to customer service, the member with the fewest planned callbacks first;
/// to the contract's owner when nobody active is in customer service.
pub struct Assigner {
    /// Active customer-service members with their planned callbacks, fewest first.
    loads: Vec<(u64, Uuid)>,
}

impl Assigner {
    /// Reads customer service's members and their loads (two statements).
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<Self> {
        let members = crate::users::service::active_with_role(db, Role::Support).await?;
        let counts: Vec<(Uuid, i64)> = callback::Entity::find()
            .select_only()
            .column(callback::Column::AssigneeId)
            .column_as(callback::Column::Id.count(), "planned")
            .filter(callback::Column::Status.eq(CallbackStatus::Planned.as_str()))
            .filter(callback::Column::AssigneeId.is_in(members.clone()))
            .group_by(callback::Column::AssigneeId)
            .into_tuple()
            .all(db)
            .await?;
        let counts: HashMap<Uuid, i64> = counts.into_iter().collect();
        let mut loads: Vec<(u64, Uuid)> = members
            .into_iter()
            .map(|id| {
                let planned = counts.get(&id).copied().unwrap_or(0);
                (u64::try_from(planned).unwrap_or(0), id)
            })
            .collect();
        loads.sort_unstable();
        Ok(Self { loads })
    }

    /// Who makes a callback of `rule` on a contract owned by `owner`.
    pub fn assignee(&mut self, rule: &callback_rule::Model, owner: Uuid) -> Uuid {
        let to_support =
            CallbackAssignment::parse(&rule.assign_to) != Some(CallbackAssignment::Owner);
        match self.loads.first_mut() {
            Some(first) if to_support => {
                first.0 += 1;
                let chosen = first.1;
                self.loads.sort_unstable();
                chosen
            }
            _ => owner,
        }
    }
}

/// Whom a contract's callbacks ask for: its deal's contact, else the customer's first contact.
async fn contact_of(db: &impl ConnectionTrait, found: &contract::Model) -> AppResult<Option<Uuid>> {
    if let Some(deal) = found.opportunity_id {
        let contact: Option<Option<Uuid>> = entity::opportunity::Entity::find_by_id(deal)
            .select_only()
            .column(entity::opportunity::Column::ContactId)
            .into_tuple()
            .one(db)
            .await?;
        if let Some(Some(contact)) = contact {
            return Ok(Some(contact));
        }
    }
    Ok(entity::contact::Entity::find()
        .select_only()
        .column(entity::contact::Column::Id)
        .filter(entity::contact::Column::CustomerId.eq(found.customer_id))
        .order_by_asc(entity::contact::Column::Id)
        .into_tuple()
        .one(db)
        .await?)
}

/// What a plan counts from, and the day it is planned on.
#[derive(Debug, Clone, Copy)]
pub struct Anchor {
    pub kind: CallbackAnchor,
    pub day: NaiveDate,
    /// The company's today.
    pub today: NaiveDate,
    /// Days after its due day a callback is still made (older ones are not planned).
    pub grace_days: i64,
}

/// The due day of `rule` from `anchor`, if it can still be made.
fn due_day(rule: &callback_rule::Model, anchor: &Anchor) -> Option<NaiveDate> {
    let due = anchor.day + chrono::Duration::days(i64::from(rule.offset_days));
    (due + chrono::Duration::days(anchor.grace_days) >= anchor.today).then_some(due)
}

/// Plans `found`'s callbacks from `anchor` inside the caller's transaction: every active rule's
/// callback that does not exist yet is written (once per rule and contract, whatever runs at
/// the same time), and callbacks still planned from an earlier anchor move to this one (a
/// delivery after the signing). Callbacks already past their grace period are not planned.
/// Returns how many were written.
pub async fn plan(
    txn: &impl ConnectionTrait,
    found: &contract::Model,
    anchor: Anchor,
    rules: &[callback_rule::Model],
    assigner: &mut Assigner,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let existing: HashMap<Uuid, callback::Model> = callback::Entity::find()
        .filter(callback::Column::ContractId.eq(found.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.rule_id, c))
        .collect();
    let mut contact = None;
    let mut written = 0;
    for rule in rules {
        let Some(due) = due_day(rule, &anchor) else {
            continue;
        };
        if let Some(planned) = existing.get(&rule.id) {
            let moves = planned.status == CallbackStatus::Planned.as_str()
                && (planned.anchor != anchor.kind.as_str() || planned.anchor_date < anchor.day);
            if moves {
                callback::Entity::update_many()
                    .col_expr(callback::Column::Anchor, Expr::value(anchor.kind.as_str()))
                    .col_expr(callback::Column::AnchorDate, Expr::value(anchor.day))
                    .col_expr(callback::Column::DueDate, Expr::value(due))
                    .col_expr(
                        callback::Column::OverdueNotifiedAt,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .col_expr(callback::Column::Version, Expr::value(planned.version + 1))
                    .col_expr(callback::Column::UpdatedAt, Expr::value(now))
                    .filter(callback::Column::Id.eq(planned.id))
                    .filter(callback::Column::Version.eq(planned.version))
                    .exec(txn)
                    .await?;
            }
            continue;
        }
        if contact.is_none() {
            contact = Some(contact_of(txn, found).await?);
        }
        let row = callback::ActiveModel {
            id: Set(Uuid::now_v7()),
            rule_id: Set(rule.id),
            contract_id: Set(found.id),
            customer_id: Set(found.customer_id),
            contact_id: Set(contact.flatten()),
            anchor: Set(anchor.kind.as_str().to_owned()),
            anchor_date: Set(anchor.day),
            due_date: Set(due),
            assignee_id: Set(assigner.assignee(rule, found.owner_id)),
            status: Set(CallbackStatus::Planned.as_str().to_owned()),
            outcome: Set(None),
            satisfaction: Set(None),
            notes: Set(None),
            done_at: Set(None),
            done_by: Set(None),
            overdue_notified_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let inserted = callback::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([callback::Column::ContractId, callback::Column::RuleId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        written += inserted;
    }
    Ok(written)
}

/// The day a contract's callbacks count from: its last delivery, else its signing.
pub async fn anchor_of(
    db: &impl ConnectionTrait,
    found: &contract::Model,
) -> AppResult<Option<(CallbackAnchor, NaiveDate)>> {
    let delivered: Option<Option<NaiveDate>> = entity::delivery::Entity::find()
        .select_only()
        .column_as(entity::delivery::Column::DeliveredOn.max(), "last")
        .filter(entity::delivery::Column::ContractId.eq(found.id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(match (delivered.flatten(), found.signed_date) {
        (Some(day), _) => Some((CallbackAnchor::Delivered, day)),
        (None, Some(day)) => Some((CallbackAnchor::Signed, day)),
        (None, None) => None,
    })
}

/// Cancels the planned (and missed) callbacks of rules turned off, in the caller's
/// transaction.
pub async fn cancel_for_rules(
    txn: &impl ConnectionTrait,
    rule_ids: Vec<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(callback::Entity::update_many()
        .col_expr(
            callback::Column::Status,
            Expr::value(CallbackStatus::Cancelled.as_str()),
        )
        .col_expr(
            callback::Column::Version,
            Expr::col(callback::Column::Version).add(1),
        )
        .col_expr(callback::Column::UpdatedAt, Expr::value(now))
        .filter(callback::Column::RuleId.is_in(rule_ids))
        .filter(callback::Column::Status.is_in([
            CallbackStatus::Planned.as_str(),
            CallbackStatus::Missed.as_str(),
        ]))
        .exec(txn)
        .await?
        .rows_affected)
}
