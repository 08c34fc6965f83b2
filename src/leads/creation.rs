//! Creating a lead: its contact fields and BANT answers checked, duplicates looked for, scored,\nassigned (or pooled), with its first event and notifications.

use super::access::{notify_assigned, write_event};
use super::duplicates::check_duplicates;
use super::duplicates::possible_duplicates;
use super::model::{
    BantAnswer, BantTimeline, LeadAssignment, LeadEventKind, LeadSource, LeadStatus,
};
use super::rule_store::{rate, scoring_rules};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::input::{optional_text, required_text};
use crate::normalize;
use crate::notifications::service::{self as notifications};
use crate::state::AppState;
use chrono::Duration;
use entity::customer;
use entity::lead::{self, Entity as Leads};
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde::Serialize;
use uuid::Uuid;

/// Phone, phone key, e-mail, e-mail key.
type ContactFields = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// BANT answers as stored strings.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BantValues {
    pub budget: Option<BantAnswer>,
    pub authority: Option<BantAnswer>,
    pub need: Option<BantAnswer>,
    pub timeline: Option<BantTimeline>,
}

/// A lead to create, before validation.
#[derive(Debug, Clone, Serialize)]
pub struct NewLead {
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub source: LeadSource,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub notes: Option<String>,
    pub bant: BantValues,
    pub assign: LeadAssignment,
    pub assignee_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// The id the client chose for the lead.
    pub client_id: Option<Uuid>,
    /// The campaign it came from (checked to exist by the caller's transaction).
    pub campaign_id: Option<Uuid>,
}

pub(crate) fn parse_contact_fields(
    phone: Option<&str>,
    email: Option<&str>,
    country_code: &str,
) -> AppResult<ContactFields> {
    // Both fields' problems at once.
    let mut problems = crate::input::Problems::default();
    let phone = problems.check(optional_text(phone, "input.phone", 50).and_then(|phone| {
        let key = match &phone {
            Some(p) => Some(normalize::phone_key(p, country_code).ok_or_else(|| {
                AppError::bad_input("input.phone", "A phone number has at least 5 digits")
            })?),
            None => None,
        };
        Ok((phone, key))
    }));
    let email = problems.check(optional_text(email, "input.email", 254).and_then(|email| {
        if let Some(e) = &email {
            crate::input::parse_email(e, "input.email")?;
        }
        Ok(email)
    }));
    problems.finish()?;
    let (Some((phone, phone_key)), Some(email)) = (phone, email) else {
        return Err(AppError::internal());
    };
    let email_key = email.as_deref().and_then(normalize::email_key);
    Ok((phone, phone_key, email, email_key))
}

/// A new lead's fields, checked.
pub(crate) struct CheckedLead {
    pub id: Uuid,
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub source: LeadSource,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub notes: Option<String>,
    pub bant: BantValues,
    pub campaign_id: Option<Uuid>,
}

/// The row of a new lead owned by `owner` (none: in the pool), scored by `rules`.
pub(crate) fn lead_row(
    lead: CheckedLead,
    owner: Option<Uuid>,
    rules: &super::scoring::ScoringRules,
    now: chrono::DateTime<chrono::Utc>,
    pool_days: i64,
) -> lead::Model {
    let answer = |a: Option<BantAnswer>| a.unwrap_or(BantAnswer::Unknown).as_str().to_owned();
    let mut model = lead::Model {
        id: lead.id,
        company_key: lead.company.as_deref().and_then(normalize::company_key),
        name: lead.name,
        company: lead.company,
        phone: lead.phone,
        phone_key: lead.phone_key,
        email: lead.email,
        email_key: lead.email_key,
        source: lead.source.as_str().to_owned(),
        status: LeadStatus::New.as_str().to_owned(),
        score: 0,
        grade: "C".to_owned(),
        bant_budget: answer(lead.bant.budget),
        bant_authority: answer(lead.bant.authority),
        bant_need: answer(lead.bant.need),
        bant_timeline: lead
            .bant
            .timeline
            .unwrap_or(BantTimeline::Unknown)
            .as_str()
            .to_owned(),
        region: lead.region,
        industry: lead.industry,
        notes: lead.notes,
        owner_id: owner,
        in_pool: owner.is_none(),
        pool_deadline: owner.map(|_| now + Duration::days(pool_days)),
        last_follow_up_at: None,
        follow_up_count: 0,
        disqualified_reason: None,
        converted_customer_id: None,
        converted_contact_id: None,
        converted_at: None,
        converted_opportunity_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
        campaign_id: lead.campaign_id,
        qualified_at: None,
    };
    let (score, grade) = rate(rules, &model);
    model.score = score;
    model.grade = grade.to_owned();
    model
}

/// Creates a lead and assigns it. Idempotent by key. A service account's lead (web-form
/// intake) goes to its intake team's round-robin, or to the pool when it has none, whatever
/// `assign` asked. Errors: `FORBIDDEN`, `BAD_USER_INPUT`, `DUPLICATE`, `INVALID_STATE` (no
/// active rep in the team for `AUTO`), `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_lead(
    state: &AppState,
    viewer: &Viewer,
    mut new: NewLead,
    idempotency_key: Option<String>,
) -> AppResult<(lead::Model, Vec<lead::Model>, Vec<customer::Model>)> {
    if !viewer.role.sells() {
        return Err(AppError::forbidden());
    }
    let manager_or_admin = matches!(viewer.role, Role::Admin | Role::SalesManager);
    if let Some(access) = &viewer.service {
        new.team_id = access.intake_team_id;
        new.assignee_id = None;
        new.assign = if new.team_id.is_some() {
            LeadAssignment::Auto
        } else {
            LeadAssignment::Pool
        };
    }
    match new.assign {
        // The intake team was set by an admin on the service account.
        LeadAssignment::Auto if viewer.service.is_some() => {}
        LeadAssignment::User | LeadAssignment::Auto if !manager_or_admin => {
            return Err(AppError::forbidden());
        }
        LeadAssignment::Auto => {
            let team = new.team_id.ok_or_else(|| {
                AppError::bad_input("input.teamId", "AUTO assignment needs a team")
            })?;
            if !viewer.is_admin() && !viewer.manages(Some(team)) {
                return Err(AppError::bad_input(
                    "input.teamId",
                    "You may only rotate leads within teams you manage",
                ));
            }
        }
        LeadAssignment::User if new.assignee_id.is_none() => {
            return Err(AppError::bad_input(
                "input.assigneeId",
                "USER assignment needs an assignee",
            ));
        }
        _ => {}
    }
    let key = crate::ids::create_key(idempotency_key, new.client_id);
    let call = IdempotentCall::new(viewer.user_id, "createLead", key, &new)?;
    // Every problem of the input at once.
    let mut problems = crate::input::Problems::default();
    let name = problems.check(required_text(&new.name, "input.name", 200));
    let company = problems.check(optional_text(new.company.as_deref(), "input.company", 200));
    let contact = problems.check(parse_contact_fields(
        new.phone.as_deref(),
        new.email.as_deref(),
        &state.config.default_country_code,
    ));
    problems.finish()?;
    let (Some(name), Some(company), Some((phone, phone_key, email, email_key))) =
        (name, company, contact)
    else {
        return Err(AppError::internal());
    };
    let now = state.clock.now();
    let rules = scoring_rules(&state.db).await?;
    let pool_days = state.config.lead_pool_days;
    let finish = |id: Uuid| async move {
        let created = Leads::find_by_id(id)
            .one(&state.db)
            .await?
            .ok_or_else(AppError::internal)?;
        let (leads, customers) = possible_duplicates(
            &state.db,
            viewer,
            created.company_key.as_deref(),
            created.id,
        )
        .await?;
        Ok((created, leads, customers))
    };
    let mut written = Vec::new();
    let id = idempotency::run(&state.db, &call, now, async |txn| {
        if let Some(campaign) = new.campaign_id {
            crate::campaigns::service::check_exists(txn, campaign, "input.campaignId").await?;
        }
        idempotency::check_client_id::<Leads>(txn, new.client_id).await?;
        check_duplicates(
            txn,
            viewer,
            phone_key.as_deref(),
            email_key.as_deref(),
            None,
        )
        .await?;
        let owner = match new.assign {
            LeadAssignment::SelfAssign => Some(viewer.user_id),
            LeadAssignment::Pool => None,
            LeadAssignment::User => {
                let assignee = new.assignee_id.ok_or_else(AppError::internal)?;
                Some(
                    crate::users::service::check_assignable(txn, viewer, assignee, "input.assigneeId")
                        .await?
                        .id,
                )
            }
            LeadAssignment::Auto => {
                let team = new.team_id.ok_or_else(AppError::internal)?;
                Some(super::pool::next_in_rotation(txn, team, now).await?)
            }
        };
        let model = lead_row(
            CheckedLead {
                id: crate::ids::new_id(new.client_id),
                name,
                company,
                phone,
                phone_key,
                email,
                email_key,
                source: new.source,
                region: optional_text(new.region.as_deref(), "input.region", 100)?,
                industry: optional_text(new.industry.as_deref(), "input.industry", 100)?,
                notes: optional_text(new.notes.as_deref(), "input.notes", 5000)?,
                bant: new.bant,
                campaign_id: new.campaign_id,
            },
            owner,
            &rules,
            now,
            pool_days,
        );
        let created = lead::ActiveModel::from(model).insert(txn).await?;
        write_event(
            txn,
            created.id,
            LeadEventKind::Created,
            Some(viewer.user_id),
            None,
            owner,
            None,
            now,
        )
        .await?;
        if owner.is_some_and(|o| o != viewer.user_id) {
            write_event(
                txn,
                created.id,
                LeadEventKind::Assigned,
                Some(viewer.user_id),
                None,
                owner,
                None,
                now,
            )
            .await?;
            written.extend(notify_assigned(txn, &created, viewer.user_id, now).await?);
        }
        crate::audit::Entry { actor_id: Some(viewer.user_id), action: "lead.created", subject_type: "Lead", subject_id: created.id, details: serde_json::json!({"name": created.name, "ownerId": created.owner_id, "assign": new.assign.as_str()}) }.record(txn, now)
        .await?;
        Ok(created.id)
    })
    .await?
    .into_inner();
    // Empty on a replay: only the call that did the work announces it.
    notifications::announce(state.events.as_ref(), &written);
    finish(id).await
}
