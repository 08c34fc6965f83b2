use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Stored trimmed and lower-cased, so uniqueness is case-insensitive.
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub team_id: Option<Uuid>,
    pub timezone: String,
    pub active: bool,
    /// `PERSON` (signs in) or `SERVICE` (calls with API keys, never signs in).
    pub kind: String,
    /// Bumped whenever issued access tokens must stop working (role change, deactivation).
    pub token_version: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
