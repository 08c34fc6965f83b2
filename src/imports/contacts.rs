//! Importing contacts onto customers the importer sees (as `addContact` allows), the customer
//! named by its id or its name: checked as `addContact` checks them, refused when the phone or
//! e-mail is already a contact's or an earlier row's.

use std::collections::{HashMap, HashSet};

use async_graphql::ID;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::columns::Columns;
use super::rows::{Batch, Outcome, RowError, id_of};
use crate::customers::service::{NewContact, contact_row};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ids::{NodeType, decode_id};
use crate::normalize;
use crate::policy;
use entity::{contact, customer};

/// The columns: the customer (its id or its name), then `addContact`'s input fields.
pub const FIELDS: &[&str] = &[
    "customerId",
    "customerName",
    "name",
    "title",
    "phone",
    "email",
];
const CUSTOMER_ID: usize = 0;
const CUSTOMER_NAME: usize = 1;
const NAME: usize = 2;
const TITLE: usize = 3;
const PHONE: usize = 4;
const EMAIL: usize = 5;
/// Columns every file needs.
pub const REQUIRED: &[usize] = &[NAME];

/// A file names each contact's customer by id or by name. Errors: `BAD_USER_INPUT` on
/// `input.file`.
pub fn check_columns(columns: &Columns) -> AppResult<()> {
    if columns.has(CUSTOMER_ID) || columns.has(CUSTOMER_NAME) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "input.file",
            "The file needs a column customerId or customerName",
        ))
    }
}

/// The customers the batch names that the viewer sees: by id, and by folded name (a name may
/// be several customers').
async fn customers(
    db: &impl ConnectionTrait,
    batch: &Batch<'_>,
) -> AppResult<(HashSet<Uuid>, HashMap<String, Vec<Uuid>>)> {
    let ids: HashSet<Uuid> = batch
        .rows
        .iter()
        .filter_map(|row| batch.columns.cell(row, CUSTOMER_ID))
        .filter_map(|id| decode_id(&ID(id.to_owned()), NodeType::Customer, "customerId").ok())
        .collect();
    let keys: HashSet<String> = batch
        .rows
        .iter()
        .filter(|row| batch.columns.cell(row, CUSTOMER_ID).is_none())
        .filter_map(|row| batch.columns.cell(row, CUSTOMER_NAME))
        .filter_map(normalize::company_key)
        .collect();
    let mut by_id = HashSet::new();
    if !ids.is_empty() {
        let found: Vec<Uuid> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .filter(customer::Column::Id.is_in(ids))
            .filter(policy::customers(batch.viewer))
            .into_tuple()
            .all(db)
            .await?;
        by_id.extend(found);
    }
    let mut by_name: HashMap<String, Vec<Uuid>> = HashMap::new();
    if !keys.is_empty() {
        let found: Vec<(Uuid, String)> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .column(customer::Column::CompanyKey)
            .filter(customer::Column::CompanyKey.is_in(keys))
            .filter(policy::customers(batch.viewer))
            .into_tuple()
            .all(db)
            .await?;
        for (id, key) in found {
            by_name.entry(key).or_default().push(id);
        }
    }
    Ok((by_id, by_name))
}

/// The row's customer, or why there is none.
fn customer_of(
    batch: &Batch<'_>,
    row: &super::table::Row,
    by_id: &HashSet<Uuid>,
    by_name: &HashMap<String, Vec<Uuid>>,
) -> Result<Uuid, RowError> {
    let refuse = |field, code, message: &str| RowError::new(row.number, field, code, message);
    if let Some(id) = batch.columns.cell(row, CUSTOMER_ID) {
        let id = decode_id(&ID(id.to_owned()), NodeType::Customer, "customerId")
            .map_err(|_| refuse("customerId", ErrorCode::BadUserInput, "Not a customer's id"))?;
        return by_id
            .contains(&id)
            .then_some(id)
            .ok_or_else(|| refuse("customerId", ErrorCode::NotFound, "No such customer"));
    }
    let Some(name) = batch.columns.cell(row, CUSTOMER_NAME) else {
        return Err(refuse(
            "customerName",
            ErrorCode::BadUserInput,
            "Name the customer (customerId or customerName)",
        ));
    };
    match normalize::company_key(name)
        .and_then(|key| by_name.get(&key))
        .map(Vec::as_slice)
    {
        Some([id]) => Ok(*id),
        Some([_, _, ..]) => Err(refuse(
            "customerName",
            ErrorCode::BadUserInput,
            "Several customers you see have this name: give customerId",
        )),
        _ => Err(refuse(
            "customerName",
            ErrorCode::NotFound,
            "No customer you see has this name",
        )),
    }
}

/// Checks the batch's rows and writes those that pass (unless in a dry run).
pub async fn write(db: &impl ConnectionTrait, batch: Batch<'_>) -> AppResult<Outcome> {
    let (by_id, by_name) = customers(db, &batch).await?;
    let mut outcome = Outcome::default();
    let mut candidates = Vec::new();
    for row in &batch.rows {
        let cell = |field| batch.columns.cell(row, field).map(str::to_owned);
        let customer_id = customer_of(&batch, row, &by_id, &by_name);
        let new = NewContact {
            name: cell(NAME).unwrap_or_default(),
            title: cell(TITLE),
            phone: cell(PHONE),
            email: cell(EMAIL),
            client_id: None,
        };
        let keys = (
            new.phone
                .as_deref()
                .and_then(|p| normalize::phone_key(p, batch.country_code)),
            new.email.as_deref().and_then(normalize::email_key),
        );
        let model = contact_row(
            *customer_id.as_ref().unwrap_or(&Uuid::nil()),
            new,
            batch.country_code,
            batch.now,
        );
        match (customer_id, model) {
            (Ok(customer_id), Ok(model)) => candidates.push((row.number, customer_id, keys, model)),
            (customer, model) => {
                outcome.errors.extend(customer.err());
                if let Err(err) = model {
                    outcome.errors.extend(RowError::of(row.number, err, &[]));
                }
            }
        }
    }
    let phones: Vec<&String> = candidates.iter().filter_map(|c| c.2.0.as_ref()).collect();
    let emails: Vec<&String> = candidates.iter().filter_map(|c| c.2.1.as_ref()).collect();
    let mut taken: HashSet<String> = HashSet::new();
    if !phones.is_empty() {
        let found: Vec<Option<String>> = contact::Entity::find()
            .select_only()
            .column(contact::Column::PhoneKey)
            .filter(contact::Column::PhoneKey.is_in(phones))
            .into_tuple()
            .all(db)
            .await?;
        taken.extend(found.into_iter().flatten().map(|k| format!("phone:{k}")));
    }
    if !emails.is_empty() {
        let found: Vec<Option<String>> = contact::Entity::find()
            .select_only()
            .column(contact::Column::EmailKey)
            .filter(contact::Column::EmailKey.is_in(emails))
            .into_tuple()
            .all(db)
            .await?;
        taken.extend(found.into_iter().flatten().map(|k| format!("email:{k}")));
    }
    let mut contacts = Vec::new();
    let mut audit = Vec::new();
    for (number, customer_id, (phone, email), model) in candidates {
        let mut refused = Vec::new();
        for (key, kind) in [(&phone, "phone"), (&email, "email")] {
            let Some(key) = key else { continue };
            let message = if taken.contains(&format!("{kind}:{key}")) {
                "A contact with this {kind} already exists"
            } else if batch.seen.taken(kind, key) {
                "An earlier row has this {kind}"
            } else {
                continue;
            };
            refused.push(RowError::new(
                number,
                kind,
                ErrorCode::Duplicate,
                message.replace("{kind}", kind),
            ));
        }
        if !refused.is_empty() {
            outcome.errors.extend(refused);
            continue;
        }
        for (key, kind) in [(&phone, "phone"), (&email, "email")] {
            if let Some(key) = key {
                batch.seen.take(kind, key);
            }
        }
        outcome.created += 1;
        audit.push((id_of(&model.id)?, customer_id));
        contacts.push(model);
    }
    if batch.write && !contacts.is_empty() {
        contact::Entity::insert_many(contacts)
            .exec_without_returning(db)
            .await?;
        let entries: Vec<crate::audit::Entry<'_>> = audit
            .iter()
            .map(|(id, customer_id)| crate::audit::Entry {
                actor_id: Some(batch.viewer.user_id),
                action: "contact.created",
                subject_type: "Contact",
                subject_id: *id,
                details: serde_json::json!({"customerId": customer_id,
                    "importId": batch.import_id}),
            })
            .collect();
        crate::audit::record_all(db, &entries, batch.now).await?;
    }
    Ok(outcome)
}
