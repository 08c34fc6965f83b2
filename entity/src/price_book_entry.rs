use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "price_book_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub price_book_id: Uuid,
    pub product_id: Uuid,
    /// Price per unit in minor currency units.
    pub unit_price_minor: i64,
    /// First day the price applies (open when null).
    pub valid_from: Option<Date>,
    /// Last day the price applies (open when null).
    pub valid_until: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
