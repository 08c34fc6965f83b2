use sea_orm::entity::prelude::*;

/// Money paid back to a customer, once approved: from their credit first, then from the
/// allocations of the installments it names.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Human-readable, unique: `RF-<year>-<seq, six digits>`.
    pub number: String,
    pub year: i32,
    pub seq: i64,
    pub customer_id: Uuid,
    /// The payment it returns money of; `None`: any of the customer's payments.
    pub payment_id: Option<Uuid>,
    pub amount_minor: i64,
    pub reason: String,
    /// JSON array of installment ids whose allocations it may take back.
    pub installment_ids: String,
    /// `PENDING_APPROVAL`, `APPROVED`, `REJECTED`, `WITHDRAWN` or `PAID`.
    pub status: String,
    pub request_id: Uuid,
    pub requested_by: Uuid,
    pub method: Option<String>,
    pub reference: Option<String>,
    pub paid_on: Option<Date>,
    pub paid_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
