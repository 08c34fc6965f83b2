use sea_orm::entity::prelude::*;

/// What one delivery brought of one order line.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub delivery_id: Uuid,
    pub order_line_id: Uuid,
    /// Thousandths delivered; null on a line without a product.
    pub quantity_thousandths: Option<i64>,
    /// The part of the line's amount this delivery accounts for.
    pub amount_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
