//! Importing customers, each with its first contact when the row names one: checked as
//! `createCustomer` and `addContact` check them, owned by `ownerEmail` (whom the importer may
//! give customers to) or the importer, refused when the company name, phone or e-mail is
//! already a customer's, contact's or lead's, or an earlier row's.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::rows::{Batch, Outcome, RowError, id_of};
use crate::customers::grading::may_pin;
use crate::customers::service::{NewContact, NewCustomer, contact_row, customer_row};
use crate::error::{AppResult, ErrorCode};
use crate::identity::{Role, Viewer};
use crate::normalize;
use entity::{contact, customer, lead, user};

/// The columns, as `createCustomer`'s input fields and the first contact's.
pub const FIELDS: &[&str] = &[
    "name",
    "industry",
    "region",
    "address",
    "grade",
    "contactName",
    "phone",
    "email",
    "ownerEmail",
];
const NAME: usize = 0;
const INDUSTRY: usize = 1;
const REGION: usize = 2;
const ADDRESS: usize = 3;
const GRADE: usize = 4;
const CONTACT_NAME: usize = 5;
const PHONE: usize = 6;
const EMAIL: usize = 7;
const OWNER_EMAIL: usize = 8;
/// Columns every file needs.
pub const REQUIRED: &[usize] = &[NAME];

/// A row that passed its own checks, waiting for the duplicate checks.
struct Candidate {
    row: i64,
    customer: customer::ActiveModel,
    /// The first contact, and its name.
    contact: Option<(contact::ActiveModel, String)>,
    name: String,
    company_key: Option<String>,
    phone_key: Option<String>,
    email_key: Option<String>,
}

/// Whom the viewer may give a record to: themselves; a manager, members of the teams they
/// manage; an admin, any active person.
pub(super) fn may_own(viewer: &Viewer, owner: &user::Model) -> bool {
    owner.id == viewer.user_id
        || viewer.role == Role::Admin
        || (viewer.role == Role::SalesManager && viewer.manages(owner.team_id))
}

/// The active people with the e-mails of the batch's `column` (its owners).
pub(super) async fn owners(
    db: &impl ConnectionTrait,
    batch: &Batch<'_>,
    column: usize,
) -> AppResult<HashMap<String, user::Model>> {
    let emails: HashSet<String> = batch
        .rows
        .iter()
        .filter_map(|row| batch.columns.cell(row, column))
        .map(crate::input::Email::normalize)
        .collect();
    if emails.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Email.is_in(emails))
        .filter(user::Column::Kind.eq(crate::identity::PERSON))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.email.clone(), u))
        .collect())
}

/// The row's owner: the person its `column` names (whom the viewer may give records to), or
/// the viewer when blank.
pub(super) fn owner_of(
    batch: &Batch<'_>,
    owners: &HashMap<String, user::Model>,
    row: &super::table::Row,
    column: usize,
) -> Result<uuid::Uuid, RowError> {
    let Some(email) = batch.columns.cell(row, column) else {
        return Ok(batch.viewer.user_id);
    };
    match owners.get(&crate::input::Email::normalize(email)) {
        None => Err(RowError::new(
            row.number,
            "ownerEmail",
            ErrorCode::NotFound,
            "No active user has this e-mail",
        )),
        Some(owner) if !may_own(batch.viewer, owner) => Err(RowError::new(
            row.number,
            "ownerEmail",
            ErrorCode::Forbidden,
            "You may not give records to this user",
        )),
        Some(owner) => Ok(owner.id),
    }
}

/// Checks a row on its own: its fields, its owner, its contact.
fn candidate(
    batch: &Batch<'_>,
    owners: &HashMap<String, user::Model>,
    row: &super::table::Row,
) -> Result<Candidate, Vec<RowError>> {
    let cell = |field| batch.columns.cell(row, field).map(str::to_owned);
    let number = row.number;
    let mut errors = Vec::new();
    let owner_id = match owner_of(batch, owners, row, OWNER_EMAIL) {
        Ok(owner) => Some(owner),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let grade = cell(GRADE).map(|g| g.to_ascii_uppercase());
    if grade.is_some() && !may_pin(batch.viewer) {
        errors.push(RowError::new(
            number,
            "grade",
            ErrorCode::Forbidden,
            "Only managers and admins set a grade",
        ));
    }
    let name = cell(NAME).unwrap_or_default();
    let customer = customer_row(
        owner_id.unwrap_or(batch.viewer.user_id),
        NewCustomer {
            name: name.clone(),
            industry: cell(INDUSTRY),
            region: cell(REGION),
            address: cell(ADDRESS),
            location: None,
            grade,
            client_id: None,
            campaign_id: None,
        },
        batch.now,
    );
    let (phone, email) = (cell(PHONE), cell(EMAIL));
    let wants_contact = cell(CONTACT_NAME).is_some() || phone.is_some() || email.is_some();
    let customer = match customer {
        Ok(customer) => Some(customer),
        Err(err) => {
            errors.extend(RowError::of(number, err, &[]));
            None
        }
    };
    let contact = match (&customer, wants_contact) {
        (Some(customer), true) => {
            let customer_id = id_of(&customer.id).map_err(|_| Vec::new())?;
            let contact_name = cell(CONTACT_NAME).unwrap_or_else(|| name.clone());
            let new = NewContact {
                name: contact_name.clone(),
                title: None,
                phone: phone.clone(),
                email: email.clone(),
                client_id: None,
            };
            match contact_row(customer_id, new, batch.country_code, batch.now) {
                Ok(contact) => Some((contact, contact_name)),
                Err(err) => {
                    errors.extend(RowError::of(number, err, &[("name", "contactName")]));
                    None
                }
            }
        }
        _ => None,
    };
    match customer {
        Some(customer) if errors.is_empty() => Ok(Candidate {
            row: number,
            customer,
            contact,
            company_key: normalize::company_key(&name).filter(|k| !k.is_empty()),
            name,
            phone_key: phone
                .as_deref()
                .and_then(|p| normalize::phone_key(p, batch.country_code)),
            email_key: email.as_deref().and_then(normalize::email_key),
        }),
        _ => Err(errors),
    }
}

/// Which of the company keys a customer already has.
async fn companies_taken(
    db: &impl ConnectionTrait,
    candidates: &[Candidate],
) -> AppResult<HashSet<String>> {
    let companies: Vec<&String> = candidates
        .iter()
        .filter_map(|c| c.company_key.as_ref())
        .collect();
    if companies.is_empty() {
        return Ok(HashSet::new());
    }
    let keys: Vec<String> = customer::Entity::find()
        .select_only()
        .column(customer::Column::CompanyKey)
        .filter(customer::Column::CompanyKey.is_in(companies))
        .into_tuple()
        .all(db)
        .await?;
    Ok(keys.into_iter().collect())
}

/// Which of the phone and e-mail keys a contact or lead already has.
pub(super) async fn contact_keys_taken(
    db: &impl ConnectionTrait,
    phones: Vec<&String>,
    emails: Vec<&String>,
) -> AppResult<(HashSet<String>, HashSet<String>)> {
    let mut taken_phones = HashSet::new();
    let mut taken_emails = HashSet::new();
    if !phones.is_empty() {
        let of_contacts: Vec<Option<String>> = contact::Entity::find()
            .select_only()
            .column(contact::Column::PhoneKey)
            .filter(contact::Column::PhoneKey.is_in(phones.clone()))
            .into_tuple()
            .all(db)
            .await?;
        let of_leads: Vec<Option<String>> = lead::Entity::find()
            .select_only()
            .column(lead::Column::PhoneKey)
            .filter(lead::Column::PhoneKey.is_in(phones))
            .into_tuple()
            .all(db)
            .await?;
        taken_phones.extend(of_contacts.into_iter().chain(of_leads).flatten());
    }
    if !emails.is_empty() {
        let of_contacts: Vec<Option<String>> = contact::Entity::find()
            .select_only()
            .column(contact::Column::EmailKey)
            .filter(contact::Column::EmailKey.is_in(emails.clone()))
            .into_tuple()
            .all(db)
            .await?;
        let of_leads: Vec<Option<String>> = lead::Entity::find()
            .select_only()
            .column(lead::Column::EmailKey)
            .filter(lead::Column::EmailKey.is_in(emails))
            .into_tuple()
            .all(db)
            .await?;
        taken_emails.extend(of_contacts.into_iter().chain(of_leads).flatten());
    }
    Ok((taken_phones, taken_emails))
}

/// Checks the batch's rows and writes those that pass (unless in a dry run).
pub async fn write(db: &impl ConnectionTrait, batch: Batch<'_>) -> AppResult<Outcome> {
    let owners = owners(db, &batch, OWNER_EMAIL).await?;
    let mut outcome = Outcome::default();
    let mut candidates = Vec::with_capacity(batch.rows.len());
    for row in &batch.rows {
        match candidate(&batch, &owners, row) {
            Ok(candidate) => candidates.push(candidate),
            Err(errors) => outcome.errors.extend(errors),
        }
    }
    let companies = companies_taken(db, &candidates).await?;
    let (phones, emails) = contact_keys_taken(
        db,
        candidates
            .iter()
            .filter_map(|c| c.phone_key.as_ref())
            .collect(),
        candidates
            .iter()
            .filter_map(|c| c.email_key.as_ref())
            .collect(),
    )
    .await?;
    let mut customers = Vec::new();
    let mut contacts = Vec::new();
    let mut audit = Vec::new();
    for candidate in candidates {
        let mut refused = Vec::new();
        let checks = [
            (&candidate.company_key, &companies, "company", "name"),
            (&candidate.phone_key, &phones, "phone", "phone"),
            (&candidate.email_key, &emails, "email", "email"),
        ];
        for (key, existing, kind, field) in checks {
            let Some(key) = key else { continue };
            let message = if existing.contains(key) {
                Some(format!("A record with this {field} already exists"))
            } else if batch.seen.taken(kind, key) {
                Some(format!("An earlier row has this {field}"))
            } else {
                None
            };
            if let Some(message) = message {
                refused.push(RowError::new(
                    candidate.row,
                    field,
                    ErrorCode::Duplicate,
                    message,
                ));
            }
        }
        if !refused.is_empty() {
            outcome.errors.extend(refused);
            continue;
        }
        for (key, kind) in [
            (&candidate.company_key, "company"),
            (&candidate.phone_key, "phone"),
            (&candidate.email_key, "email"),
        ] {
            if let Some(key) = key {
                batch.seen.take(kind, key);
            }
        }
        outcome.created += 1;
        let customer_id = id_of(&candidate.customer.id)?;
        audit.push((customer_id, "Customer", "customer.created", candidate.name));
        if let Some((contact, contact_name)) = candidate.contact {
            audit.push((
                id_of(&contact.id)?,
                "Contact",
                "contact.created",
                contact_name,
            ));
            contacts.push(contact);
        }
        customers.push(candidate.customer);
    }
    if batch.write && !customers.is_empty() {
        customer::Entity::insert_many(customers)
            .exec_without_returning(db)
            .await?;
        if !contacts.is_empty() {
            contact::Entity::insert_many(contacts)
                .exec_without_returning(db)
                .await?;
        }
        let entries: Vec<crate::audit::Entry<'_>> = audit
            .iter()
            .map(|(id, subject_type, action, name)| crate::audit::Entry {
                actor_id: Some(batch.viewer.user_id),
                action,
                subject_type,
                subject_id: *id,
                details: serde_json::json!({"name": name, "importId": batch.import_id}),
            })
            .collect();
        crate::audit::record_all(db, &entries, batch.now).await?;
    }
    Ok(outcome)
}
