use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// The name folded for duplicate detection (case, spacing, punctuation, legal suffixes).
    pub company_key: String,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The stored grade: the pinned one, or the computed one as of the last grade sweep.
    pub grade: Option<String>,
    pub owner_id: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Key of a level of the admin's influence picklist, set by a seller.
    pub influence: Option<String>,
    /// A manager's grade that overrides the computed one.
    pub pinned_grade: Option<String>,
    pub grade_pin_reason: Option<String>,
    pub grade_pinned_by: Option<Uuid>,
    pub grade_pinned_at: Option<DateTimeUtc>,
    /// The campaign its first lead came from (first touch).
    pub campaign_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
