use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// As the admin wrote it (trimmed).
    pub code: String,
    /// The code folded for uniqueness (upper case, no spaces).
    #[sea_orm(unique)]
    pub code_key: String,
    pub name: String,
    pub description: Option<String>,
    pub product_line_id: Option<Uuid>,
    /// Unit of sale (`pcs`, `set`, `hour`, …).
    pub unit: String,
    /// List price in minor currency units.
    pub list_price_minor: i64,
    /// Cost in minor currency units; never shown to reps.
    pub cost_price_minor: Option<i64>,
    /// False once archived: kept on old quotes and deals, cannot be added to new ones.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
