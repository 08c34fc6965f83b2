//! Offline sync: what a phone needs besides "what changed since" to keep a correct local copy.
//!
//! A list read with `updatedSince` returns the rows changed since then; a row that *left* the
//! caller's view cannot come that way, since the caller no longer sees it. So every change that
//! may take records out of someone's view writes a row to `sync_changes` in its own transaction:
//!
//! - a link to a record ended ([`link_ended`]): a customer or lead handed to someone else (the
//!   link of its former owner), a revenue split removed (the link of its holder), a lead taken
//!   from the pool (the pool's link, `principal` none);
//! - a caller's whole scope changed ([`scope_changed`]): a user moved between teams, a team's
//!   manager replaced, a role changed. Such a change may hide or show any number of records, so
//!   the callers it concerns are told to sync from scratch (`resyncRequired`) instead.
//!
//! A delta then answers `removedIds`: the ids, among those whose link ended through someone the
//! caller could see through (themself, a member of a team they manage, the pool) or that changed
//! since, that no longer match the caller's visibility and filter. Nobody learns an id they could
//! not have seen before. The same log widens the delta itself: rows of a record whose links
//! changed, or whose customer's did (a visit task whose customer became invisible shows that),
//! come again though their own row did not change.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::error::AppResult;
use crate::identity::Viewer;
use entity::sync_change::{self, Column};

/// What a sync change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Customer,
    Lead,
    Opportunity,
    Contract,
    VisitTask,
    /// A caller's scope: everything they see may have changed.
    Scope,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Lead => "lead",
            Self::Opportunity => "opportunity",
            Self::Contract => "contract",
            Self::VisitTask => "visit_task",
            Self::Scope => "scope",
        }
    }
}

/// Records that `principal`'s link to `record` ended (`None`: the lead pool's).
pub async fn link_ended(
    db: &impl ConnectionTrait,
    kind: Kind,
    record: Uuid,
    principal: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    write(db, kind, Some(record), principal, None, now).await
}

/// Records that the scope of `user`, or of every member and manager of `team`, changed.
pub async fn scope_changed(
    db: &impl ConnectionTrait,
    user: Option<Uuid>,
    team: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    write(db, Kind::Scope, None, user, team, now).await
}

/// Marks the start of the log once (the first run of a server on this database): a sync from
/// before it cannot know what left its view, so it starts over.
pub async fn mark_start(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<()> {
    let started = sync_change::Entity::find()
        .filter(Column::Kind.eq(Kind::Scope.as_str()))
        .filter(Column::PrincipalId.is_null())
        .filter(Column::TeamId.is_null())
        .one(db)
        .await?;
    if started.is_none() {
        write(db, Kind::Scope, None, None, None, now).await?;
    }
    Ok(())
}

async fn write(
    db: &impl ConnectionTrait,
    kind: Kind,
    record: Option<Uuid>,
    principal: Option<Uuid>,
    team: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    sync_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.as_str().to_owned()),
        record_id: Set(record),
        principal_id: Set(principal),
        team_id: Set(team),
        at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Deletes what no sync can still ask for: changes older than the retention (a sync from
/// before it starts over anyway). The start marker stays: without it the next start would
/// mark a new one, and every phone would start over after each restart.
pub async fn prune(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> AppResult<u64> {
    let marker = Condition::all()
        .add(Column::Kind.eq(Kind::Scope.as_str()))
        .add(Column::PrincipalId.is_null())
        .add(Column::TeamId.is_null());
    Ok(sync_change::Entity::delete_many()
        .filter(Column::At.lt(cutoff))
        .filter(marker.not())
        .exec(db)
        .await?
        .rows_affected)
}

/// Ids of the records of `kind` whose links ended since `since` through someone `viewer` saw
/// them through, as a subquery.
fn ended_links(
    viewer: &Viewer,
    kind: Kind,
    since: DateTime<Utc>,
    readers: crate::policy::AllReaders,
) -> SelectStatement {
    Query::select()
        .column(Column::RecordId)
        .from(sync_change::Entity)
        .cond_where(
            Condition::all()
                .add(Column::Kind.eq(kind.as_str()))
                .add(Column::At.gte(since))
                .add(crate::policy::links_seen(
                    viewer,
                    Column::PrincipalId,
                    readers,
                )),
        )
        .to_owned()
}

/// A list that offline sync serves: its table's id, change time and (if any) customer columns.
pub trait Synced: EntityTrait {
    const KIND: Kind;
    const ID: Self::Column;
    const UPDATED_AT: Self::Column;
    /// The customer a row shows, whose changes of visibility show the row again.
    const CUSTOMER: Option<Self::Column>;
    /// The back-office roles that read every row of this list (customers, deals, contracts).
    const READERS: crate::policy::AllReaders;
}

macro_rules! synced {
    ($($module:ident: $kind:ident, $customer:expr, $readers:expr;)+) => {
        $(impl Synced for entity::$module::Entity {
            const KIND: Kind = Kind::$kind;
            const ID: Self::Column = entity::$module::Column::Id;
            const UPDATED_AT: Self::Column = entity::$module::Column::UpdatedAt;
            const CUSTOMER: Option<Self::Column> = $customer;
            const READERS: crate::policy::AllReaders = $readers;
        })+
    };
}

synced! {
    customer: Customer, None, crate::policy::BACK_OFFICE;
    lead: Lead, None, crate::policy::SELLERS_ONLY;
    opportunity: Opportunity, Some(entity::opportunity::Column::CustomerId), crate::policy::FINANCE_ONLY;
    contract: Contract, Some(entity::contract::Column::CustomerId), crate::policy::BACK_OFFICE;
    visit_task: VisitTask, Some(entity::visit_task::Column::CustomerId), crate::policy::SELLERS_ONLY;
}

/// The condition of a delta since `since`: rows changed since, and rows whose links (or whose
/// customer's links) changed since, whoever they concern.
pub fn changed_since<E: Synced>(since: DateTime<Utc>) -> Condition {
    let any_link = |kind: Kind| {
        Query::select()
            .column(Column::RecordId)
            .from(sync_change::Entity)
            .and_where(Column::Kind.eq(kind.as_str()))
            .and_where(Column::At.gte(since))
            .to_owned()
    };
    let mut condition = Condition::any()
        .add(E::UPDATED_AT.gte(since))
        .add(E::ID.in_subquery(any_link(E::KIND)));
    if let Some(customer) = E::CUSTOMER {
        condition = condition.add(customer.in_subquery(any_link(Kind::Customer)));
    }
    condition
}

/// A list's condition for a read: `shown` (visibility and filter), narrowed to the delta since
/// `since` when there is one.
pub fn delta<E: Synced>(shown: Condition, since: Option<DateTime<Utc>>) -> Condition {
    match since {
        Some(since) => shown.add(changed_since::<E>(since)),
        None => shown,
    }
}

/// The time span a delta covers, with what decides whether it still can be answered.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// The client's `updatedSince`.
    pub since: DateTime<Utc>,
    /// Now.
    pub now: DateTime<Utc>,
    /// How many days back a delta can be answered.
    pub retention_days: i64,
    /// The most ids one delta names as removed; past it the caller is told to start over.
    pub max_removed: u64,
}

/// What left a caller's list since a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// The ids, at most [`Window::max_removed`].
    pub ids: Vec<Uuid>,
    /// More left than one answer names, or the caller's scope changed: sync from scratch.
    pub resync_required: bool,
}

/// The rows of `E` that left `viewer`'s list since `since`: `shown` is the list's condition
/// (visibility and filter, without `updatedSince`), `visible` the visibility alone. Rows
/// changed since that `shown` no longer holds (filtered out, or out of view), and rows whose
/// links through someone the viewer saw them through ended since and that `shown` does not
/// hold. With [`resync_required`] first: a caller told to start over gets no ids.
pub async fn removed<E: Synced>(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    window: Window,
    visible: Condition,
    shown: Condition,
) -> AppResult<Removed> {
    let since = window.since;
    if resync_required(db, viewer, window).await? {
        return Ok(Removed {
            ids: Vec::new(),
            resync_required: true,
        });
    }
    let mut touched = Condition::any()
        .add(Condition::all().add(visible).add(E::UPDATED_AT.gte(since)))
        .add(E::ID.in_subquery(ended_links(viewer, E::KIND, since, E::READERS)));
    if let Some(customer) = E::CUSTOMER {
        touched = touched.add(customer.in_subquery(ended_links(
            viewer,
            Kind::Customer,
            since,
            E::READERS,
        )));
    }
    // `IS NOT TRUE`: a condition that is unknown (a null column) does not show the row either.
    let template = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "($1) IS NOT TRUE",
        _ => "(?) IS NOT TRUE",
    };
    let not_shown = Expr::cust_with_expr(template, Expr::from(shown));
    let ids: Vec<Uuid> = E::find()
        .select_only()
        .column(E::ID)
        .filter(touched)
        .filter(not_shown)
        .order_by_asc(E::ID)
        .limit(window.max_removed + 1)
        .into_tuple()
        .all(db)
        .await?;
    let mut ids = ids;
    // Records that exist no more (merged into another, deleted into the recycle bin) whose
    // links the viewer saw end; only kinds whose records can be deleted pay for the statement.
    if matches!(
        E::KIND,
        Kind::Customer | Kind::Lead | Kind::Opportunity | Kind::VisitTask
    ) {
        ids.extend(gone::<E>(db, viewer, window).await?);
    }
    ids.sort_unstable();
    ids.dedup();
    if ids.len() as u64 > window.max_removed {
        return Ok(Removed {
            ids: Vec::new(),
            resync_required: true,
        });
    }
    Ok(Removed {
        ids,
        resync_required: false,
    })
}

/// Ids of `E`'s records whose links `viewer` saw end in `window` and that exist no more.
async fn gone<E: Synced>(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    window: Window,
) -> AppResult<Vec<Uuid>> {
    let mut gone = ended_links(viewer, E::KIND, window.since, E::READERS);
    gone.and_where(
        Expr::col(Column::RecordId)
            .not_in_subquery(Query::select().column(E::ID).from(E::default()).to_owned()),
    )
    .distinct()
    .limit(window.max_removed + 1);
    let mut ids = Vec::new();
    for row in db.query_all(&gone).await? {
        if let Some(id) = row.try_get::<Option<Uuid>>("", "record_id")? {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Whether a delta since `since` cannot be answered: `since` is older than the log keeps, or
/// before the log's start, or the caller's scope changed since (their own, or their team's or a
/// managed team's).
pub async fn resync_required(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    window: Window,
) -> AppResult<bool> {
    let since = window.since;
    if since < window.now - Duration::days(Ord::max(window.retention_days, 1)) {
        return Ok(true);
    }
    let mut teams = viewer.managed_team_ids.clone();
    teams.extend(viewer.team_id);
    let concerns = Condition::any()
        .add(
            Condition::all()
                .add(Column::PrincipalId.is_null())
                .add(Column::TeamId.is_null()),
        )
        .add(Column::PrincipalId.eq(viewer.user_id))
        .add(Column::TeamId.is_in(teams));
    let found = sync_change::Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Kind.eq(Kind::Scope.as_str()))
        .filter(Column::At.gte(since))
        .filter(concerns)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(found.is_some())
}
