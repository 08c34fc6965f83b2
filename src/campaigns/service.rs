//! Creating, changing and listing campaigns, and recording their costs.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::model::{CampaignChannel, CampaignStatus, MAX_NAME, MAX_NOTE};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::input::{optional_text, required_text};
use crate::pagination::{self, Page, PageRequest, SortKey};
use crate::state::AppState;
use crate::versioned;
use entity::campaign::{self, Entity as Campaigns};
use entity::campaign_cost;

/// Most cost entries `costs_of` gives.
pub const MAX_COSTS_LISTED: u64 = 100;

/// Whether the viewer may create campaigns: managers and admins.
fn may_create(viewer: &Viewer) -> bool {
    matches!(viewer.role, Role::Admin | Role::SalesManager)
}

/// Whether the viewer may see campaign money (budget, costs): managers, finance and admins.
pub fn sees_money(viewer: &Viewer) -> bool {
    matches!(
        viewer.role,
        Role::Admin | Role::SalesManager | Role::Finance
    )
}

/// Refuses anyone but the campaign's owner and admins.
pub(super) fn require_owner(viewer: &Viewer, found: &campaign::Model) -> AppResult<()> {
    if viewer.is_admin() || (viewer.role == Role::SalesManager && found.owner_id == viewer.user_id)
    {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

fn check_budget(minor: i64) -> AppResult<i64> {
    if minor < 0 {
        return Err(AppError::bad_input(
            "input.budget",
            "A budget is zero or more",
        ));
    }
    Ok(minor)
}

fn check_dates(start: NaiveDate, end: Option<NaiveDate>) -> AppResult<()> {
    if end.is_some_and(|end| end < start) {
        return Err(AppError::bad_input(
            "input.endDate",
            "A campaign ends on or after its start date",
        ));
    }
    Ok(())
}

/// A campaign to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewCampaign {
    pub name: String,
    pub channel: CampaignChannel,
    pub status: Option<CampaignStatus>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub budget_minor: i64,
}

/// Creates a campaign owned by the caller (managers and admins). Idempotent by key. Errors:
/// `FORBIDDEN`, `BAD_USER_INPUT`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    new: NewCampaign,
    idempotency_key: Option<String>,
) -> AppResult<campaign::Model> {
    if !may_create(viewer) {
        return Err(AppError::forbidden());
    }
    let call = IdempotentCall::new(viewer.user_id, "createCampaign", idempotency_key, &new)?;
    let name = required_text(&new.name, "input.name", MAX_NAME)?;
    let budget = check_budget(new.budget_minor)?;
    check_dates(new.start_date, new.end_date)?;
    let now = state.clock.now();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        let created = campaign::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name.clone()),
            channel: Set(new.channel.as_str().to_owned()),
            status: Set(new
                .status
                .unwrap_or(CampaignStatus::Planned)
                .as_str()
                .to_owned()),
            start_date: Set(new.start_date),
            end_date: Set(new.end_date),
            budget_minor: Set(budget),
            actual_cost_minor: Set(0),
            owner_id: Set(viewer.user_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "campaign.created",
            subject_type: "Campaign",
            subject_id: created.id,
            details: serde_json::json!({"name": created.name, "budgetMinor": budget}),
        }
        .record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    get(&state.db, id).await
}

/// What an update changes; `None` leaves a field alone (`Some(None)` clears the end date).
#[derive(Debug, Clone, Default)]
pub struct CampaignChanges {
    pub name: Option<String>,
    pub channel: Option<CampaignChannel>,
    pub status: Option<CampaignStatus>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<Option<NaiveDate>>,
    pub budget_minor: Option<i64>,
}

/// Changes a campaign at `expected_version` (its owner, admins). Errors: `NOT_FOUND`,
/// `FORBIDDEN`, `BAD_USER_INPUT`, `CONFLICT`.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: CampaignChanges,
) -> AppResult<campaign::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = get(&txn, id).await.map_err(|e| e.naming("input.id"))?;
    require_owner(viewer, &current)?;
    versioned::check(expected_version, current.version)?;
    let mut model = campaign::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    let mut changed = serde_json::Map::new();
    if let Some(name) = &changes.name {
        let name = required_text(name, "input.name", MAX_NAME)?;
        changed.insert("name".into(), name.clone().into());
        model.name = Set(name);
    }
    if let Some(channel) = changes.channel {
        changed.insert("channel".into(), channel.as_str().into());
        model.channel = Set(channel.as_str().to_owned());
    }
    if let Some(status) = changes.status {
        changed.insert("status".into(), status.as_str().into());
        model.status = Set(status.as_str().to_owned());
    }
    let start = changes.start_date.unwrap_or(current.start_date);
    let end = changes.end_date.unwrap_or(current.end_date);
    check_dates(start, end)?;
    if let Some(start) = changes.start_date {
        changed.insert("startDate".into(), serde_json::json!(start));
        model.start_date = Set(start);
    }
    if let Some(end) = changes.end_date {
        changed.insert("endDate".into(), serde_json::json!(end));
        model.end_date = Set(end);
    }
    if let Some(budget) = changes.budget_minor {
        let budget = check_budget(budget)?;
        changed.insert("budgetMinor".into(), budget.into());
        model.budget_minor = Set(budget);
    }
    let audit = crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "campaign.updated",
        subject_type: "Campaign",
        subject_id: id,
        details: changed.into(),
    };
    let target = versioned::Target::new(id, expected_version, current.version);
    let saved = versioned::save::<Campaigns>(&txn, target, model, audit, now).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A cost to record.
#[derive(Debug, Clone, Serialize)]
pub struct NewCost {
    pub campaign_id: Uuid,
    pub amount_minor: i64,
    pub incurred_on: NaiveDate,
    pub note: Option<String>,
}

/// Records a cost of a campaign (its owner, admins) and adds it to the actual cost. A negative
/// amount (a refund of a cost) needs its reason in `note`. Idempotent by key. Errors:
/// `NOT_FOUND`, `FORBIDDEN`, `BAD_USER_INPUT`, `IDEMPOTENCY_KEY_REUSED`.
pub async fn record_cost(
    state: &AppState,
    viewer: &Viewer,
    new: NewCost,
    idempotency_key: Option<String>,
) -> AppResult<(campaign::Model, campaign_cost::Model)> {
    let call = IdempotentCall::new(viewer.user_id, "recordCampaignCost", idempotency_key, &new)?;
    let note = optional_text(new.note.as_deref(), "input.note", MAX_NOTE)?;
    let now = state.clock.now();
    let cost_id = idempotency::run(&state.db, &call, now, async |txn| {
        let current = get(txn, new.campaign_id)
            .await
            .map_err(|e| e.naming("input.campaignId"))?;
        require_owner(viewer, &current)?;
        if new.amount_minor == 0 {
            return Err(AppError::bad_input("input.amount", "A cost is not zero"));
        }
        if new.amount_minor < 0 && note.is_none() {
            return Err(AppError::bad_input(
                "input.note",
                "A negative cost (a refund) needs its reason",
            ));
        }
        let total = current
            .actual_cost_minor
            .checked_add(new.amount_minor)
            .filter(|t| t.abs() <= crate::money::MAX_INPUT_MINOR)
            .ok_or_else(|| {
                AppError::bad_input("input.amount", "The campaign's cost would overflow")
            })?;
        let cost = campaign_cost::ActiveModel {
            id: Set(Uuid::now_v7()),
            campaign_id: Set(current.id),
            amount_minor: Set(new.amount_minor),
            incurred_on: Set(new.incurred_on),
            note: Set(note.clone()),
            recorded_by: Set(viewer.user_id),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        // Added in the statement, so that two costs recorded at once both count.
        Campaigns::update_many()
            .col_expr(
                campaign::Column::ActualCostMinor,
                Expr::col(campaign::Column::ActualCostMinor).add(new.amount_minor),
            )
            .col_expr(
                campaign::Column::Version,
                Expr::col(campaign::Column::Version).add(1),
            )
            .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
            .filter(campaign::Column::Id.eq(current.id))
            .exec(txn)
            .await?;
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "campaign.cost_recorded",
            subject_type: "Campaign",
            subject_id: current.id,
            details: serde_json::json!({"amountMinor": new.amount_minor, "totalMinor": total,
                "incurredOn": new.incurred_on, "note": note}),
        }
        .record(txn, now)
        .await?;
        Ok(cost.id)
    })
    .await?
    .into_inner();
    let cost = campaign_cost::Entity::find_by_id(cost_id)
        .one(&state.db)
        .await?
        .ok_or_else(AppError::internal)?;
    Ok((get(&state.db, cost.campaign_id).await?, cost))
}

/// A campaign by id. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<campaign::Model> {
    Campaigns::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Campaign"))
}

/// Checks that a campaign named by `field` exists. Errors: `NOT_FOUND` on `field`.
pub async fn check_exists(db: &impl ConnectionTrait, id: Uuid, field: &str) -> AppResult<()> {
    get(db, id).await.map(|_| ()).map_err(|e| e.naming(field))
}

/// Filters for the campaign list.
#[derive(Debug, Clone, Default)]
pub struct CampaignFilter {
    pub channel: Option<CampaignChannel>,
    pub status: Option<CampaignStatus>,
    /// Running on this day: started on or before it, not ended before it.
    pub active_on: Option<NaiveDate>,
    pub search: Option<String>,
}

/// Campaigns matching `filter`, newest first. Errors: `BAD_USER_INPUT` (paging, search).
pub async fn list(
    db: &impl ConnectionTrait,
    filter: CampaignFilter,
    page: &PageRequest,
) -> AppResult<Page<campaign::Model>> {
    use campaign::Column;
    let mut condition = Condition::all();
    if let Some(channel) = filter.channel {
        condition = condition.add(Column::Channel.eq(channel.as_str()));
    }
    if let Some(status) = filter.status {
        condition = condition.add(Column::Status.eq(status.as_str()));
    }
    if let Some(day) = filter.active_on {
        condition = condition.add(Column::StartDate.lte(day)).add(
            Condition::any()
                .add(Column::EndDate.is_null())
                .add(Column::EndDate.gte(day)),
        );
    }
    if let Some(pattern) = crate::search::pattern(filter.search.as_deref(), "filter.search")? {
        condition = condition.add(crate::search::lower_like(
            Expr::col((Campaigns, Column::Name)),
            &pattern,
        ));
    }
    let select = Campaigns::find().filter(condition);
    pagination::fetch_sorted(
        db,
        select,
        Column::Id,
        SortKey::Id,
        true,
        page,
        |_| pagination::SortValue::Int(0),
        |c: &campaign::Model| c.id,
    )
    .await
}
