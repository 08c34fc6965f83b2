use sea_orm::entity::prelude::*;

/// Money of a payment applied to an installment. Never edited: a reversal adds a row with the
/// negative amount.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allocations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payment_id: Uuid,
    pub installment_id: Uuid,
    pub amount_minor: i64,
    /// `ALLOCATION` or `REVERSAL`.
    pub kind: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
