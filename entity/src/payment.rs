use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub contract_id: Option<Uuid>,
    pub amount_minor: i64,
    pub received_date: Date,
    /// `BANK_TRANSFER`, `CHECK`, `CASH`, `CARD` or `OTHER`.
    pub method: String,
    pub reference: String,
    /// The reference folded for duplicate detection (letters and digits, lower case).
    pub reference_key: String,
    /// The part not allocated to installments: the customer's credit from this payment.
    pub unallocated_minor: i64,
    /// Paid back to the customer by refunds.
    pub refunded_minor: i64,
    /// `RECEIVED` or `REVERSED`.
    pub status: String,
    pub reversed_at: Option<DateTimeUtc>,
    pub reverse_reason: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Raised by every change.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
