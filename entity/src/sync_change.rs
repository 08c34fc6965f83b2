use sea_orm::entity::prelude::*;

/// A change that may have taken records out of some callers' view, read by offline sync.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What changed: a record kind (`customer`, `lead`, …) or `scope` (a caller's scope).
    pub kind: String,
    /// The record whose link ended; none for scope changes.
    pub record_id: Option<Uuid>,
    /// The user whose link to the record ended (none: the lead pool), or whose scope changed.
    pub principal_id: Option<Uuid>,
    /// The team whose members' and managers' scope changed.
    pub team_id: Option<Uuid>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
