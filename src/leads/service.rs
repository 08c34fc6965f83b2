//! Lead operations: read, update, disqualify, lead events, follow-up bookkeeping. Creation is in
//! `creation`, listing in `listing`, duplicates in `duplicates`, the scoring rules' storage in
//! `rule_store`, a lead's part in its conversion in `conversion` (the hand-off is
//! `flows::lead_conversion`); their public functions are re-exported here.

pub use super::access::get_lead;
pub(crate) use super::access::{lead_for_work, write_event};
pub use super::conversion::{Conversion, convertible_in, mark_converted_in};
use super::creation::parse_contact_fields;
pub use super::creation::{BantValues, NewLead, create_lead};
use super::duplicates::check_duplicates;
pub use super::duplicates::possible_duplicates;
pub use super::listing::{LeadFilter, LeadOrder, list_leads, removed_leads};
pub use super::rule_store::{rate, scoring_rules, update_scoring_rules};
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::model::{LeadEventKind, LeadSource, LeadStatus};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::input::{optional_text, required_text};
use crate::normalize;
use crate::state::AppState;
use entity::lead::{self, Entity as Leads};
use entity::lead_event;

/// Changes to a lead; `None` leaves a field.
#[derive(Debug, Clone, Default)]
pub struct LeadChanges {
    pub name: Option<String>,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub source: Option<LeadSource>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub notes: Option<String>,
    pub bant: Option<BantValues>,
    pub status: Option<LeadStatus>,
    /// `Some(None)` clears the campaign.
    pub campaign_id: Option<Option<Uuid>>,
}

pub(super) fn status_rank(status: &str) -> usize {
    LeadStatus::OPEN_STORED
        .iter()
        .position(|s| *s == status)
        .unwrap_or(usize::MAX)
}

/// Updates a lead the viewer may work, at `expected_version`, rescoring it. Errors:
/// `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `DUPLICATE`, `CONFLICT`, `INVALID_STATE`.
pub async fn update_lead(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: LeadChanges,
) -> AppResult<lead::Model> {
    let now = state.clock.now();
    let rules = scoring_rules(&state.db).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let current = lead_for_work(&txn, viewer, id).await?;
    crate::versioned::check(expected_version, current.version)?;
    let mut next = current.clone();
    // Every problem of the input's own fields at once (duplicates are checked once they pass).
    let mut problems = crate::input::Problems::default();
    if let Some(name) = &changes.name
        && let Some(name) = problems.check(required_text(name, "input.name", 200))
    {
        next.name = name;
    }
    if let Some(company) = &changes.company
        && let Some(company) = problems.check(optional_text(Some(company), "input.company", 200))
    {
        next.company = company;
        next.company_key = next.company.as_deref().and_then(normalize::company_key);
    }
    let contact = if changes.phone.is_some() || changes.email.is_some() {
        problems.check(parse_contact_fields(
            changes.phone.as_deref().or(current.phone.as_deref()),
            changes.email.as_deref().or(current.email.as_deref()),
            &state.config.default_country_code,
        ))
    } else {
        None
    };
    for (value, field, max, slot) in [
        (&changes.region, "input.region", 100, &mut next.region),
        (&changes.industry, "input.industry", 100, &mut next.industry),
        (&changes.notes, "input.notes", 5000, &mut next.notes),
    ] {
        if let Some(value) = value
            && let Some(value) = problems.check(optional_text(Some(value), field, max))
        {
            *slot = value;
        }
    }
    problems.finish()?;
    if let Some((phone, phone_key, email, email_key)) = contact {
        check_duplicates(
            &txn,
            viewer,
            phone_key.as_deref(),
            email_key.as_deref(),
            Some(id),
        )
        .await?;
        (next.phone, next.phone_key, next.email, next.email_key) =
            (phone, phone_key, email, email_key);
    }
    if let Some(source) = changes.source {
        next.source = source.as_str().to_owned();
    }
    if let Some(campaign) = changes.campaign_id {
        if let Some(campaign) = campaign {
            crate::campaigns::service::check_exists(&txn, campaign, "input.campaignId").await?;
        }
        next.campaign_id = campaign;
    }
    if let Some(bant) = changes.bant {
        if let Some(v) = bant.budget {
            next.bant_budget = v.as_str().to_owned();
        }
        if let Some(v) = bant.authority {
            next.bant_authority = v.as_str().to_owned();
        }
        if let Some(v) = bant.need {
            next.bant_need = v.as_str().to_owned();
        }
        if let Some(v) = bant.timeline {
            next.bant_timeline = v.as_str().to_owned();
        }
    }
    if let Some(status) = changes.status {
        let target = status.as_str();
        if !matches!(status, LeadStatus::Contacted | LeadStatus::Qualified)
            || status_rank(target) < status_rank(&current.status)
        {
            return Err(AppError::invalid_state(format!(
                "A {} lead cannot become {}; statuses only move forward, and conversion and disqualification have their own mutations",
                current.status.to_lowercase(),
                target.to_lowercase()
            )));
        }
        if status == LeadStatus::Qualified && next.qualified_at.is_none() {
            next.qualified_at = Some(now);
        }
        next.status = target.to_owned();
    }
    let (score, grade) = rate(&rules, &next);
    next.score = score;
    next.grade = grade.to_owned();
    next.version = current.version + 1;
    next.updated_at = now;
    let changes = lead::ActiveModel::from(next.clone()).reset_all();
    let target = crate::versioned::Target::new(id, expected_version, current.version);
    crate::versioned::write::<Leads>(&txn, target, changes, now).await?;
    crate::audit::Entry { actor_id: Some(viewer.user_id), action: "lead.updated", subject_type: "Lead", subject_id: id, details: serde_json::json!({"status": next.status, "score": next.score, "phone": next.phone, "email": next.email, "name": next.name, "company": next.company}) }.record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(next)
}

/// Ends an open lead as disqualified. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`,
/// `INVALID_STATE`.
pub async fn disqualify_lead(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    reason: &str,
) -> AppResult<lead::Model> {
    let reason = required_text(reason, "input.reason", 1000)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let current = lead_for_work(&txn, viewer, id).await?;
    let result = Leads::update_many()
        .col_expr(
            lead::Column::Status,
            Expr::value(LeadStatus::Disqualified.as_str()),
        )
        .col_expr(
            lead::Column::DisqualifiedReason,
            Expr::value(Some(reason.clone())),
        )
        .col_expr(
            lead::Column::PoolDeadline,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(lead::Column::Version, Expr::value(current.version + 1))
        .col_expr(lead::Column::UpdatedAt, Expr::value(now))
        .filter(lead::Column::Id.eq(id))
        .filter(lead::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::conflict(current.version + 1));
    }
    write_event(
        &txn,
        id,
        LeadEventKind::Disqualified,
        Some(viewer.user_id),
        current.owner_id,
        current.owner_id,
        Some(reason.clone()),
        now,
    )
    .await?;
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "lead.disqualified",
        subject_type: "Lead",
        subject_id: id,
        details: serde_json::json!({"reason": reason}),
    }
    .record(&txn, now)
    .await?;
    let updated = Leads::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::internal)?;
    txn.commit().await?;
    Ok(updated)
}

/// Books a follow-up on a lead the viewer may work: counts it, moves `NEW` to `CONTACTED`,
/// rescores, and pushes the pool deadline. Errors: those of working the lead.
pub(crate) async fn record_follow_up(
    state: &AppState,
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<lead::Model> {
    let current = lead_for_work(txn, viewer, id).await?;
    let rules = scoring_rules(txn).await?;
    let mut next = current.clone();
    next.follow_up_count += 1;
    next.last_follow_up_at = Some(
        current
            .last_follow_up_at
            .map_or(occurred_at, |last| std::cmp::max(last, occurred_at)),
    );
    next.pool_deadline = Some(now + Duration::days(state.config.lead_pool_days));
    if next.status == LeadStatus::New.as_str() {
        next.status = LeadStatus::Contacted.as_str().to_owned();
    }
    let (score, grade) = rate(&rules, &next);
    next.score = score;
    next.grade = grade.to_owned();
    next.version += 1;
    next.updated_at = now;
    let changes = lead::ActiveModel::from(next.clone()).reset_all();
    let target = crate::versioned::Target::new(id, current.version, current.version);
    crate::versioned::write::<Leads>(txn, target, changes, now).await?;
    Ok(next)
}

/// A page of events of each of these leads, oldest first (for lists under visible leads).
pub async fn events_pages(
    db: &impl ConnectionTrait,
    lead_ids: &[Uuid],
    request: &crate::pagination::PageRequest,
) -> AppResult<HashMap<Uuid, crate::pagination::Page<lead_event::Model>>> {
    use crate::pagination::{Keyset, SortKey, children};
    let keyset = Keyset::new(lead_event::Column::Id, SortKey::Id, false);
    let select = entity::lead_event::Entity::find()
        .filter(lead_event::Column::LeadId.is_in(lead_ids.to_vec()));
    children::fetch_models(
        db,
        select,
        lead_event::Column::LeadId,
        &keyset,
        request,
        |_| 0,
        |e| e.id,
    )
    .await
}
