use sea_orm::entity::prelude::*;

/// One line of an order: a product and quantity, or (without a product) an amount alone.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub position: i32,
    pub product_id: Option<Uuid>,
    /// Thousandths of the unit; null on a line without a product.
    pub quantity_thousandths: Option<i64>,
    pub amount_minor: i64,
    /// Delivered so far (thousandths; 0 on a line without a product).
    pub delivered_thousandths: i64,
    /// The part of the amount delivered so far.
    pub delivered_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
