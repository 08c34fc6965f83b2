//! Merging duplicate customers: in one transaction the survivor takes the chosen fields,
//! everything linked to the merged customers moves to it, the merged customers go (their ids
//! answering with the survivor through redirects), and the merge is audited. Within
//! `SALESGRAPH_MERGE_UNDO_HOURS` the merge can be undone while the survivor is unchanged and
//! nothing new was linked to it. The steps every kind shares (checking the ids, storing the
//! merge and its redirects, opening and closing an undo) are here too; contacts and leads have
//! their own files.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::links::{CUSTOMER_LINKS, Moved, linked_counts, move_back, move_links};
use crate::customers::service::get_customer;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::identity::{Role, Viewer};
use crate::state::AppState;
use entity::{customer, merge, redirect};

/// What a merge of customers is stored as.
pub const CUSTOMER: &str = "CUSTOMER";
/// What a merge of contacts is stored as.
pub const CONTACT: &str = "CONTACT";
/// What a merge of leads is stored as.
pub const LEAD: &str = "LEAD";
/// The most records merged into one at once.
pub const MAX_MERGED: usize = 10;
/// The most redirects followed from one id (a survivor later merged itself).
const MAX_HOPS: usize = 8;

crate::string_enum! {
    /// A customer field whose value a merge may take from a merged record.
    MergeCustomerField {
        /// The name.
        Name => "NAME",
        /// The industry.
        Industry => "INDUSTRY",
        /// The region.
        Region => "REGION",
        /// The address.
        Address => "ADDRESS",
        /// The map position.
        Location => "LOCATION",
    }
}

/// What a merge keeps of the records it removes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Snapshot {
    survivor: customer::Model,
    merged: Vec<customer::Model>,
    /// Rows linked to the survivor right after the merge, per link.
    linked: std::collections::BTreeMap<String, i64>,
}

/// A merge and the survivor (of type `S`) as it left it.
pub struct Merged<S = customer::Model> {
    pub merge: merge::Model,
    pub survivor: S,
    pub merged_ids: Vec<Uuid>,
    pub moved: usize,
}

pub(super) fn may_merge(viewer: &Viewer) -> AppResult<()> {
    if viewer.role.sells() && viewer.service.is_none() {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Copies `field` of `from` onto `survivor`.
fn take(survivor: &mut customer::ActiveModel, field: MergeCustomerField, from: &customer::Model) {
    match field {
        MergeCustomerField::Name => {
            survivor.name = Set(from.name.clone());
            survivor.company_key = Set(from.company_key.clone());
        }
        MergeCustomerField::Industry => survivor.industry = Set(from.industry.clone()),
        MergeCustomerField::Region => survivor.region = Set(from.region.clone()),
        MergeCustomerField::Address => survivor.address = Set(from.address.clone()),
        MergeCustomerField::Location => {
            survivor.latitude = Set(from.latitude);
            survivor.longitude = Set(from.longitude);
        }
    }
}

/// Merges `merged_ids` into `survivor_id`, each field in `choices` taken from the record named.
/// Errors: `FORBIDDEN` (a role that does not sell, a key), `BAD_USER_INPUT`
/// (`input.mergedIds`: none, too many, repeated or the survivor;
/// `input.fieldChoices.N.fromId`: not one of the records), `NOT_FOUND` (a record the viewer
/// does not see, as a missing one).
pub async fn merge_customers(
    state: &AppState,
    viewer: &Viewer,
    survivor_id: Uuid,
    merged_ids: Vec<Uuid>,
    choices: Vec<(MergeCustomerField, Uuid)>,
) -> AppResult<Merged> {
    may_merge(viewer)?;
    check_ids(survivor_id, &merged_ids, "customers")?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    lock_rows::<customer::Entity>(&txn, customer::Column::Id, survivor_id, &merged_ids).await?;
    let survivor = get_customer(&txn, viewer, survivor_id)
        .await
        .map_err(|e| e.with_field("input.survivorId"))?;
    let mut merged = Vec::with_capacity(merged_ids.len());
    for (index, id) in merged_ids.iter().enumerate() {
        merged.push(
            get_customer(&txn, viewer, *id)
                .await
                .map_err(|e| e.with_field(format!("input.mergedIds.{index}")))?,
        );
    }
    let mut changes: customer::ActiveModel = survivor.clone().into();
    for (index, (field, from)) in choices.iter().enumerate() {
        let source = source_of(&survivor, &merged, *from, index, |m| m.id)?;
        take(&mut changes, *field, source);
    }
    changes.version = Set(survivor.version + 1);
    changes.updated_at = Set(now);
    let updated = changes.update(&txn).await?;
    let moved = move_links(&txn, CUSTOMER_LINKS, &merged_ids, survivor_id, now).await?;
    let moved_count = moved.values().map(Vec::len).sum();
    customer::Entity::delete_many()
        .filter(customer::Column::Id.is_in(merged_ids.clone()))
        .exec(&txn)
        .await?;
    let snapshot = Snapshot {
        survivor: survivor.clone(),
        merged: merged.clone(),
        linked: linked_counts(&txn, CUSTOMER_LINKS, survivor_id).await?,
    };
    let record = record(
        &txn,
        state,
        viewer,
        Stored {
            kind: CUSTOMER,
            survivor_id,
            merged_ids: &merged_ids,
            snapshot: serde_json::to_string(&snapshot).map_err(|_| AppError::internal())?,
            moved: &moved,
            survivor_version: updated.version,
        },
        now,
    )
    .await?;
    for gone in &merged {
        // Phones holding the merged customer learn it went.
        crate::sync::link_ended(
            &txn,
            crate::sync::Kind::Customer,
            gone.id,
            Some(gone.owner_id),
            now,
        )
        .await?;
    }
    audit_merge(
        &txn,
        viewer,
        "Customer",
        &record,
        (&merged_ids, merged.iter().map(|m| m.name.clone()).collect()),
        moved_count,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Merged {
        merge: record,
        survivor: updated,
        merged_ids,
        moved: moved_count,
    })
}

/// A merge the viewer made (any, for admins). Errors: `NOT_FOUND`.
pub(super) async fn own_merge(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<merge::Model> {
    merge::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|m| m.actor_id == viewer.user_id || viewer.role == Role::Admin)
        .ok_or_else(|| AppError::not_found("Merge").with_field("input.id"))
}

pub(super) fn invalid_state(message: &str) -> AppError {
    AppError::new(ErrorCode::InvalidState, message).with_field("input.id")
}

/// Undoes merge `id`: the merged customers come back with what was theirs, the survivor's
/// fields as they were. Errors: `NOT_FOUND` (someone else's merge, a survivor no longer
/// seen), `INVALID_STATE` (undone already, the window passed, the survivor changed or
/// something new was linked to it since).
pub async fn undo(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Merged> {
    may_merge(viewer)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let found = open_undo(&txn, viewer, id, now).await?;
    let survivor = get_customer(&txn, viewer, found.survivor_id)
        .await
        .map_err(|e| e.with_field("input.id"))?;
    let snapshot: Snapshot =
        serde_json::from_str(&found.snapshot).map_err(|_| AppError::internal())?;
    check_unchanged(
        &txn,
        CUSTOMER_LINKS,
        &found,
        survivor.version,
        &snapshot.linked,
        "customer",
    )
    .await?;
    let moved: Moved = serde_json::from_str(&found.moved).map_err(|_| AppError::internal())?;
    let mut restored: Vec<customer::ActiveModel> = Vec::new();
    for gone in &snapshot.merged {
        let mut back: customer::ActiveModel = gone.clone().into();
        back.version = Set(gone.version + 1);
        back.updated_at = Set(now);
        restored.push(back);
    }
    let merged_ids: Vec<Uuid> = snapshot.merged.iter().map(|m| m.id).collect();
    customer::Entity::insert_many(restored)
        .exec_without_returning(&txn)
        .await?;
    move_back(&txn, CUSTOMER_LINKS, &moved, now).await?;
    let before = snapshot.survivor;
    let survivor = customer::ActiveModel {
        id: Set(before.id),
        name: Set(before.name),
        company_key: Set(before.company_key),
        industry: Set(before.industry),
        region: Set(before.region),
        address: Set(before.address),
        latitude: Set(before.latitude),
        longitude: Set(before.longitude),
        version: Set(survivor.version + 1),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let undone = finish_undo(&txn, viewer, id, "Customer", survivor.id, &merged_ids, now).await?;
    txn.commit().await?;
    let moved_count = moved.values().map(Vec::len).sum();
    Ok(Merged {
        merge: undone,
        survivor,
        merged_ids,
        moved: moved_count,
    })
}

/// Where the id of a merged record of `kind` leads now: the survivor (through later merges
/// too), or `None` when it was never merged.
pub async fn redirect_of(
    db: &impl ConnectionTrait,
    kind: &str,
    id: Uuid,
) -> AppResult<Option<Uuid>> {
    let mut current = id;
    let mut found = None;
    for _ in 0..MAX_HOPS {
        let Some(next) = redirect::Entity::find_by_id(current)
            .filter(redirect::Column::Kind.eq(kind))
            .one(db)
            .await?
        else {
            break;
        };
        current = next.target_id;
        found = Some(current);
    }
    Ok(found)
}

/// A merge the viewer made (admins: any), as stored. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, viewer: &Viewer, id: Uuid) -> AppResult<merge::Model> {
    own_merge(db, viewer, id).await
}

/// Refuses merged ids that are none, too many, repeated or the survivor (`BAD_USER_INPUT` on
/// `input.mergedIds`); `what` names the records (`contacts`).
pub(super) fn check_ids(survivor_id: Uuid, merged_ids: &[Uuid], what: &str) -> AppResult<()> {
    let mut distinct = merged_ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if merged_ids.is_empty()
        || merged_ids.len() > MAX_MERGED
        || distinct.len() != merged_ids.len()
        || merged_ids.contains(&survivor_id)
    {
        return Err(AppError::bad_input(
            "input.mergedIds",
            format!("Name 1 to {MAX_MERGED} other {what}, each once, not the survivor"),
        ));
    }
    Ok(())
}

/// The record field choice `index` takes its value from: the survivor or a merged one.
/// Errors: `BAD_USER_INPUT` on `input.fieldChoices.N.fromId`.
pub(super) fn source_of<'a, M>(
    survivor: &'a M,
    merged: &'a [M],
    from: Uuid,
    index: usize,
    id_of: impl Fn(&M) -> Uuid,
) -> AppResult<&'a M> {
    if id_of(survivor) == from {
        return Ok(survivor);
    }
    merged.iter().find(|m| id_of(m) == from).ok_or_else(|| {
        AppError::bad_input(
            format!("input.fieldChoices.{index}.fromId"),
            "Take a field from the survivor or one of the merged records",
        )
    })
}

/// What a merge stores.
pub(super) struct Stored<'a> {
    pub kind: &'static str,
    pub survivor_id: Uuid,
    pub merged_ids: &'a [Uuid],
    /// JSON of the kind's snapshot.
    pub snapshot: String,
    pub moved: &'a Moved,
    pub survivor_version: i32,
}

/// Stores a merge, undoable for `SALESGRAPH_MERGE_UNDO_HOURS`, and the redirects of the merged
/// ids to the survivor (redirects to a merged record now lead to the survivor too).
pub(super) async fn record(
    txn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    stored: Stored<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<merge::Model> {
    let id = Uuid::now_v7();
    let record = merge::ActiveModel {
        id: Set(id),
        kind: Set(stored.kind.to_owned()),
        survivor_id: Set(stored.survivor_id),
        actor_id: Set(viewer.user_id),
        snapshot: Set(stored.snapshot),
        moved: Set(serde_json::to_string(stored.moved).map_err(|_| AppError::internal())?),
        survivor_version: Set(stored.survivor_version),
        created_at: Set(now),
        undo_until: Set(now + Duration::hours(state.config.merge_undo_hours)),
        undone_at: Set(None),
    }
    .insert(txn)
    .await?;
    redirect::Entity::update_many()
        .col_expr(
            redirect::Column::TargetId,
            sea_orm::sea_query::Expr::value(stored.survivor_id),
        )
        .filter(redirect::Column::TargetId.is_in(stored.merged_ids.to_vec()))
        .exec(txn)
        .await?;
    redirect::Entity::insert_many(stored.merged_ids.iter().map(|old| redirect::ActiveModel {
        old_id: Set(*old),
        kind: Set(stored.kind.to_owned()),
        target_id: Set(stored.survivor_id),
        merge_id: Set(id),
        created_at: Set(now),
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(record)
}

/// A merge the viewer may undo now. Errors: `NOT_FOUND`, `INVALID_STATE` (undone already, the
/// window passed).
pub(super) async fn open_undo(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<merge::Model> {
    // Undo once: a concurrent undo of the merge waits here, then finds it undone.
    merge::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?;
    let found = own_merge(txn, viewer, id).await?;
    if found.undone_at.is_some() {
        return Err(invalid_state("This merge was undone already"));
    }
    if now > found.undo_until {
        return Err(invalid_state("The time to undo this merge has passed"));
    }
    Ok(found)
}

/// Marks merge `id` undone and drops its redirects.
pub(super) async fn close_undo(
    txn: &impl ConnectionTrait,
    id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<merge::Model> {
    redirect::Entity::delete_many()
        .filter(redirect::Column::MergeId.eq(id))
        .exec(txn)
        .await?;
    Ok(merge::ActiveModel {
        id: Set(id),
        undone_at: Set(Some(now)),
        ..Default::default()
    }
    .update(txn)
    .await?)
}

/// Refuses an undo once the survivor changed (`version` is its version now) or gained or lost
/// linked rows since the merge (`linked`: the counts right after it). Errors: `INVALID_STATE`.
pub(super) async fn check_unchanged(
    txn: &impl ConnectionTrait,
    links: &[super::links::Link],
    found: &merge::Model,
    version: i32,
    linked: &std::collections::BTreeMap<String, i64>,
    what: &str,
) -> AppResult<()> {
    if version != found.survivor_version {
        return Err(invalid_state(&format!(
            "The surviving {what} changed since the merge"
        )));
    }
    if linked_counts(txn, links, found.survivor_id).await? != *linked {
        return Err(invalid_state(&format!(
            "Records were linked to or removed from the surviving {what} since the merge"
        )));
    }
    Ok(())
}

/// Audits a merge (`subject.merged`) on its survivor.
pub(super) async fn audit_merge(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    subject_type: &str,
    merge: &merge::Model,
    (merged_ids, merged_names): (&[Uuid], Vec<String>),
    moved: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let action = format!("{}.merged", subject_type.to_lowercase());
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: &action,
        subject_type,
        subject_id: merge.survivor_id,
        details: serde_json::json!({"mergeId": merge.id, "mergedIds": merged_ids,
            "mergedNames": merged_names, "moved": moved}),
    }
    .record(txn, now)
    .await
}

/// Ends an undo: marks merge `id` undone, drops its redirects, audits `subject.merge_undone`.
pub(super) async fn finish_undo(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    subject_type: &str,
    survivor_id: Uuid,
    restored: &[Uuid],
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<merge::Model> {
    let undone = close_undo(txn, id, now).await?;
    let action = format!("{}.merge_undone", subject_type.to_lowercase());
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: &action,
        subject_type,
        subject_id: survivor_id,
        details: serde_json::json!({"mergeId": id, "restoredIds": restored}),
    }
    .record(txn, now)
    .await?;
    Ok(undone)
}

/// Locks the rows of the survivor and the merged records, in id order, to the end of the
/// transaction on PostgreSQL (SQLite's write transaction runs alone): a concurrent merge or
/// change of one of them waits, then reads what this merge left (a merged record gone).
pub(super) async fn lock_rows<E>(
    txn: &impl ConnectionTrait,
    id_column: E::Column,
    survivor_id: Uuid,
    merged_ids: &[Uuid],
) -> AppResult<()>
where
    E: EntityTrait,
{
    use sea_orm::{QueryOrder, QuerySelect};
    let mut ids = merged_ids.to_vec();
    ids.push(survivor_id);
    E::find()
        .filter(id_column.is_in(ids))
        .order_by_asc(id_column)
        .lock_exclusive()
        .all(txn)
        .await?;
    Ok(())
}
