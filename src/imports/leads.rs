//! Importing leads: checked as `createLead` checks them, scored by the scoring rules, owned by
//! `ownerEmail` (whom the importer may assign leads to) or the importer, refused when the phone
//! or e-mail is already a lead's or contact's, or an earlier row's.

use sea_orm::{ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use super::customers::{contact_keys_taken, owner_of, owners};
use super::rows::{Batch, Outcome, RowError};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::input::{optional_text, required_text};
use crate::leads::creation::{BantValues, CheckedLead, lead_row, parse_contact_fields};
use crate::leads::model::{LeadEventKind, LeadSource};
use entity::{lead, lead_event};

/// The columns, as `createLead`'s input fields, and its owner.
pub const FIELDS: &[&str] = &[
    "name",
    "company",
    "phone",
    "email",
    "source",
    "region",
    "industry",
    "notes",
    "ownerEmail",
];
const NAME: usize = 0;
const COMPANY: usize = 1;
const PHONE: usize = 2;
const EMAIL: usize = 3;
const SOURCE: usize = 4;
const REGION: usize = 5;
const INDUSTRY: usize = 6;
const NOTES: usize = 7;
const OWNER_EMAIL: usize = 8;
/// Columns every file needs.
pub const REQUIRED: &[usize] = &[NAME];

/// A source as written (`WEB_FORM`, `web form`, `Web-Form`); `OTHER` when blank.
fn source(text: Option<&str>) -> AppResult<LeadSource> {
    let Some(text) = text else {
        return Ok(LeadSource::Other);
    };
    let folded = text.trim().to_uppercase().replace([' ', '-'], "_");
    LeadSource::parse(&folded).ok_or_else(|| {
        AppError::bad_input(
            "input.source",
            "A source is WEB_FORM, REFERRAL, EVENT, COLD_CALL, CAMPAIGN or OTHER",
        )
    })
}

/// A row's own checks: its fields, as `createLead`'s.
fn checked(batch: &Batch<'_>, row: &super::table::Row) -> AppResult<CheckedLead> {
    let cell = |field| batch.columns.cell(row, field);
    let mut problems = crate::input::Problems::default();
    let name = problems.check(required_text(cell(NAME).unwrap_or(""), "input.name", 200));
    let company = problems.check(optional_text(cell(COMPANY), "input.company", 200));
    let contact = problems.check(parse_contact_fields(
        cell(PHONE),
        cell(EMAIL),
        batch.country_code,
    ));
    let source = problems.check(source(cell(SOURCE)));
    let region = problems.check(optional_text(cell(REGION), "input.region", 100));
    let industry = problems.check(optional_text(cell(INDUSTRY), "input.industry", 100));
    let notes = problems.check(optional_text(cell(NOTES), "input.notes", 5000));
    problems.finish()?;
    let (
        Some(name),
        Some(company),
        Some((phone, phone_key, email, email_key)),
        Some(source),
        Some(region),
        Some(industry),
        Some(notes),
    ) = (name, company, contact, source, region, industry, notes)
    else {
        return Err(AppError::internal());
    };
    Ok(CheckedLead {
        id: Uuid::now_v7(),
        name,
        company,
        phone,
        phone_key,
        email,
        email_key,
        source,
        region,
        industry,
        notes,
        bant: BantValues {
            budget: None,
            authority: None,
            need: None,
            timeline: None,
        },
        campaign_id: None,
    })
}

/// Checks the batch's rows and writes those that pass (unless in a dry run).
pub async fn write(
    db: &impl ConnectionTrait,
    batch: Batch<'_>,
    pool_days: i64,
) -> AppResult<Outcome> {
    let owners = owners(db, &batch, OWNER_EMAIL).await?;
    let rules = crate::leads::rule_store::scoring_rules(db).await?;
    let mut outcome = Outcome::default();
    let mut candidates = Vec::new();
    for row in &batch.rows {
        let owner = owner_of(&batch, &owners, row, OWNER_EMAIL);
        match (owner, checked(&batch, row)) {
            (Ok(owner), Ok(lead)) => candidates.push((row.number, owner, lead)),
            (owner, lead) => {
                outcome.errors.extend(owner.err());
                if let Err(err) = lead {
                    outcome.errors.extend(RowError::of(row.number, err, &[]));
                }
            }
        }
    }
    let (phones, emails) = contact_keys_taken(
        db,
        candidates
            .iter()
            .filter_map(|c| c.2.phone_key.as_ref())
            .collect(),
        candidates
            .iter()
            .filter_map(|c| c.2.email_key.as_ref())
            .collect(),
    )
    .await?;
    let mut leads = Vec::new();
    let mut events = Vec::new();
    for (number, owner, lead) in candidates {
        let mut refused = Vec::new();
        let keys = [
            (lead.phone_key.clone(), &phones, "phone"),
            (lead.email_key.clone(), &emails, "email"),
        ];
        for (key, existing, kind) in &keys {
            let Some(key) = key else { continue };
            let message = if existing.contains(key) {
                format!("A lead or contact with this {kind} already exists")
            } else if batch.seen.taken(kind, key) {
                format!("An earlier row has this {kind}")
            } else {
                continue;
            };
            refused.push(RowError::new(number, kind, ErrorCode::Duplicate, message));
        }
        if !refused.is_empty() {
            outcome.errors.extend(refused);
            continue;
        }
        for (key, _, kind) in &keys {
            if let Some(key) = key {
                batch.seen.take(kind, key);
            }
        }
        outcome.created += 1;
        let model = lead_row(lead, Some(owner), &rules, batch.now, pool_days);
        for kind in [LeadEventKind::Created, LeadEventKind::Assigned] {
            if kind == LeadEventKind::Assigned && owner == batch.viewer.user_id {
                continue;
            }
            events.push(lead_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                lead_id: Set(model.id),
                kind: Set(kind.as_str().to_owned()),
                actor_id: Set(Some(batch.viewer.user_id)),
                from_owner_id: Set(None),
                to_owner_id: Set(Some(owner)),
                reason: Set(None),
                created_at: Set(batch.now),
            });
        }
        leads.push(model);
    }
    if batch.write && !leads.is_empty() {
        let entries: Vec<crate::audit::Entry<'_>> = leads
            .iter()
            .map(|lead| crate::audit::Entry {
                actor_id: Some(batch.viewer.user_id),
                action: "lead.created",
                subject_type: "Lead",
                subject_id: lead.id,
                details: serde_json::json!({"name": lead.name, "ownerId": lead.owner_id,
                    "assign": "IMPORT", "importId": batch.import_id}),
            })
            .collect();
        lead::Entity::insert_many(leads.iter().cloned().map(lead::ActiveModel::from))
            .exec_without_returning(db)
            .await?;
        lead_event::Entity::insert_many(events)
            .exec_without_returning(db)
            .await?;
        crate::audit::record_all(db, &entries, batch.now).await?;
    }
    Ok(outcome)
}
