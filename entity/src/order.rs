use sea_orm::entity::prelude::*;

/// An order executing part (or all) of a signed contract.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `O-<year>-<six digits>`.
    #[sea_orm(unique)]
    pub number: String,
    pub year: i32,
    pub seq: i64,
    pub contract_id: Uuid,
    pub customer_id: Uuid,
    pub created_by: Uuid,
    pub status: String,
    pub planned_delivery_date: Option<Date>,
    /// Σ line amounts.
    pub amount_minor: i64,
    pub cancel_reason: Option<String>,
    /// When its owner and their managers were told its delivery is late.
    pub late_notified_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
