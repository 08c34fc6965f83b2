use sea_orm::entity::prelude::*;

/// Where a paid refund took its money: a payment's credit (`installment_id` is `None`) or that
/// payment's allocation to an installment (which reopens).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refund_sources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub refund_id: Uuid,
    pub payment_id: Uuid,
    pub installment_id: Option<Uuid>,
    pub amount_minor: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
