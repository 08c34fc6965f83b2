//! Lead operations: create, read, update, score, disqualify, convert, follow-up bookkeeping.
//!
//! Over 500 lines: scoring-rule storage, duplicates, creation and conversion; issue 19 splits them,
//! conversion into flows/.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::model::{
    BantAnswer, BantTimeline, LeadAssignment, LeadEventKind, LeadSource, LeadStatus,
};
use super::scoring::{Answer, ScoreInputs, ScoringRules, Source, Timeline};
use crate::customers::service as customers;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall, Start};
use crate::identity::{Role, Viewer};
use crate::ids::{NodeType, encode_id};
use crate::input::{optional_text, required_text};
use crate::normalize;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::pagination::{self, Page, PageRequest, SortKey};
use crate::policy;
use crate::state::AppState;
use entity::lead::{self, Entity as Leads};
use entity::{customer, lead_event, notification};

const SCORING_RULES_KEY: &str = "lead_scoring_rules";

/// The scoring rules in force (the defaults until an admin changes them).
pub async fn scoring_rules(db: &impl ConnectionTrait) -> AppResult<ScoringRules> {
    let stored = entity::setting::Entity::find_by_id(SCORING_RULES_KEY)
        .one(db)
        .await?;
    Ok(stored
        .and_then(|s| serde_json::from_str(&s.value).ok())
        .unwrap_or_default())
}

fn answer(value: &str) -> Answer {
    match BantAnswer::parse(value) {
        Some(BantAnswer::Yes) => Answer::Yes,
        Some(BantAnswer::No) => Answer::No,
        _ => Answer::Unknown,
    }
}

fn score_inputs(model: &lead::Model) -> ScoreInputs {
    ScoreInputs {
        budget: answer(&model.bant_budget),
        authority: answer(&model.bant_authority),
        need: answer(&model.bant_need),
        timeline: match BantTimeline::parse(&model.bant_timeline) {
            Some(BantTimeline::Within3Months) => Timeline::Within3Months,
            Some(BantTimeline::Within6Months) => Timeline::Within6Months,
            Some(BantTimeline::Later) => Timeline::Later,
            _ => Timeline::Unknown,
        },
        follow_ups: model.follow_up_count,
        source: match LeadSource::parse(&model.source) {
            Some(LeadSource::WebForm) => Source::WebForm,
            Some(LeadSource::Referral) => Source::Referral,
            Some(LeadSource::Event) => Source::Event,
            Some(LeadSource::ColdCall) => Source::ColdCall,
            Some(LeadSource::Campaign) => Source::Campaign,
            _ => Source::Other,
        },
    }
}

/// Score and grade of a lead under `rules`.
pub fn rate(rules: &ScoringRules, model: &lead::Model) -> (i32, &'static str) {
    let score = rules.score(&score_inputs(model));
    (score, rules.grade(score))
}

/// Replaces the scoring rules (admin) and rescores every open lead in the same transaction.
/// Errors: `FORBIDDEN`, `BAD_USER_INPUT`.
pub async fn update_scoring_rules(
    state: &AppState,
    viewer: &Viewer,
    rules: ScoringRules,
) -> AppResult<ScoringRules> {
    if !viewer.is_admin() {
        return Err(AppError::forbidden());
    }
    rules
        .validate()
        .map_err(|message| AppError::bad_input("input", message))?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let value = serde_json::to_string(&rules).map_err(|_| AppError::internal())?;
    entity::setting::Entity::delete_by_id(SCORING_RULES_KEY)
        .exec(&txn)
        .await?;
    entity::setting::ActiveModel {
        key: Set(SCORING_RULES_KEY.to_owned()),
        value: Set(value.clone()),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let open = Leads::find()
        .filter(lead::Column::Status.is_in(LeadStatus::OPEN_STORED))
        .all(&txn)
        .await?;
    for model in open {
        let (score, grade) = rate(&rules, &model);
        if score != model.score || grade != model.grade {
            Leads::update_many()
                .col_expr(lead::Column::Score, Expr::value(score))
                .col_expr(lead::Column::Grade, Expr::value(grade))
                .filter(lead::Column::Id.eq(model.id))
                .exec(&txn)
                .await?;
        }
    }
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "scoring_rules.updated",
        subject_type: "Setting",
        subject_id: Uuid::nil(),
        details: serde_json::json!({"rules": value}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(rules)
}

/// Appends a lead event.
#[allow(clippy::too_many_arguments)] // one argument per column of the event row
pub(crate) async fn write_event(
    db: &impl ConnectionTrait,
    lead_id: Uuid,
    kind: LeadEventKind,
    actor: Option<Uuid>,
    from_owner: Option<Uuid>,
    to_owner: Option<Uuid>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    lead_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        lead_id: Set(lead_id),
        kind: Set(kind.as_str().to_owned()),
        actor_id: Set(actor),
        from_owner_id: Set(from_owner),
        to_owner_id: Set(to_owner),
        reason: Set(reason),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Writes "a lead was assigned to you" for `owner` unless they assigned it themselves.
pub(crate) async fn notify_assigned(
    db: &impl ConnectionTrait,
    model: &lead::Model,
    actor: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<notification::Model>> {
    let Some(owner) = model.owner_id.filter(|owner| *owner != actor) else {
        return Ok(None);
    };
    let written = notifications::notify(
        db,
        NewNotification {
            user_id: owner,
            kind: "LEAD_ASSIGNED",
            title: format!("New lead: {}", model.name),
            body: format!(
                "{}{} was assigned to you.",
                model.name,
                model
                    .company
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default()
            ),
            subject_type: Some("Lead"),
            subject_id: Some(model.id),
        },
        now,
    )
    .await?;
    Ok(Some(written))
}

/// Refuses a phone or e-mail another lead (other than `exclude`) or any contact already has.
async fn check_duplicates(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    phone_key: Option<&str>,
    email_key: Option<&str>,
    exclude: Option<Uuid>,
) -> AppResult<()> {
    if phone_key.is_none() && email_key.is_none() {
        return Ok(());
    }
    let mut matches = Condition::any();
    if let Some(phone) = phone_key {
        matches = matches.add(lead::Column::PhoneKey.eq(phone));
    }
    if let Some(email) = email_key {
        matches = matches.add(lead::Column::EmailKey.eq(email));
    }
    let mut query = Leads::find().filter(matches);
    if let Some(id) = exclude {
        query = query.filter(lead::Column::Id.ne(id));
    }
    if let Some(existing) = query.one(db).await? {
        let field = if phone_key.is_some() && existing.phone_key.as_deref() == phone_key {
            "input.phone"
        } else {
            "input.email"
        };
        let mut error =
            AppError::duplicate(field, "A lead with this phone or e-mail already exists");
        let visible = Leads::find_by_id(existing.id)
            .filter(policy::leads(viewer))
            .one(db)
            .await?
            .is_some();
        if visible {
            error = error.with_existing_id(encode_id(NodeType::Lead, existing.id).0);
        }
        return Err(error);
    }
    if let Some(existing) = customers::contact_matching(db, phone_key, email_key).await? {
        let field = if phone_key.is_some() && existing.phone_key.as_deref() == phone_key {
            "input.phone"
        } else {
            "input.email"
        };
        let mut error =
            AppError::duplicate(field, "A contact with this phone or e-mail already exists");
        if customers::get_customer(db, viewer, existing.customer_id)
            .await
            .is_ok()
        {
            error = error.with_existing_id(encode_id(NodeType::Contact, existing.id).0);
        }
        return Err(error);
    }
    Ok(())
}

/// Visible leads (other than `exclude`) and customers with the same company key.
pub async fn possible_duplicates(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    company_key: Option<&str>,
    exclude: Uuid,
) -> AppResult<(Vec<lead::Model>, Vec<customer::Model>)> {
    let Some(key) = company_key else {
        return Ok((Vec::new(), Vec::new()));
    };
    let leads = Leads::find()
        .filter(lead::Column::CompanyKey.eq(key))
        .filter(lead::Column::Id.ne(exclude))
        .filter(policy::leads(viewer))
        .limit(20)
        .all(db)
        .await?;
    let customers = customers::similar_customers(db, viewer, key).await?;
    Ok((leads, customers))
}

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
}

/// Phone, phone key, e-mail, e-mail key.
type ContactFields = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn parse_contact_fields(
    phone: Option<&str>,
    email: Option<&str>,
    country_code: &str,
) -> AppResult<ContactFields> {
    let phone = optional_text(phone, "input.phone", 50)?;
    let phone_key = match &phone {
        Some(p) => Some(normalize::phone_key(p, country_code).ok_or_else(|| {
            AppError::bad_input("input.phone", "A phone number has at least 5 digits")
        })?),
        None => None,
    };
    let email = optional_text(email, "input.email", 254)?;
    if let Some(e) = &email {
        crate::input::parse_email(e, "input.email")?;
    }
    let email_key = email.as_deref().and_then(normalize::email_key);
    Ok((phone, phone_key, email, email_key))
}

/// Creates a lead and assigns it. Idempotent by key. Errors: `FORBIDDEN`, `BAD_USER_INPUT`,
/// `DUPLICATE`, `INVALID_STATE` (no active rep in the team for `AUTO`),
/// `IDEMPOTENCY_KEY_REUSED`.
pub async fn create_lead(
    state: &AppState,
    viewer: &Viewer,
    new: NewLead,
    idempotency_key: Option<String>,
) -> AppResult<(lead::Model, Vec<lead::Model>, Vec<customer::Model>)> {
    if viewer.role == Role::Finance {
        return Err(AppError::forbidden());
    }
    let manager_or_admin = matches!(viewer.role, Role::Admin | Role::SalesManager);
    match new.assign {
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
    let call = IdempotentCall::new(viewer.user_id, "createLead", idempotency_key, &new)?;
    let name = required_text(&new.name, "input.name", 200)?;
    let company = optional_text(new.company.as_deref(), "input.company", 200)?;
    let (phone, phone_key, email, email_key) = parse_contact_fields(
        new.phone.as_deref(),
        new.email.as_deref(),
        &state.config.default_country_code,
    )?;
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
    let guard = match idempotency::start::<Uuid>(&state.db, &call, now).await? {
        Start::Replayed(id) => return finish(id).await,
        Start::Fresh(guard) => guard,
    };
    let txn = guard.txn();
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
    let mut model = lead::Model {
        id: Uuid::now_v7(),
        company_key: company.as_deref().and_then(normalize::company_key),
        name,
        company,
        phone,
        phone_key,
        email,
        email_key,
        source: new.source.as_str().to_owned(),
        status: LeadStatus::New.as_str().to_owned(),
        score: 0,
        grade: "C".to_owned(),
        bant_budget: new
            .bant
            .budget
            .unwrap_or(BantAnswer::Unknown)
            .as_str()
            .to_owned(),
        bant_authority: new
            .bant
            .authority
            .unwrap_or(BantAnswer::Unknown)
            .as_str()
            .to_owned(),
        bant_need: new
            .bant
            .need
            .unwrap_or(BantAnswer::Unknown)
            .as_str()
            .to_owned(),
        bant_timeline: new
            .bant
            .timeline
            .unwrap_or(BantTimeline::Unknown)
            .as_str()
            .to_owned(),
        region: optional_text(new.region.as_deref(), "input.region", 100)?,
        industry: optional_text(new.industry.as_deref(), "input.industry", 100)?,
        notes: optional_text(new.notes.as_deref(), "input.notes", 5000)?,
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
    };
    let (score, grade) = rate(&rules, &model);
    model.score = score;
    model.grade = grade.to_owned();
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
    let mut written = Vec::new();
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
    let id = guard.commit(created.id).await?;
    notifications::announce(state.events.as_ref(), &written);
    finish(id).await
}

/// A lead the viewer may read (owned within scope, or in the pool). Errors: `FORBIDDEN`
/// (finance), `NOT_FOUND`.
pub async fn get_lead(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<lead::Model> {
    if viewer.role == Role::Finance {
        return Err(AppError::forbidden());
    }
    Leads::find_by_id(id)
        .filter(policy::leads(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Lead"))
}

/// A lead the viewer may work: owned within scope and still open. Errors: `FORBIDDEN`,
/// `NOT_FOUND`, `INVALID_STATE` (pool, converted, disqualified).
pub(crate) async fn lead_for_work(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<lead::Model> {
    let model = get_lead(db, viewer, id).await?;
    if model.in_pool {
        return Err(AppError::invalid_state(
            "The lead is in the pool: claim it first",
        ));
    }
    if !LeadStatus::OPEN_STORED.contains(&model.status.as_str()) {
        return Err(AppError::invalid_state(format!(
            "A {} lead is read-only",
            model.status.to_lowercase()
        )));
    }
    Ok(model)
}

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

/// Owned leads in scope (`pool: false`) or the pool (`pool: true`), filtered and ordered.
/// Errors: `FORBIDDEN` (finance), `BAD_USER_INPUT` (paging).
pub async fn list_leads(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    pool: bool,
    filter: LeadFilter,
    order: LeadOrder,
    descending: bool,
    page: &PageRequest,
) -> AppResult<Page<lead::Model>> {
    if viewer.role == Role::Finance {
        return Err(AppError::forbidden());
    }
    let scope = if pool {
        policy::lead_pool(viewer)
    } else {
        policy::owned_leads(viewer)
    };
    let mut condition = Condition::all().add(scope);
    if let Some(statuses) = filter.statuses.filter(|s| !s.is_empty()) {
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
    if let Some(grade) = filter.grade {
        condition = condition.add(lead::Column::Grade.eq(grade));
    }
    if let Some(since) = filter.updated_since {
        condition = condition.add(lead::Column::UpdatedAt.gte(since));
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
    let select = Leads::find().filter(condition);
    let (sort, value_of): (SortKey<lead::Column>, fn(&lead::Model) -> i64) = match order {
        LeadOrder::Created => (SortKey::Id, |_| 0),
        LeadOrder::Updated => (SortKey::Time(lead::Column::UpdatedAt), |m| {
            m.updated_at.timestamp_micros()
        }),
        LeadOrder::Score => (SortKey::Int(lead::Column::Score), |m| i64::from(m.score)),
    };
    pagination::fetch_sorted(
        db,
        select,
        lead::Column::Id,
        sort,
        descending,
        page,
        value_of,
        |m| m.id,
    )
    .await
}

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
}

fn status_rank(status: &str) -> usize {
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
    if current.version != expected_version {
        return Err(AppError::conflict(current.version));
    }
    let mut next = current.clone();
    if let Some(name) = &changes.name {
        next.name = required_text(name, "input.name", 200)?;
    }
    if let Some(company) = &changes.company {
        next.company = optional_text(Some(company), "input.company", 200)?;
        next.company_key = next.company.as_deref().and_then(normalize::company_key);
    }
    if changes.phone.is_some() || changes.email.is_some() {
        let (phone, phone_key, email, email_key) = parse_contact_fields(
            changes.phone.as_deref().or(current.phone.as_deref()),
            changes.email.as_deref().or(current.email.as_deref()),
            &state.config.default_country_code,
        )?;
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
    if let Some(region) = &changes.region {
        next.region = optional_text(Some(region), "input.region", 100)?;
    }
    if let Some(industry) = &changes.industry {
        next.industry = optional_text(Some(industry), "input.industry", 100)?;
    }
    if let Some(notes) = &changes.notes {
        next.notes = optional_text(Some(notes), "input.notes", 5000)?;
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
        next.status = target.to_owned();
    }
    let (score, grade) = rate(&rules, &next);
    next.score = score;
    next.grade = grade.to_owned();
    next.version = current.version + 1;
    next.updated_at = now;
    let changes = lead::ActiveModel::from(next.clone()).reset_all();
    let updated = crate::db::update_if_version::<Leads>(
        &txn,
        changes,
        lead::Column::Id,
        id,
        lead::Column::Version,
        expected_version,
    )
    .await?;
    if !updated {
        return Err(AppError::conflict(current.version + 1));
    }
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

/// The lead `viewer` converts, locked: one they may work, still qualified. Errors:
/// `FORBIDDEN`, `NOT_FOUND`, `INVALID_STATE`.
pub async fn convertible_in(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<lead::Model> {
    let current = lead_for_work(txn, viewer, id).await?;
    if current.status != LeadStatus::Qualified.as_str() {
        return Err(AppError::invalid_state(
            "Only a qualified lead can be converted",
        ));
    }
    Ok(current)
}

/// Where a converted lead went.
#[derive(Debug, Clone, Copy)]
pub struct Conversion {
    pub customer_id: Uuid,
    pub contact_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    /// Whether the customer existed before (linked rather than created).
    pub linked: bool,
}

/// Marks `current` (from [`convertible_in`]) converted into `to`, at its version; records the
/// lead event and audits. Errors: `CONFLICT` (changed meanwhile).
pub async fn mark_converted_in(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    current: &lead::Model,
    to: Conversion,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let id = current.id;
    let result = Leads::update_many()
        .col_expr(
            lead::Column::ConvertedOpportunityId,
            Expr::value(to.opportunity_id),
        )
        .col_expr(
            lead::Column::Status,
            Expr::value(LeadStatus::Converted.as_str()),
        )
        .col_expr(
            lead::Column::ConvertedCustomerId,
            Expr::value(Some(to.customer_id)),
        )
        .col_expr(
            lead::Column::ConvertedContactId,
            Expr::value(Some(to.contact_id)),
        )
        .col_expr(lead::Column::ConvertedAt, Expr::value(Some(now)))
        .col_expr(
            lead::Column::PoolDeadline,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(lead::Column::Version, Expr::value(current.version + 1))
        .col_expr(lead::Column::UpdatedAt, Expr::value(now))
        .filter(lead::Column::Id.eq(id))
        .filter(lead::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::conflict(current.version + 1));
    }
    write_event(
        txn,
        id,
        LeadEventKind::Converted,
        Some(viewer.user_id),
        current.owner_id,
        current.owner_id,
        None,
        now,
    )
    .await?;
    crate::audit::Entry { actor_id: Some(viewer.user_id), action: "lead.converted", subject_type: "Lead", subject_id: id, details: serde_json::json!({"customerId": to.customer_id, "contactId": to.contact_id, "linked": to.linked}) }.record(txn, now)
    .await?;
    Ok(())
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
    let updated = crate::db::update_if_version::<Leads>(
        txn,
        changes,
        lead::Column::Id,
        id,
        lead::Column::Version,
        current.version,
    )
    .await?;
    if !updated {
        return Err(AppError::conflict(current.version + 1));
    }
    Ok(next)
}

/// Leads by id, without visibility (for loaders under visible records).
pub async fn events_of(
    db: &impl ConnectionTrait,
    lead_ids: &[Uuid],
) -> AppResult<Vec<lead_event::Model>> {
    use sea_orm::QueryOrder;
    Ok(entity::lead_event::Entity::find()
        .filter(lead_event::Column::LeadId.is_in(lead_ids.to_vec()))
        .order_by_asc(lead_event::Column::Id)
        .all(db)
        .await?)
}
