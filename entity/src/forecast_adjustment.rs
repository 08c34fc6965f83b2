use sea_orm::entity::prelude::*;

/// A manager's adjustment of a rep's submitted forecast.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "forecast_adjustments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub submission_id: Uuid,
    pub commit_minor: i64,
    pub best_case_minor: i64,
    pub note: String,
    pub adjusted_by: Uuid,
    pub adjusted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
