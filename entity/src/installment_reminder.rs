use sea_orm::entity::prelude::*;

/// A reminder level already sent for an installment (each is sent once).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installment_reminders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub installment_id: Uuid,
    /// Days past due the reminder is for (0 = due today).
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: i32,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
