use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    pub period_start: Date,
    /// Exclusive.
    pub period_end: Date,
    /// `USER`, `TEAM`, `REGION` or `COMPANY`.
    pub scope: String,
    /// The user's or team's id, the region's name, or empty for the company.
    pub scope_key: String,
    /// What is counted: `WON_AMOUNT`, `COLLECTED_AMOUNT`, `NEW_CUSTOMERS`, `VISITS`, `CALLS`,
    /// `NEW_LEADS` or `QUALIFIED_LEADS`.
    pub metric: String,
    /// The goal: minor units for the money metrics (`WON_AMOUNT`, `COLLECTED_AMOUNT`), a count
    /// for the others.
    pub amount_minor: i64,
    pub set_by: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
