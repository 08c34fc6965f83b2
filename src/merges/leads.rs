//! Merging duplicate leads: the survivor takes the chosen fields and the follow-up counts of
//! all, is scored again, and the events, follow-ups, activities, deals, visits and campaign
//! memberships of the others name it; the others go (their ids answering with the survivor),
//! audited and undoable.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::links::{LEAD_LINKS, Moved, linked_counts, move_back, move_links};
use super::members::{Holder, drop_repeats, put_back};
use super::service::{
    LEAD, Merged, Stored, audit_merge, check_ids, check_unchanged, finish_undo, lock_rows,
    may_merge, open_undo, record, source_of,
};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::leads::access::lead_for_work;
use crate::state::AppState;
use entity::{campaign_member, lead};

crate::string_enum! {
    /// A lead field whose value a merge may take from a merged lead.
    MergeLeadField {
        /// The person's name.
        Name => "NAME",
        /// The company.
        Company => "COMPANY",
        /// The phone number.
        Phone => "PHONE",
        /// The e-mail address.
        Email => "EMAIL",
        /// The region.
        Region => "REGION",
        /// The industry.
        Industry => "INDUSTRY",
        /// The notes.
        Notes => "NOTES",
    }
}

/// What a merge of leads keeps of the records it removes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Snapshot {
    survivor: lead::Model,
    merged: Vec<lead::Model>,
    dropped_members: Vec<campaign_member::Model>,
    linked: std::collections::BTreeMap<String, i64>,
}

fn take(survivor: &mut lead::Model, field: MergeLeadField, from: &lead::Model) {
    match field {
        MergeLeadField::Name => survivor.name = from.name.clone(),
        MergeLeadField::Company => {
            survivor.company = from.company.clone();
            survivor.company_key = from.company_key.clone();
        }
        MergeLeadField::Phone => {
            survivor.phone = from.phone.clone();
            survivor.phone_key = from.phone_key.clone();
        }
        MergeLeadField::Email => {
            survivor.email = from.email.clone();
            survivor.email_key = from.email_key.clone();
        }
        MergeLeadField::Region => survivor.region = from.region.clone(),
        MergeLeadField::Industry => survivor.industry = from.industry.clone(),
        MergeLeadField::Notes => survivor.notes = from.notes.clone(),
    }
}

/// Merges leads `merged_ids` into `survivor_id`, every one open and the viewer's to work.
/// Errors: `FORBIDDEN`, `NOT_FOUND` (a lead the viewer does not see, as a missing one),
/// `INVALID_STATE` (a lead in the pool, converted or disqualified), `BAD_USER_INPUT`
/// (`input.mergedIds`, `input.fieldChoices.N.fromId`).
pub async fn merge_leads(
    state: &AppState,
    viewer: &Viewer,
    survivor_id: Uuid,
    merged_ids: Vec<Uuid>,
    choices: Vec<(MergeLeadField, Uuid)>,
) -> AppResult<Merged<lead::Model>> {
    may_merge(viewer)?;
    check_ids(survivor_id, &merged_ids, "leads")?;
    let now = state.clock.now();
    let rules = crate::leads::rule_store::scoring_rules(&state.db).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    lock_rows::<lead::Entity>(&txn, lead::Column::Id, survivor_id, &merged_ids).await?;
    let survivor = lead_for_work(&txn, viewer, survivor_id)
        .await
        .map_err(|e| e.with_field("input.survivorId"))?;
    let mut merged = Vec::with_capacity(merged_ids.len());
    for (index, id) in merged_ids.iter().enumerate() {
        merged.push(
            lead_for_work(&txn, viewer, *id)
                .await
                .map_err(|e| e.with_field(format!("input.mergedIds.{index}")))?,
        );
    }
    let mut next = survivor.clone();
    for (index, (field, from)) in choices.iter().enumerate() {
        take(
            &mut next,
            *field,
            source_of(&survivor, &merged, *from, index, |m| m.id)?,
        );
    }
    // The follow-ups of all now count for the survivor.
    next.follow_up_count = merged.iter().fold(survivor.follow_up_count, |sum, m| {
        sum.saturating_add(m.follow_up_count)
    });
    next.last_follow_up_at = merged
        .iter()
        .filter_map(|m| m.last_follow_up_at)
        .chain(survivor.last_follow_up_at)
        .max();
    let (score, grade) = crate::leads::rule_store::rate(&rules, &next);
    next.score = score;
    next.grade = grade.to_owned();
    next.version = survivor.version + 1;
    next.updated_at = now;
    let updated = lead::ActiveModel::from(next)
        .reset_all()
        .update(&txn)
        .await?;
    let dropped_members = drop_repeats(&txn, Holder::Lead, survivor_id, &merged_ids).await?;
    let moved = move_links(&txn, LEAD_LINKS, &merged_ids, survivor_id, now).await?;
    let moved_count = moved.values().map(Vec::len).sum();
    lead::Entity::delete_many()
        .filter(lead::Column::Id.is_in(merged_ids.clone()))
        .exec(&txn)
        .await?;
    for gone in &merged {
        // Phones holding the merged lead learn it went.
        crate::sync::link_ended(&txn, crate::sync::Kind::Lead, gone.id, gone.owner_id, now).await?;
    }
    let snapshot = Snapshot {
        survivor: survivor.clone(),
        merged: merged.clone(),
        dropped_members,
        linked: linked_counts(&txn, LEAD_LINKS, survivor_id).await?,
    };
    let stored = record(
        &txn,
        state,
        viewer,
        Stored {
            kind: LEAD,
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
        "Lead",
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

/// Undoes a merge of leads (see `service::undo`): the survivor comes back exactly as it was.
pub async fn undo(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Merged<lead::Model>> {
    may_merge(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let found = open_undo(&txn, viewer, id, now).await?;
    let survivor = lead_for_work(&txn, viewer, found.survivor_id)
        .await
        .map_err(|e| e.with_field("input.id"))?;
    let snapshot: Snapshot =
        serde_json::from_str(&found.snapshot).map_err(|_| AppError::internal())?;
    check_unchanged(
        &txn,
        LEAD_LINKS,
        &found,
        survivor.version,
        &snapshot.linked,
        "lead",
    )
    .await?;
    let moved: Moved = serde_json::from_str(&found.moved).map_err(|_| AppError::internal())?;
    let merged_ids: Vec<Uuid> = snapshot.merged.iter().map(|m| m.id).collect();
    lead::Entity::insert_many(snapshot.merged.iter().map(|gone| {
        let mut back: lead::ActiveModel = gone.clone().into();
        back.version = Set(gone.version + 1);
        back.updated_at = Set(now);
        back.reset_all()
    }))
    .exec_without_returning(&txn)
    .await?;
    move_back(&txn, LEAD_LINKS, &moved, now).await?;
    put_back(&txn, &snapshot.dropped_members).await?;
    let mut before: lead::ActiveModel = snapshot.survivor.into();
    before.version = Set(survivor.version + 1);
    before.updated_at = Set(now);
    let survivor = before.reset_all().update(&txn).await?;
    let undone = finish_undo(&txn, viewer, id, "Lead", survivor.id, &merged_ids, now).await?;
    txn.commit().await?;
    Ok(Merged {
        merge: undone,
        survivor,
        merged_ids,
        moved: moved.values().map(Vec::len).sum(),
    })
}
