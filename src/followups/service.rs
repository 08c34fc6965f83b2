//! Logging follow-ups.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use uuid::Uuid;

use super::model::FollowUpKind;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::follow_up::{self, Entity as FollowUps};

/// What a follow-up is logged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Subject {
    Lead(Uuid),
    Customer(Uuid),
    Opportunity(Uuid),
}

/// A follow-up to log.
#[derive(Debug, Clone, Serialize)]
pub struct NewFollowUp {
    pub subject: Subject,
    pub kind: FollowUpKind,
    pub content: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
    /// The id the client chose for the follow-up.
    pub client_id: Option<Uuid>,
}

/// How far in the future a device clock may put `occurredAt`.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// Logs a follow-up on a lead or customer the caller may work. Idempotent by key.
/// Errors: `FORBIDDEN` (finance), `NOT_FOUND`, `BAD_USER_INPUT`, `INVALID_STATE` (pool,
/// converted or disqualified lead), `IDEMPOTENCY_KEY_REUSED`.
pub async fn log_follow_up(
    state: &AppState,
    viewer: &Viewer,
    new: NewFollowUp,
    idempotency_key: Option<String>,
) -> AppResult<follow_up::Model> {
    if !viewer.role.sells() {
        return Err(AppError::forbidden());
    }
    let key = crate::ids::create_key(idempotency_key, new.client_id);
    let call = IdempotentCall::new(viewer.user_id, "logFollowUp", key, &new)?;
    let now = state.clock.now();
    // Every problem of the input's own fields at once.
    let mut problems = crate::input::Problems::default();
    let content = problems.check(crate::input::required_text(
        &new.content,
        "input.content",
        5000,
    ));
    let occurred_at = new.occurred_at.unwrap_or(now);
    if occurred_at > now + CLOCK_SKEW {
        problems.check::<()>(Err(AppError::bad_input(
            "input.occurredAt",
            "A follow-up cannot lie in the future",
        )));
    }
    if new
        .next_follow_up_at
        .is_some_and(|next| next <= occurred_at)
    {
        problems.check::<()>(Err(AppError::bad_input(
            "input.nextFollowUpAt",
            "The next follow-up must come after this one",
        )));
    }
    problems.finish()?;
    let Some(content) = content else {
        return Err(AppError::internal());
    };
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let (subject_type, subject_id, lead_id, customer_id) = match new.subject {
            Subject::Lead(id) => {
                let lead =
                    crate::leads::service::record_follow_up(state, txn, viewer, id, occurred_at, now)
                        .await?;
                ("LEAD", id, Some(id), lead.converted_customer_id)
            }
            Subject::Customer(id) => {
                crate::customers::service::get_customer(txn, viewer, id).await?;
                ("CUSTOMER", id, None, Some(id))
            }
            Subject::Opportunity(id) => {
                let deal =
                    crate::opportunities::service::opportunity_for_change(txn, viewer, id).await?;
                ("OPPORTUNITY", id, None, Some(deal.customer_id))
            }
        };
        idempotency::check_client_id::<follow_up::Entity>(txn, new.client_id).await?;
        let created = follow_up::ActiveModel {
            id: Set(crate::ids::new_id(new.client_id)),
            subject_type: Set(subject_type.to_owned()),
            subject_id: Set(subject_id),
            lead_id: Set(lead_id),
            customer_id: Set(customer_id),
            author_id: Set(viewer.user_id),
            kind: Set(new.kind.as_str().to_owned()),
            content: Set(content),
            occurred_at: Set(occurred_at),
            next_follow_up_at: Set(new.next_follow_up_at),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        crate::audit::Entry { actor_id: Some(viewer.user_id), action: "follow_up.logged", subject_type: "FollowUp", subject_id: created.id, details: serde_json::json!({"subjectType": subject_type, "subjectId": subject_id, "kind": created.kind}) }.record(txn, now)
        .await?;
        crate::activities::service::schedule_next(
            txn,
            viewer,
            &created,
            state.config.activity_reminder_minutes,
            now,
        )
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    FollowUps::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)
}

/// Logs the follow-up of a finished visit inside its transaction: a `VISIT` on the customer,
/// also shown on the visit's open lead, whose engagement and pool deadline it renews. A lead the
/// rep can no longer work (converted, returned to the pool) only loses that renewal.
#[allow(clippy::too_many_arguments)] // one visit's facts, each needed once
pub(crate) async fn log_visit(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    author: &Viewer,
    customer_id: Uuid,
    lead_id: Option<Uuid>,
    content: String,
    occurred_at: DateTime<Utc>,
    next_follow_up_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<follow_up::Model> {
    if let Some(lead) = lead_id {
        match crate::leads::service::record_follow_up(state, txn, author, lead, occurred_at, now)
            .await
        {
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.code,
                    crate::error::ErrorCode::NotFound | crate::error::ErrorCode::InvalidState
                ) => {}
            Err(err) => return Err(err),
        }
    }
    let created = follow_up::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_type: Set("CUSTOMER".to_owned()),
        subject_id: Set(customer_id),
        lead_id: Set(lead_id),
        customer_id: Set(Some(customer_id)),
        author_id: Set(author.user_id),
        kind: Set(FollowUpKind::Visit.as_str().to_owned()),
        content: Set(content),
        occurred_at: Set(occurred_at),
        next_follow_up_at: Set(next_follow_up_at),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    crate::audit::Entry { actor_id: Some(author.user_id), action: "follow_up.logged", subject_type: "FollowUp", subject_id: created.id, details: serde_json::json!({"subjectType": "CUSTOMER", "subjectId": customer_id, "kind": created.kind}) }.record(txn, now)
    .await?;
    crate::activities::service::schedule_next(
        txn,
        author,
        &created,
        state.config.activity_reminder_minutes,
        now,
    )
    .await?;
    Ok(created)
}

/// The newest follow-up of each of these customers (for loaders under visible customers).
pub async fn latest_of_customers(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<follow_up::Model>> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let newest = newest_of(Expr::col((FollowUps, follow_up::Column::CustomerId)));
    Ok(FollowUps::find()
        .filter(follow_up::Column::CustomerId.is_in(ids.to_vec()))
        .filter(Expr::col((FollowUps, follow_up::Column::Id)).eq(Expr::from(newest)))
        .all(db)
        .await?)
}

/// Which parent a batch of follow-ups is loaded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    Lead,
    Customer,
}

/// A page of follow-ups of each of these leads or customers, newest first (for lists under
/// visible records).
pub async fn follow_ups_pages(
    db: &impl ConnectionTrait,
    parent: Parent,
    ids: &[Uuid],
    request: &crate::pagination::PageRequest,
) -> AppResult<HashMap<Uuid, crate::pagination::Page<follow_up::Model>>> {
    use crate::pagination::{Keyset, SortKey, children, time_value};
    let column = match parent {
        Parent::Lead => follow_up::Column::LeadId,
        Parent::Customer => follow_up::Column::CustomerId,
    };
    let keyset = Keyset::new(
        follow_up::Column::Id,
        SortKey::Time(follow_up::Column::OccurredAt),
        true,
    );
    let select = FollowUps::find().filter(column.is_in(ids.to_vec()));
    children::fetch_needed_models(
        db,
        select,
        column,
        &keyset,
        request,
        |f| time_value(f.occurred_at),
        |f| f.id,
    )
    .await
}

/// Attaches a converted lead's follow-ups to its customer.
pub(crate) async fn move_to_customer(
    db: &impl ConnectionTrait,
    lead_id: Uuid,
    customer_id: Uuid,
) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
    FollowUps::update_many()
        .col_expr(
            follow_up::Column::CustomerId,
            Expr::value(Some(customer_id)),
        )
        .filter(follow_up::Column::LeadId.eq(lead_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A follow-up whose lead or customer the viewer may see. Errors: `NOT_FOUND`.
pub async fn get_follow_up(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<follow_up::Model> {
    let item = FollowUps::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Follow-up"))?;
    let visible = match item.subject_type.as_str() {
        "LEAD" => crate::leads::service::get_lead(db, viewer, item.subject_id)
            .await
            .is_ok(),
        "CUSTOMER" => crate::customers::service::get_customer(db, viewer, item.subject_id)
            .await
            .is_ok(),
        "OPPORTUNITY" => {
            crate::opportunities::service::get_opportunity(db, viewer, item.subject_id)
                .await
                .is_ok()
        }
        _ => false,
    };
    if visible {
        Ok(item)
    } else {
        Err(AppError::not_found("Follow-up"))
    }
}

/// The id of the newest follow-up of the customer `customer` (an expression of the outer
/// query) as a scalar subquery: one indexed probe per customer.
pub fn newest_of(customer: sea_orm::sea_query::Expr) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    let newer = Alias::new("newer");
    Query::select()
        .column((newer.clone(), follow_up::Column::Id))
        .from_as(FollowUps, newer.clone())
        .and_where(Expr::col((newer.clone(), follow_up::Column::CustomerId)).eq(customer))
        .order_by(
            (newer.clone(), follow_up::Column::OccurredAt),
            sea_orm::Order::Desc,
        )
        .order_by((newer, follow_up::Column::Id), sea_orm::Order::Desc)
        .limit(1)
        .to_owned()
}

/// Joins the newest follow-up of the customer `customer` (an expression of `query`) under
/// `prefix`, for reads that show a customer's last contact in the customer's own statement.
pub fn join_newest(
    query: &mut sea_orm::sea_query::SelectStatement,
    customer: sea_orm::sea_query::Expr,
    prefix: &str,
    needs: crate::columns::Needs,
) {
    crate::db::left_join_needed(
        query,
        FollowUps,
        sea_orm::sea_query::Expr::from(newest_of(customer)),
        sea_orm::Condition::all(),
        prefix,
        needs,
    );
}
