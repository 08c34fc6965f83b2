use sea_orm::entity::prelude::*;

/// One amount tier of an approval policy: from `min_amount_minor` up to the next tier.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_tiers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `CONTRACT` or `WAIVER`.
    pub subject_kind: String,
    pub min_amount_minor: i64,
    /// Roles deciding in order, comma-separated (`SALES_MANAGER,FINANCE`).
    pub steps: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
