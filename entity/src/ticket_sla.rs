use sea_orm::entity::prelude::*;

/// Hours a ticket of a priority has to be resolved in.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_sla")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub priority: String,
    pub hours: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
