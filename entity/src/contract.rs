use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Human-readable, unique: `C-<year>-<seq, six digits>`.
    pub number: String,
    pub year: i32,
    /// Gapless within the year.
    pub seq: i64,
    pub customer_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub owner_id: Uuid,
    pub title: String,
    /// Contract amount in minor currency units (cents).
    pub amount_minor: i64,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub signed_date: Option<Date>,
    pub terms: String,
    /// `DRAFT`, `PENDING_APPROVAL`, `APPROVED`, `REJECTED`, `SIGNED`, `COMPLETED`, `CANCELLED`.
    pub status: String,
    pub cancel_reason: Option<String>,
    /// The accepted quote it was made from (at most one contract per quote).
    pub quote_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
