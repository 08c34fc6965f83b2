//! The rows a deletion removes and the references it clears, kept so a restore can put them
//! back exactly: each table's rows as JSON of its model, and each cleared reference as the row
//! and the id it named.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult, ErrorCode};

/// A table whose rows go to the bin with a record.
macro_rules! tables {
    ($($variant:ident => $module:ident,)+) => {
        /// A table whose rows go to the bin with a record.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        pub enum Table {
            $($variant,)+
        }

        impl Table {
            /// Inserts `rows` (as [`Snapshot::removed`] keeps them) back.
            async fn put(self, db: &impl ConnectionTrait, rows: serde_json::Value) -> AppResult<()> {
                match self {
                    $(Self::$variant => put::<entity::$module::Entity>(db, rows).await,)+
                }
            }
        }
    };
}

tables! {
    Leads => lead,
    LeadEvents => lead_event,
    Customers => customer,
    Contacts => contact,
    Opportunities => opportunity,
    StageChanges => stage_change,
    Splits => opportunity_split,
    LineItems => opportunity_line_item,
    Competitors => opportunity_competitor,
    ChecklistTicks => checklist_tick,
    VisitTasks => visit_task,
    FollowUps => follow_up,
    Activities => activity,
    CampaignMembers => campaign_member,
}

impl Table {
    /// The SQL table, for stamping restored rows.
    fn name(self) -> &'static str {
        match self {
            Self::Leads => "leads",
            Self::LeadEvents => "lead_events",
            Self::Customers => "customers",
            Self::Contacts => "contacts",
            Self::Opportunities => "opportunities",
            Self::StageChanges => "stage_changes",
            Self::Splits => "opportunity_splits",
            Self::LineItems => "opportunity_line_items",
            Self::Competitors => "opportunity_competitors",
            Self::ChecklistTicks => "checklist_ticks",
            Self::VisitTasks => "visit_tasks",
            Self::FollowUps => "follow_ups",
            Self::Activities => "activities",
            Self::CampaignMembers => "campaign_members",
        }
    }

    /// Whether restored rows get a new `updated_at` (and `version`), so offline copies and the
    /// search index fetch them again.
    fn stamped(self) -> (bool, bool) {
        match self {
            Self::Leads | Self::Customers | Self::Contacts | Self::Opportunities => (true, true),
            Self::VisitTasks | Self::Activities => (true, true),
            Self::Competitors | Self::CampaignMembers => (true, false),
            _ => (false, false),
        }
    }
}

/// A nullable column naming a record, cleared when the record goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub table: &'static str,
    pub column: &'static str,
    /// Whether the table has an `updated_at` to stamp.
    pub stamped: bool,
}

/// Rows of one table that went to the bin.
#[derive(Serialize, Deserialize)]
struct Removed {
    table: Table,
    rows: serde_json::Value,
}

/// A reference cleared: the rows (by id) and the record each named.
#[derive(Serialize, Deserialize)]
struct Cleared {
    table: String,
    column: String,
    rows: Vec<(Uuid, Uuid)>,
}

/// Everything a deletion removed, in the order removed (the rows linked to a record before it).
#[derive(Serialize, Deserialize, Default)]
pub struct Snapshot {
    removed: Vec<Removed>,
    cleared: Vec<Cleared>,
}

fn uuids(ids: &[Uuid]) -> Vec<Value> {
    ids.iter().map(|id| Value::Uuid(Some(*id))).collect()
}

fn internal<E>(_: E) -> AppError {
    AppError::internal()
}

impl Snapshot {
    /// Removes the rows of `E` matching `condition` into the snapshot; the rows as they were.
    pub async fn take<E>(
        &mut self,
        db: &impl ConnectionTrait,
        table: Table,
        condition: sea_orm::Condition,
    ) -> AppResult<Vec<E::Model>>
    where
        E: EntityTrait,
        E::Model: Serialize + Sync,
    {
        let rows = E::find().filter(condition.clone()).all(db).await?;
        if rows.is_empty() {
            return Ok(rows);
        }
        let deleted = E::delete_many().filter(condition).exec(db).await?;
        if deleted.rows_affected != rows.len() as u64 {
            // Rows came or went between the read and the delete: another request got there.
            return Err(AppError::new(
                ErrorCode::Conflict,
                "The record changed while it was being deleted: try again",
            )
            .with_field("input.id"));
        }
        self.removed.push(Removed {
            table,
            rows: serde_json::to_value(&rows).map_err(internal)?,
        });
        Ok(rows)
    }

    /// Clears `reference` where it names one of `records`, remembering what it named.
    pub async fn clear(
        &mut self,
        db: &impl ConnectionTrait,
        reference: Reference,
        records: &[Uuid],
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        if records.is_empty() {
            return Ok(());
        }
        let select = Query::select()
            .column(Alias::new("id"))
            .column(Alias::new(reference.column))
            .from(Alias::new(reference.table))
            .and_where(Expr::col(Alias::new(reference.column)).is_in(uuids(records)))
            .to_owned();
        let mut rows = Vec::new();
        for row in db.query_all(&select).await? {
            rows.push((
                row.try_get::<Uuid>("", "id")?,
                row.try_get::<Uuid>("", reference.column)?,
            ));
        }
        if rows.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        for part in ids.chunks(500) {
            let mut update = Query::update()
                .table(Alias::new(reference.table))
                .value(Alias::new(reference.column), Value::Uuid(None))
                .and_where(Expr::col(Alias::new("id")).is_in(uuids(part)))
                .to_owned();
            if reference.stamped {
                update.value(Alias::new("updated_at"), now);
            }
            db.execute(&update).await?;
        }
        self.cleared.push(Cleared {
            table: reference.table.to_owned(),
            column: reference.column.to_owned(),
            rows,
        });
        Ok(())
    }

    /// Puts every row back (the records before what linked to them), stamps the restored
    /// records, then sets each cleared reference again where it is still empty. `known` are
    /// the references a deletion may clear: a stored name outside it is refused.
    pub async fn restore(
        self,
        db: &impl ConnectionTrait,
        known: &[Reference],
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        for removed in self.removed.into_iter().rev() {
            let table = removed.table;
            let ids = ids_of(&removed.rows);
            table.put(db, removed.rows).await?;
            let (stamp, version) = table.stamped();
            if stamp {
                for part in ids.chunks(500) {
                    let mut update = Query::update()
                        .table(Alias::new(table.name()))
                        .value(Alias::new("updated_at"), now)
                        .and_where(Expr::col(Alias::new("id")).is_in(uuids(part)))
                        .to_owned();
                    if version {
                        update.value(
                            Alias::new("version"),
                            Expr::col(Alias::new("version")).add(1),
                        );
                    }
                    db.execute(&update).await?;
                }
            }
        }
        for cleared in self.cleared {
            let reference = known
                .iter()
                .find(|r| r.table == cleared.table && r.column == cleared.column)
                .ok_or_else(AppError::internal)?;
            for (id, record) in cleared.rows {
                let mut update = Query::update()
                    .table(Alias::new(reference.table))
                    .value(Alias::new(reference.column), Value::Uuid(Some(record)))
                    .and_where(Expr::col(Alias::new("id")).eq(Value::Uuid(Some(id))))
                    .and_where(Expr::col(Alias::new(reference.column)).is_null())
                    .to_owned();
                if reference.stamped {
                    update.value(Alias::new("updated_at"), now);
                }
                db.execute(&update).await?;
            }
        }
        Ok(())
    }

    /// The rows of `table` kept, as models.
    pub fn rows<M: serde::de::DeserializeOwned>(&self, table: Table) -> AppResult<Vec<M>> {
        let mut all = Vec::new();
        for removed in self.removed.iter().filter(|r| r.table == table) {
            let rows: Vec<M> = serde_json::from_value(removed.rows.clone()).map_err(internal)?;
            all.extend(rows);
        }
        Ok(all)
    }

    /// The ids of every row kept (files on them go when the snapshot is purged).
    pub fn all_ids(&self) -> Vec<Uuid> {
        self.removed.iter().flat_map(|r| ids_of(&r.rows)).collect()
    }

    pub fn to_json(&self) -> AppResult<String> {
        serde_json::to_string(self).map_err(internal)
    }

    pub fn from_json(text: &str) -> AppResult<Self> {
        serde_json::from_str(text).map_err(internal)
    }
}

/// The `id` of each row in a JSON array of models.
fn ids_of(rows: &serde_json::Value) -> Vec<Uuid> {
    rows.as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| row.get("id")?.as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Inserts the models in `rows` (a JSON array) into `E`, a few hundred at a time.
async fn put<E>(db: &impl ConnectionTrait, rows: serde_json::Value) -> AppResult<()>
where
    E: EntityTrait,
    E::Model: serde::de::DeserializeOwned + Clone,
    E::ActiveModel: From<E::Model> + Send,
{
    let models: Vec<E::Model> = serde_json::from_value(rows).map_err(internal)?;
    for part in models.chunks(100) {
        E::insert_many(part.iter().cloned().map(E::ActiveModel::from))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
