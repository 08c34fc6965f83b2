use sea_orm::entity::prelude::*;

/// A marketing activity (an exhibition, a webinar, ads) that leads and deals are attributed to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// `EVENT`, `EXHIBITION`, `WEBINAR`, `ADS`, `EMAIL`, `REFERRAL_PROGRAM` or `OTHER`.
    pub channel: String,
    /// `PLANNED`, `ACTIVE`, `COMPLETED` or `CANCELLED`.
    pub status: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub budget_minor: i64,
    /// The sum of its cost entries.
    pub actual_cost_minor: i64,
    pub owner_id: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
