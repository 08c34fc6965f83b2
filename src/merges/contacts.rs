//! Merging duplicate contacts of one customer: the survivor takes the chosen fields, the deals,
//! visits, callbacks, tickets, converted leads and campaign memberships that named the others
//! name it, the others go (their ids answering with the survivor), audited and undoable.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::links::{CONTACT_LINKS, Moved, linked_counts, move_back, move_links};
use super::members::{Holder, drop_repeats, put_back};
use super::service::{
    CONTACT, Merged, Stored, audit_merge, check_ids, check_unchanged, finish_undo, lock_rows,
    may_merge, open_undo, record, source_of,
};
use crate::customers::contacts::get_contact;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::state::AppState;
use entity::{campaign_member, contact};

crate::string_enum! {
    /// A contact field whose value a merge may take from a merged contact.
    MergeContactField {
        /// The name.
        Name => "NAME",
        /// The job title.
        Title => "TITLE",
        /// The phone number.
        Phone => "PHONE",
        /// The e-mail address.
        Email => "EMAIL",
    }
}

/// What a merge of contacts keeps of the records it removes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Snapshot {
    survivor: contact::Model,
    merged: Vec<contact::Model>,
    /// Memberships removed because the survivor was in the campaign already.
    dropped_members: Vec<campaign_member::Model>,
    linked: std::collections::BTreeMap<String, i64>,
}

fn take(survivor: &mut contact::ActiveModel, field: MergeContactField, from: &contact::Model) {
    match field {
        MergeContactField::Name => survivor.name = Set(from.name.clone()),
        MergeContactField::Title => survivor.title = Set(from.title.clone()),
        MergeContactField::Phone => {
            survivor.phone = Set(from.phone.clone());
            survivor.phone_key = Set(from.phone_key.clone());
        }
        MergeContactField::Email => {
            survivor.email = Set(from.email.clone());
            survivor.email_key = Set(from.email_key.clone());
        }
    }
}

/// Merges contacts `merged_ids` into `survivor_id`, all of one customer. Errors: `FORBIDDEN`,
/// `NOT_FOUND` (a contact of a customer the viewer does not see, as a missing one),
/// `BAD_USER_INPUT` (`input.mergedIds`: as for customers, or `input.mergedIds.N`: a contact of
/// another customer; `input.fieldChoices.N.fromId`).
pub async fn merge_contacts(
    state: &AppState,
    viewer: &Viewer,
    survivor_id: Uuid,
    merged_ids: Vec<Uuid>,
    choices: Vec<(MergeContactField, Uuid)>,
) -> AppResult<Merged<contact::Model>> {
    may_merge(viewer)?;
    check_ids(survivor_id, &merged_ids, "contacts")?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    lock_rows::<contact::Entity>(&txn, contact::Column::Id, survivor_id, &merged_ids).await?;
    let survivor = get_contact(&txn, viewer, survivor_id)
        .await
        .map_err(|e| e.with_field("input.survivorId"))?;
    let mut merged = Vec::with_capacity(merged_ids.len());
    for (index, id) in merged_ids.iter().enumerate() {
        let field = format!("input.mergedIds.{index}");
        let found = get_contact(&txn, viewer, *id)
            .await
            .map_err(|e| e.with_field(field.clone()))?;
        if found.customer_id != survivor.customer_id {
            return Err(AppError::bad_input(
                field,
                "Merge contacts of one customer: this one belongs to another",
            ));
        }
        merged.push(found);
    }
    let mut changes: contact::ActiveModel = survivor.clone().into();
    for (index, (field, from)) in choices.iter().enumerate() {
        take(
            &mut changes,
            *field,
            source_of(&survivor, &merged, *from, index, |m| m.id)?,
        );
    }
    changes.version = Set(survivor.version + 1);
    changes.updated_at = Set(now);
    let updated = changes.update(&txn).await?;
    let dropped_members = drop_repeats(&txn, Holder::Contact, survivor_id, &merged_ids).await?;
    let moved = move_links(&txn, CONTACT_LINKS, &merged_ids, survivor_id, now).await?;
    let moved_count = moved.values().map(Vec::len).sum();
    contact::Entity::delete_many()
        .filter(contact::Column::Id.is_in(merged_ids.clone()))
        .exec(&txn)
        .await?;
    let snapshot = Snapshot {
        survivor: survivor.clone(),
        merged: merged.clone(),
        dropped_members,
        linked: linked_counts(&txn, CONTACT_LINKS, survivor_id).await?,
    };
    let stored = record(
        &txn,
        state,
        viewer,
        Stored {
            kind: CONTACT,
            survivor_id,
            merged_ids: &merged_ids,
            snapshot: serde_json::to_string(&snapshot).map_err(|_| AppError::internal())?,
            moved: &moved,
            survivor_version: updated.version,
        },
        now,
    )
    .await?;
    audit_merge(
        &txn,
        viewer,
        "Contact",
        &stored,
        (&merged_ids, merged.iter().map(|m| m.name.clone()).collect()),
        moved_count,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Merged {
        merge: stored,
        survivor: updated,
        merged_ids,
        moved: moved_count,
    })
}

/// Undoes a merge of contacts (see `service::undo`).
pub async fn undo(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Merged<contact::Model>> {
    may_merge(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let found = open_undo(&txn, viewer, id, now).await?;
    let survivor = get_contact(&txn, viewer, found.survivor_id)
        .await
        .map_err(|e| e.with_field("input.id"))?;
    let snapshot: Snapshot =
        serde_json::from_str(&found.snapshot).map_err(|_| AppError::internal())?;
    check_unchanged(
        &txn,
        CONTACT_LINKS,
        &found,
        survivor.version,
        &snapshot.linked,
        "contact",
    )
    .await?;
    let moved: Moved = serde_json::from_str(&found.moved).map_err(|_| AppError::internal())?;
    let merged_ids: Vec<Uuid> = snapshot.merged.iter().map(|m| m.id).collect();
    contact::Entity::insert_many(snapshot.merged.iter().map(|gone| {
        let mut back: contact::ActiveModel = gone.clone().into();
        back.version = Set(gone.version + 1);
        back.updated_at = Set(now);
        back.reset_all()
    }))
    .exec_without_returning(&txn)
    .await?;
    move_back(&txn, CONTACT_LINKS, &moved, now).await?;
    put_back(&txn, &snapshot.dropped_members).await?;
    let mut before: contact::ActiveModel = snapshot.survivor.into();
    before.version = Set(survivor.version + 1);
    before.updated_at = Set(now);
    let survivor = before.reset_all().update(&txn).await?;
    let undone = finish_undo(&txn, viewer, id, "Contact", survivor.id, &merged_ids, now).await?;
    txn.commit().await?;
    Ok(Merged {
        merge: undone,
        survivor,
        merged_ids,
        moved: moved.values().map(Vec::len).sum(),
    })
}
