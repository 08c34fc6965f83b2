use sea_orm::entity::prelude::*;

/// The search box's document of one record (PostgreSQL adds a generated `tsv` column of the
/// tokens, never read here).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_docs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `LEAD`, `CUSTOMER`, `CONTACT`, `OPPORTUNITY` or `CONTRACT`.
    pub entity_type: String,
    pub entity_id: Uuid,
    pub title: String,
    pub body: String,
    pub tokens: String,
    /// The record's `updated_at` when indexed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
