use sea_orm::entity::prelude::*;

/// One due amount of a contract's collection plan. `invoiced_minor`, `paid_minor` and
/// `waived_minor` are kept in step with invoices, allocations and waivers in the same
/// transaction; `verifyLedger` checks them against their sources.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    pub customer_id: Uuid,
    pub seq: i32,
    pub due_date: Date,
    pub amount_minor: i64,
    pub invoiced_minor: i64,
    pub paid_minor: i64,
    pub waived_minor: i64,
    pub note: Option<String>,
    /// `OPEN`, `PARTIALLY_PAID`, `PAID` or `WAIVED`.
    pub status: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
