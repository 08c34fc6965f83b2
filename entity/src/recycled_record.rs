use sea_orm::entity::prelude::*;

/// A deleted record in the recycle bin, with the rows that went with it, until restored or
/// purged at `purge_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recycled_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `LEAD`, `CUSTOMER`, `CONTACT`, `OPPORTUNITY` or `ACTIVITY`.
    pub kind: String,
    pub record_id: Uuid,
    /// The record's name (an activity's title) when deleted.
    pub name: String,
    /// The record's owner when deleted (a contact's: its customer's owner).
    pub owner_id: Option<Uuid>,
    pub deleted_by: Uuid,
    pub deleted_at: DateTimeUtc,
    pub purge_at: DateTimeUtc,
    /// JSON: the rows removed, table by table, and the references cleared.
    pub snapshot: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
