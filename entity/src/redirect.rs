use sea_orm::entity::prelude::*;

/// A merged record's id, answering with the record it was merged into.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "redirects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub old_id: Uuid,
    /// `CUSTOMER`.
    pub kind: String,
    pub target_id: Uuid,
    pub merge_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
