use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub company: Option<String>,
    pub company_key: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub source: String,
    pub status: String,
    pub score: i32,
    pub grade: String,
    pub bant_budget: String,
    pub bant_authority: String,
    pub bant_need: String,
    pub bant_timeline: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<Uuid>,
    pub in_pool: bool,
    /// When an owned lead without follow-up returns to the pool.
    pub pool_deadline: Option<DateTimeUtc>,
    pub last_follow_up_at: Option<DateTimeUtc>,
    pub follow_up_count: i32,
    pub disqualified_reason: Option<String>,
    pub converted_customer_id: Option<Uuid>,
    pub converted_contact_id: Option<Uuid>,
    pub converted_at: Option<DateTimeUtc>,
    pub converted_opportunity_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The campaign it came from (first touch).
    pub campaign_id: Option<Uuid>,
    /// When it became qualified (first time).
    pub qualified_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
