//! Restoring from the recycle bin: every row that went comes back as it was, with the links
//! other records had to it, unless something created since now clashes with it.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::plan::REFERENCES;
use super::rows::{Snapshot, Table};
use super::service::{RecycledKind, get};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::recycled_record::{self, Entity as Recycled};
use entity::{activity, contact, customer, lead, opportunity};

fn clash(message: &str) -> AppError {
    AppError::duplicate("input.id", message)
}

/// Refuses a restore into a state that now conflicts: a parent gone since (`INVALID_STATE`),
/// a lead or contact whose phone or e-mail another record took meanwhile (`DUPLICATE`).
async fn check_restorable(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    kind: RecycledKind,
    snapshot: &Snapshot,
) -> AppResult<()> {
    let leads: Vec<lead::Model> = snapshot.rows(Table::Leads)?;
    for found in &leads {
        crate::leads::duplicates::check_duplicates(
            db,
            viewer,
            found.phone_key.as_deref(),
            found.email_key.as_deref(),
            Some(found.id),
        )
        .await
        .map_err(|err| {
            let mut moved = clash(&format!(
                "{} Restoring the lead would make a duplicate.",
                err.message
            ));
            if let Some(existing) = err.existing_id {
                moved = moved.with_existing_id(existing);
            }
            moved
        })?;
    }
    let contacts: Vec<contact::Model> = snapshot.rows(Table::Contacts)?;
    for found in &contacts {
        let mut same = Condition::any();
        if let Some(phone) = &found.phone_key {
            same = same.add(contact::Column::PhoneKey.eq(phone.as_str()));
        }
        if let Some(email) = &found.email_key {
            same = same.add(contact::Column::EmailKey.eq(email.as_str()));
        }
        if found.phone_key.is_none() && found.email_key.is_none() {
            continue;
        }
        let taken = contact::Entity::find()
            .filter(same)
            .filter(contact::Column::Id.ne(found.id))
            .count(db)
            .await?;
        if taken > 0 {
            return Err(clash(&format!(
                "Another contact now has the phone or e-mail of {}",
                found.name
            )));
        }
    }
    let missing_parent = |what: &str| {
        AppError::invalid_state(format!("Its {what} is gone: restore that first"))
            .with_field("input.id")
    };
    match kind {
        RecycledKind::Contact => {
            for found in &contacts {
                if customer::Entity::find_by_id(found.customer_id)
                    .one(db)
                    .await?
                    .is_none()
                {
                    return Err(missing_parent("customer"));
                }
            }
        }
        RecycledKind::Opportunity => {
            let deals: Vec<opportunity::Model> = snapshot.rows(Table::Opportunities)?;
            for deal in &deals {
                if customer::Entity::find_by_id(deal.customer_id)
                    .one(db)
                    .await?
                    .is_none()
                {
                    return Err(missing_parent("customer"));
                }
            }
        }
        RecycledKind::Activity => {
            let activities: Vec<activity::Model> = snapshot.rows(Table::Activities)?;
            for found in &activities {
                let exists = match found.subject_type.as_str() {
                    "LEAD" => lead::Entity::find_by_id(found.subject_id).count(db).await?,
                    "CUSTOMER" => {
                        customer::Entity::find_by_id(found.subject_id)
                            .count(db)
                            .await?
                    }
                    "OPPORTUNITY" => {
                        opportunity::Entity::find_by_id(found.subject_id)
                            .count(db)
                            .await?
                    }
                    _ => {
                        entity::contract::Entity::find_by_id(found.subject_id)
                            .count(db)
                            .await?
                    }
                };
                if exists == 0 {
                    return Err(missing_parent(&found.subject_type.to_lowercase()));
                }
            }
        }
        RecycledKind::Lead | RecycledKind::Customer => {}
    }
    Ok(())
}

/// Puts bin entry `id` back: the record and everything that went with it, as they were, with
/// the links other records had to it. Errors: `NOT_FOUND` (an entry the viewer does not see),
/// `FORBIDDEN` (a role that may not hold the kind), `DUPLICATE` (its phone or e-mail was
/// taken meanwhile), `INVALID_STATE` (the record it belongs to is gone).
pub async fn restore(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<recycled_record::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let entry = get(&txn, viewer, id).await?;
    let kind = RecycledKind::parse(&entry.kind).ok_or_else(AppError::internal)?;
    if kind != RecycledKind::Activity && !viewer.role.sells() {
        return Err(AppError::forbidden());
    }
    // The entry goes first: a concurrent restore (or purge) of it waits, then finds nothing.
    if Recycled::delete_by_id(id).exec(&txn).await?.rows_affected != 1 {
        return Err(AppError::not_found("RecycledRecord").with_field("input.id"));
    }
    let snapshot = Snapshot::from_json(&entry.snapshot)?;
    check_restorable(&txn, viewer, kind, &snapshot).await?;
    snapshot.restore(&txn, REFERENCES, now).await?;
    let action = kind.action("restored");
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: &action,
        subject_type: kind.type_name(),
        subject_id: entry.record_id,
        details: serde_json::json!({"name": entry.name, "binEntryId": entry.id}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(entry)
}
