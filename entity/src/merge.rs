use sea_orm::entity::prelude::*;

/// A merge of duplicate records into a survivor, undoable until `undo_until`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "merges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `CUSTOMER`.
    pub kind: String,
    pub survivor_id: Uuid,
    /// Who merged.
    pub actor_id: Uuid,
    /// JSON: the merged records and the survivor as they were before.
    pub snapshot: String,
    /// JSON: the linked rows moved, table by table, each with the record it was linked to.
    pub moved: String,
    /// The survivor's version right after the merge.
    pub survivor_version: i32,
    pub created_at: DateTimeUtc,
    pub undo_until: DateTimeUtc,
    pub undone_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
