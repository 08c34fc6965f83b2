use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Human-readable, unique: `Q-<year>-<seq, six digits>`.
    #[sea_orm(unique)]
    pub number: String,
    pub year: i32,
    /// Gapless within the year.
    pub seq: i64,
    pub opportunity_id: Uuid,
    pub customer_id: Uuid,
    pub created_by: Uuid,
    pub price_book_id: Uuid,
    /// `DRAFT`, `PENDING_APPROVAL`, `APPROVED`, `SENT`, `ACCEPTED`, `REJECTED`, `EXPIRED`.
    pub status: String,
    /// Last day the customer may accept it.
    pub valid_until: Date,
    /// Tax rate in basis points (`1300` = 13%).
    pub tax_rate_basis_points: i32,
    /// Σ quantity × unit price of the lines (each rounded half-up), before discounts.
    pub subtotal_minor: i64,
    /// Subtotal less the sum of the line amounts.
    pub discount_total_minor: i64,
    /// (subtotal − discount) × tax rate, rounded half-up.
    pub tax_minor: i64,
    /// Subtotal − discount + tax.
    pub total_minor: i64,
    pub terms: String,
    /// Why the customer turned it down.
    pub rejection_reason: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    /// The names its document prints (customer, seller, products), captured with the draft,
    /// as JSON; absent on quotes written before documents existed.
    pub document_names: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
