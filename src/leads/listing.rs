//! Listing leads: filters, orders and the Relay page.

use super::model::{LeadSource, LeadStatus};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::pagination::{self, Page, PageRequest, SortKey};
use crate::policy;
use crate::sync;
use chrono::{DateTime, Utc};
use entity::lead::{self, Entity as Leads};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Filters for lead lists.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub statuses: Option<Vec<LeadStatus>>,
    pub owner_id: Option<Uuid>,
    pub source: Option<LeadSource>,
    pub min_score: Option<i32>,
    pub grade: Option<String>,
    pub search: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Ordering of lead lists.
#[derive(Debug, Clone, Copy, Default)]
pub enum LeadOrder {
    #[default]
    Created,
    Updated,
    Score,
}

/// Owned leads in scope (`pool: false`) or the pool (`pool: true`), filtered and ordered, with
/// the columns `needs` holds.
/// Errors: `FORBIDDEN` (finance), `BAD_USER_INPUT` (paging).
pub async fn list_leads(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    pool: bool,
    filter: LeadFilter,
    (order, descending): (LeadOrder, bool),
    page: &PageRequest,
    needs: crate::columns::Needs,
) -> AppResult<Page<lead::Model>> {
    let shown = shown_leads(db.get_database_backend(), viewer, pool, &filter)?;
    let condition = sync::delta::<Leads>(shown, filter.updated_since);
    let select = Leads::find().filter(condition);
    let (sort, value_of): (SortKey<lead::Column>, fn(&lead::Model) -> i64) = match order {
        LeadOrder::Created => (SortKey::Id, |_| 0),
        LeadOrder::Updated => (SortKey::Time(lead::Column::UpdatedAt), |m| {
            pagination::time_value(m.updated_at)
        }),
        LeadOrder::Score => (SortKey::Int(lead::Column::Score), |m| i64::from(m.score)),
    };
    let (id, order) = (lead::Column::Id, (sort, descending));
    pagination::needed::fetch_needed(db, select, id, order, page, needs, value_of, |m| m.id).await
}

crate::read_at!(lead::Model {
    id,
    name,
    company,
    company_key,
    phone,
    phone_key,
    email,
    email_key,
    source,
    status,
    score,
    grade,
    bant_budget,
    bant_authority,
    bant_need,
    bant_timeline,
    region,
    industry,
    notes,
    owner_id,
    in_pool,
    pool_deadline,
    last_follow_up_at,
    follow_up_count,
    disqualified_reason,
    converted_customer_id,
    converted_contact_id,
    converted_at,
    converted_opportunity_id,
    version,
    created_at,
    updated_at,
    campaign_id,
    qualified_at,
});

/// The leads a list holds whatever its filter: the pool, or the owned leads in scope.
fn scope(backend: DbBackend, viewer: &Viewer, pool: bool) -> Condition {
    if pool {
        policy::lead_pool(viewer)
    } else {
        policy::owned_leads_on(viewer, backend)
    }
}

/// The leads of a list: in its scope and matching `filter` (its `updated_since` aside).
/// Errors: `FORBIDDEN` (finance), `BAD_USER_INPUT` (search).
fn shown_leads(
    backend: DbBackend,
    viewer: &Viewer,
    pool: bool,
    filter: &LeadFilter,
) -> AppResult<Condition> {
    if !viewer.role.sells() {
        return Err(AppError::forbidden());
    }
    let mut condition = Condition::all().add(scope(backend, viewer, pool));
    if let Some(statuses) = filter.statuses.as_ref().filter(|s| !s.is_empty()) {
        condition = condition.add(lead::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if let Some(owner) = filter.owner_id {
        condition = condition.add(lead::Column::OwnerId.eq(owner));
    }
    if let Some(source) = filter.source {
        condition = condition.add(lead::Column::Source.eq(source.as_str()));
    }
    if let Some(min) = filter.min_score {
        condition = condition.add(lead::Column::Score.gte(min));
    }
    if let Some(grade) = &filter.grade {
        condition = condition.add(lead::Column::Grade.eq(grade));
    }
    let search = filter.search.as_deref();
    if let Some(pattern) = crate::search::pattern(search, "filter.search")? {
        let column = |c: lead::Column| Expr::col((Leads, c));
        let mut any = Condition::any()
            .add(crate::search::lower_like(
                column(lead::Column::Name),
                &pattern,
            ))
            .add(crate::search::lower_like(
                column(lead::Column::Company),
                &pattern,
            ))
            .add(column(lead::Column::EmailKey).like(pattern));
        let digits: String = search
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if digits.len() >= 3 {
            any = any.add(column(lead::Column::PhoneKey).like(crate::search::contains(&digits)));
        }
        condition = condition.add(any);
    }
    Ok(condition)
}

/// The leads that left the list (the pool, or the owned leads) of `filter` in `window` (see
/// [`sync::removed`]). Errors: `FORBIDDEN` (finance), `BAD_USER_INPUT` (search).
pub async fn removed_leads(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    pool: bool,
    filter: &LeadFilter,
    window: sync::Window,
) -> AppResult<sync::Removed> {
    let backend = db.get_database_backend();
    let shown = shown_leads(backend, viewer, pool, filter)?;
    sync::removed::<Leads>(db, viewer, window, scope(backend, viewer, pool), shown).await
}
