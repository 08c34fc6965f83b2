use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "stage_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub opportunity_id: Uuid,
    pub from_stage_id: Option<Uuid>,
    pub to_stage_id: Uuid,
    pub changed_by: Uuid,
    pub changed_at: DateTimeUtc,
    pub days_in_previous_stage: Option<i32>,
    pub note: Option<String>,
    /// Why a manager moved the deal on with exit criteria missing.
    pub override_reason: Option<String>,
    /// The names of the criteria that were missing then, as a JSON array.
    pub overridden_items: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
