use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// The name folded for uniqueness (case- and space-insensitive).
    #[sea_orm(unique)]
    pub name_key: String,
    /// The largest discount on a line of this product line that needs no approval, in basis
    /// points (1000 = 10%).
    pub max_discount_basis_points: i32,
    /// False once archived: kept on what used it, offered for nothing new.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
