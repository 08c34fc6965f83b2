use sea_orm::entity::prelude::*;

/// A reason of the admin-managed picklists deals are won or lost for.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "close_reasons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `WIN` or `LOSS`.
    pub kind: String,
    pub name: String,
    /// Order within its picklist, from 1.
    pub position: i32,
    /// Archived reasons are no longer offered; closed deals keep theirs.
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
