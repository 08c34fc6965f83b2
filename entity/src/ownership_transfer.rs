use sea_orm::entity::prelude::*;

/// One hand-over of a person's book to another.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub from_user_id: Uuid,
    pub to_user_id: Uuid,
    /// The kinds of record it covered, comma-separated (`leads,customers,…`).
    pub scope: String,
    /// Whether closed records moved too.
    pub include_closed: bool,
    pub leads: i64,
    pub customers: i64,
    pub opportunities: i64,
    pub contracts: i64,
    pub visits: i64,
    /// Open activities moved.
    pub activities: i64,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
