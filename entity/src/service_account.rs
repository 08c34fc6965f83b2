use sea_orm::entity::prelude::*;

/// What a user of kind `SERVICE` may call: its scopes and the team its web-form leads rotate in.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_accounts")]
pub struct Model {
    /// The account's row in `users`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// Space-separated scopes, e.g. `leads:create customers:read`.
    pub scopes: String,
    /// The team whose reps take turns on the leads it creates; `None` sends them to the pool.
    pub team_id: Option<Uuid>,
    pub description: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
