use sea_orm::entity::prelude::*;

/// When after-sales callbacks fall due: `offset_days` after a contract is signed, or after its
/// last delivery once it has one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "callback_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub offset_days: i32,
    /// `SUPPORT` (customer service, in turn) or `OWNER` (the contract's owner).
    pub assign_to: String,
    pub active: bool,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
