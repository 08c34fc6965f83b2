use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "opportunity_line_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub opportunity_id: Uuid,
    /// Order of the line on the deal, from 0.
    pub position: i32,
    pub product_id: Uuid,
    /// Quantity in thousandths of the product's unit.
    pub quantity_thousandths: i64,
    /// Price per unit agreed for this line, in minor units.
    pub unit_price_minor: i64,
    /// The deal's price book price per unit when the line was set, in minor units.
    pub book_price_minor: i64,
    /// Discount in basis points (`1000` = 10%).
    pub discount_basis_points: i32,
    /// quantity × unit price × (1 − discount), rounded half-up to the minor unit.
    pub amount_minor: i64,
    /// The product's cost per unit when the line was set (never shown to reps).
    pub unit_cost_minor: Option<i64>,
    pub created_at: DateTimeUtc,
    /// quantity × unit cost, rounded half-up to the minor unit (null when the cost is unknown).
    pub cost_minor: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
