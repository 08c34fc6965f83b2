use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "price_books")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// The name folded for uniqueness (lower case, single spaces).
    #[sea_orm(unique)]
    pub name_key: String,
    pub description: Option<String>,
    /// The standard book: no entries, its prices are the products' list prices.
    pub standard: bool,
    /// False once archived: no deal or quote may start using it.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
