use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `INV-<year>-<seq>`, gapless per year.
    pub number: String,
    pub year: i32,
    pub seq: i64,
    pub contract_id: Uuid,
    pub installment_id: Uuid,
    pub customer_id: Uuid,
    /// Invoiced amount, tax included.
    pub amount_minor: i64,
    /// Hundredths of a percent (1300 = 13%).
    pub tax_rate_basis_points: i32,
    /// The tax contained in the amount.
    pub tax_minor: i64,
    pub issue_date: Date,
    pub due_date: Date,
    /// `ISSUED` or `VOID`.
    pub status: String,
    pub void_reason: Option<String>,
    pub voided_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Raised by every change.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
