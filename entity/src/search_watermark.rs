use sea_orm::entity::prelude::*;

/// Up to when the records of one kind were indexed for search.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_watermarks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub entity_type: String,
    /// The records of this kind are indexed up to this `updated_at` and then id (inclusive).
    pub indexed_until: DateTimeUtc,
    pub last_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
