//! Deleting into the recycle bin, restoring, listing and purging. A deletion removes the record
//! and what goes with it (see `plan`) in one transaction, keeping every row in the bin's
//! snapshot: lists, search, reports and subscriptions no longer find it, and offline copies
//! are told it went. A restore puts every row back as it was, unless something created since
//! now clashes with it.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::plan::Deletion;
use super::rows::{Snapshot, Table};
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::pagination::{self, Page, PageRequest, SortKey};
use crate::policy;
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::recycled_record::{self, Column, Entity as Recycled};
use entity::{activity, contact, customer, lead, opportunity};

crate::string_enum! {
    /// A kind of record the recycle bin holds.
    RecycledKind {
        /// A lead.
        Lead => "LEAD",
        /// A customer, with its contacts, deals, visits, activities and follow-ups.
        Customer => "CUSTOMER",
        /// A contact.
        Contact => "CONTACT",
        /// A deal, with its history, splits, products, activities and follow-ups.
        Opportunity => "OPPORTUNITY",
        /// An activity.
        Activity => "ACTIVITY",
    }
}

impl RecycledKind {
    /// The GraphQL type of the record, as the audit log names it.
    pub(super) fn type_name(self) -> &'static str {
        match self {
            Self::Lead => "Lead",
            Self::Customer => "Customer",
            Self::Contact => "Contact",
            Self::Opportunity => "Opportunity",
            Self::Activity => "Activity",
        }
    }

    pub(super) fn action(self, verb: &str) -> String {
        format!("{}.{verb}", self.type_name().to_lowercase())
    }
}

/// Most bin entries one purge run removes.
const PURGE_BATCH: u64 = 100;

/// A record about to go: its name and owner, for the bin's entry.
struct Doomed {
    name: String,
    owner_id: Option<Uuid>,
}

/// Keeps `NOT_FOUND`, `FORBIDDEN` and the like on `input.id`.
fn on_id(err: AppError) -> AppError {
    err.with_field("input.id")
}

fn check_version(expected: Option<i32>, current: i32) -> AppResult<()> {
    match expected {
        Some(expected) => crate::versioned::check(expected, current).map_err(on_id),
        None => Ok(()),
    }
}

/// Locks the record's row to the end of the transaction on PostgreSQL (SQLite's write
/// transaction runs alone), so what links to it cannot change while it goes: a request adding
/// a contact or a contract to it waits, then finds it gone.
async fn lock(db: &impl ConnectionTrait, kind: RecycledKind, id: Uuid) -> AppResult<()> {
    match kind {
        RecycledKind::Lead => {
            lead::Entity::find_by_id(id)
                .lock_exclusive()
                .one(db)
                .await?;
        }
        RecycledKind::Customer => {
            customer::Entity::find_by_id(id)
                .lock_exclusive()
                .one(db)
                .await?;
        }
        RecycledKind::Contact => {
            contact::Entity::find_by_id(id)
                .lock_exclusive()
                .one(db)
                .await?;
        }
        RecycledKind::Opportunity => {
            opportunity::Entity::find_by_id(id)
                .lock_exclusive()
                .one(db)
                .await?;
        }
        RecycledKind::Activity => {
            activity::Entity::find_by_id(id)
                .lock_exclusive()
                .one(db)
                .await?;
        }
    }
    Ok(())
}

/// Takes the record `kind`/`id` the viewer may change out, with what goes with it, into
/// `deletion`. Errors: `FORBIDDEN` (a role that may not, a record seen but not theirs to
/// change), `NOT_FOUND`, `CONFLICT` (`expected_version` is not the record's), `INVALID_STATE`
/// (money or service history attached, a won deal).
async fn take(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    kind: RecycledKind,
    id: Uuid,
    expected_version: Option<i32>,
    deletion: &mut Deletion,
    now: DateTime<Utc>,
) -> AppResult<Doomed> {
    let sells = viewer.role.sells();
    lock(db, kind, id).await?;
    match kind {
        RecycledKind::Lead => {
            let found = crate::leads::access::get_lead(db, viewer, id)
                .await
                .map_err(on_id)?;
            let manages = matches!(viewer.role, Role::Admin | Role::SalesManager);
            if found.in_pool && !manages {
                return Err(on_id(AppError::read_only("lead")));
            }
            check_version(expected_version, found.version)?;
            deletion.leads(db, &[id], now).await?;
            Ok(Doomed {
                name: found.name,
                owner_id: found.owner_id,
            })
        }
        RecycledKind::Customer => {
            if !sells {
                return Err(AppError::forbidden());
            }
            let found = crate::customers::service::get_customer(db, viewer, id)
                .await
                .map_err(on_id)?;
            check_version(expected_version, found.version)?;
            deletion.customers(db, &[id], now).await?;
            Ok(Doomed {
                name: found.name,
                owner_id: Some(found.owner_id),
            })
        }
        RecycledKind::Contact => {
            if !sells {
                return Err(AppError::forbidden());
            }
            let found = crate::customers::contacts::get_contact(db, viewer, id)
                .await
                .map_err(on_id)?;
            check_version(expected_version, found.version)?;
            let owner = customer::Entity::find_by_id(found.customer_id)
                .one(db)
                .await?
                .map(|c| c.owner_id);
            deletion.contacts(db, &[id], now).await?;
            Ok(Doomed {
                name: found.name,
                owner_id: owner,
            })
        }
        RecycledKind::Opportunity => {
            if !sells {
                return Err(AppError::forbidden());
            }
            let found = crate::opportunities::access::opportunity_for_change(db, viewer, id)
                .await
                .map_err(on_id)?;
            check_version(expected_version, found.version)?;
            deletion
                .opportunities(db, std::slice::from_ref(&found), now)
                .await?;
            Ok(Doomed {
                name: found.name,
                owner_id: Some(found.owner_id),
            })
        }
        RecycledKind::Activity => {
            let found = crate::activities::service::get(db, viewer, id)
                .await
                .map_err(on_id)?;
            check_version(expected_version, found.version)?;
            deletion
                .snapshot
                .take::<activity::Entity>(
                    db,
                    Table::Activities,
                    Condition::all().add(activity::Column::Id.eq(id)),
                )
                .await?;
            Ok(Doomed {
                name: found.title,
                owner_id: Some(found.owner_id),
            })
        }
    }
}

/// Deletes the record `kind`/`id` into the recycle bin; the bin's entry. Errors: as [`take`].
pub async fn delete(
    state: &AppState,
    viewer: &Viewer,
    kind: RecycledKind,
    id: Uuid,
    expected_version: Option<i32>,
) -> AppResult<recycled_record::Model> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut deletion = Deletion::default();
    let doomed = take(&txn, viewer, kind, id, expected_version, &mut deletion, now).await?;
    for gone in &deletion.gone {
        crate::sync::link_ended(&txn, gone.kind, gone.id, gone.principal, now).await?;
    }
    for (entity_type, record) in &deletion.unindexed {
        entity::search_doc::Entity::delete_many()
            .filter(entity::search_doc::Column::EntityType.eq(*entity_type))
            .filter(entity::search_doc::Column::EntityId.eq(*record))
            .exec(&txn)
            .await?;
    }
    let removed = deletion.snapshot.all_ids().len();
    let entry = recycled_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.as_str().to_owned()),
        record_id: Set(id),
        name: Set(doomed.name.chars().take(300).collect()),
        owner_id: Set(doomed.owner_id),
        deleted_by: Set(viewer.user_id),
        deleted_at: Set(now),
        purge_at: Set(now + Duration::days(state.config.recycle_bin_days)),
        snapshot: Set(deletion.snapshot.to_json()?),
    }
    .insert(&txn)
    .await?;
    let action = kind.action("deleted");
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: &action,
        subject_type: kind.type_name(),
        subject_id: id,
        details: serde_json::json!({"name": entry.name, "binEntryId": entry.id,
            "rowsRemoved": removed}),
    }
    .record(&txn, now)
    .await?;
    txn.commit().await?;
    Ok(entry)
}

/// The bin entries the viewer may see and restore: admins all; everyone the ones they
/// deleted or whose record they owned; managers also those of their teams' members.
fn visible(viewer: &Viewer) -> Condition {
    if viewer.is_admin() {
        return Condition::all();
    }
    let mut shown = Condition::any()
        .add(Column::DeletedBy.eq(viewer.user_id))
        .add(Column::OwnerId.eq(viewer.user_id));
    if viewer.role == Role::SalesManager && !viewer.managed_team_ids.is_empty() {
        shown = shown
            .add(Column::OwnerId.in_subquery(policy::members_of(viewer.managed_team_ids.clone())));
    }
    shown
}

/// Filters of `recycleBin`.
#[derive(Debug, Default)]
pub struct BinFilter {
    pub kind: Option<RecycledKind>,
    pub deleted_by: Option<Uuid>,
}

/// The viewer's bin, newest deletion first.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: BinFilter,
    page: &PageRequest,
) -> AppResult<Page<recycled_record::Model>> {
    let mut condition = visible(viewer);
    if let Some(kind) = filter.kind {
        condition = Condition::all()
            .add(condition)
            .add(Column::Kind.eq(kind.as_str()));
    }
    if let Some(by) = filter.deleted_by {
        condition = Condition::all()
            .add(condition)
            .add(Column::DeletedBy.eq(by));
    }
    pagination::fetch_sorted(
        db,
        Recycled::find().filter(condition),
        Column::Id,
        SortKey::Id,
        true,
        page,
        |_| pagination::SortValue::Int(0),
        |entry: &recycled_record::Model| entry.id,
    )
    .await
}

/// A bin entry the viewer may see. Errors: `NOT_FOUND`.
pub async fn get(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<recycled_record::Model> {
    Recycled::find_by_id(id)
        .filter(visible(viewer))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("RecycledRecord").with_field("input.id"))
}

/// The sweep: purges bin entries past their time, and the files on what they held.
pub async fn purge(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let due = Recycled::find()
        .filter(Column::PurgeAt.lte(now))
        .order_by_asc(Column::PurgeAt)
        .limit(PURGE_BATCH)
        .all(&state.db)
        .await?;
    let mut affected = 0;
    for entry in due {
        let snapshot = Snapshot::from_json(&entry.snapshot)?;
        let txn = crate::db::begin_write(&state.db).await?;
        let deleted = Recycled::delete_many()
            .filter(Column::Id.eq(entry.id))
            .filter(Column::PurgeAt.lte(now))
            .exec(&txn)
            .await?
            .rows_affected;
        if deleted == 0 {
            // Restored or purged by another instance meanwhile.
            continue;
        }
        let ids = snapshot.all_ids();
        for part in ids.chunks(500) {
            crate::attachments::service::discard_of_subjects(&txn, part, now).await?;
        }
        crate::audit::Entry {
            actor_id: None,
            action: "recycle_bin.purged",
            subject_type: RecycledKind::parse(&entry.kind)
                .map_or("RecycledRecord", RecycledKind::type_name),
            subject_id: entry.record_id,
            details: serde_json::json!({"name": entry.name, "binEntryId": entry.id}),
        }
        .record(&txn, now)
        .await?;
        txn.commit().await?;
        affected += deleted;
    }
    Ok(SweepReport {
        ran: true,
        affected,
    })
}
