use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "opportunities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    /// Deal amount in minor currency units (cents).
    pub amount_minor: i64,
    pub stage_id: Uuid,
    /// A per-deal win probability (percent) overriding the stage's.
    pub probability_override: Option<i32>,
    pub forecast_category: String,
    /// `OPEN`, `WON` or `LOST`.
    pub status: String,
    pub expected_close_date: Date,
    pub closed_at: Option<DateTimeUtc>,
    pub lost_reason: Option<String>,
    pub stage_entered_at: DateTimeUtc,
    pub lead_id: Option<Uuid>,
    /// When the owner and manager were told the deal is stale (cleared on every stage change).
    pub stale_notified_at: Option<DateTimeUtc>,
    /// The price book its line items are priced from (the standard one when null).
    pub price_book_id: Option<Uuid>,
    /// What the customer needs, as the seller understood it.
    pub need: Option<String>,
    /// The customer's budget in minor currency units.
    pub budget_minor: Option<i64>,
    /// The customer's contact for the deal.
    pub contact_id: Option<Uuid>,
    /// The customer's contact who decides.
    pub decision_maker_id: Option<Uuid>,
    /// The win or loss reason it closed with.
    pub close_reason_id: Option<Uuid>,
    /// The free-text detail given with the reason.
    pub close_detail: Option<String>,
    /// The stage it was in when it was won or lost.
    pub closed_from_stage_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The campaign its lead came from (first touch).
    pub campaign_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
