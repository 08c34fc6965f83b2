use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pipeline_stages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub position: i32,
    /// Win probability in percent, 0–100.
    pub probability: i32,
    /// `OPEN`, `WON` or `LOST`.
    pub kind: String,
    pub max_days_in_stage: Option<i32>,
    /// `FIXED` (the limit is `max_days_in_stage`) or `AUTO` (the observed 80th percentile once
    /// enough deals left the stage, else `max_days_in_stage`).
    pub stale_rule: String,
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
