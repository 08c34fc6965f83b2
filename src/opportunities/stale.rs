//! Deals stuck in their stage past its limit, and the daily sweep that tells their owners once.

use super::model::OpportunityStatus;
use super::stages;
use crate::error::AppResult;
use crate::identity::Viewer;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::pagination::{self, Page, PageRequest, SortKey};
use crate::policy;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::opportunity::{self, Entity as Opportunities};
use sea_orm::Condition;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// A page of the open visible deals sitting in their stage too long, longest first.
pub async fn stale_opportunities(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    now: DateTime<Utc>,
    request: &PageRequest,
) -> AppResult<Page<opportunity::Model>> {
    let select = Opportunities::find()
        .filter(policy::opportunities(viewer))
        .filter(stale_now(db, now).await?);
    pagination::fetch_sorted(
        db,
        select,
        opportunity::Column::Id,
        SortKey::Time(opportunity::Column::StageEnteredAt),
        false,
        request,
        |o| pagination::time_value(o.stage_entered_at),
        |o| o.id,
    )
    .await
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
    let stale = Opportunities::find()
        .filter(stale_now(&txn, now).await?)
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

/// Open deals that sat in their stage longer than its limit at `now` (see [`super::dwell`]).
pub(crate) fn stale_condition(
    now: DateTime<Utc>,
    limits: &std::collections::HashMap<uuid::Uuid, super::dwell::Dwell>,
) -> Condition {
    let mut any = Condition::any();
    let mut has_limit = false;
    for (stage, dwell) in limits {
        if let Some(days) = dwell.limit {
            has_limit = true;
            any = any.add(
                Condition::all()
                    .add(opportunity::Column::StageId.eq(*stage))
                    .add(
                        opportunity::Column::StageEnteredAt.lt(now - chrono::Duration::days(days)),
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

/// The stale condition at `now`, the stages' limits read first.
pub(crate) async fn stale_now(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> AppResult<Condition> {
    let stages = stages::list(db, true).await?;
    let limits = super::dwell::limits(db, &stages, now).await?;
    Ok(stale_condition(now, &limits))
}
