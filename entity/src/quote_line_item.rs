use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quote_line_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub quote_id: Uuid,
    /// Order of the line on the quote, from 0.
    pub position: i32,
    pub product_id: Uuid,
    /// Quantity in thousandths of the product's unit.
    pub quantity_thousandths: i64,
    /// Price per unit agreed for this line, in minor units.
    pub unit_price_minor: i64,
    /// The quote's price book price per unit when the line was priced, in minor units.
    pub book_price_minor: i64,
    /// Discount in basis points (`1000` = 10%).
    pub discount_basis_points: i32,
    /// quantity × unit price, rounded half-up to the minor unit.
    pub gross_minor: i64,
    /// quantity × unit price × (1 − discount), rounded half-up to the minor unit.
    pub amount_minor: i64,
    /// The product's cost per unit when the line was priced (never shown to reps).
    pub unit_cost_minor: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
