use sea_orm::entity::prelude::*;

/// An after-sales call planned by a rule for a contract: once per rule and contract.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "callbacks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub rule_id: Uuid,
    pub contract_id: Uuid,
    pub customer_id: Uuid,
    pub contact_id: Option<Uuid>,
    /// `SIGNED` or `DELIVERED`: what `anchor_date` is.
    pub anchor: String,
    pub anchor_date: Date,
    pub due_date: Date,
    pub assignee_id: Uuid,
    /// `PLANNED`, `DONE`, `MISSED` or `CANCELLED`.
    pub status: String,
    pub outcome: Option<String>,
    pub satisfaction: Option<i32>,
    pub notes: Option<String>,
    pub done_at: Option<DateTimeUtc>,
    pub done_by: Option<Uuid>,
    pub overdue_notified_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
