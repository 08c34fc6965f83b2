use sea_orm::entity::prelude::*;

/// A secret a service account calls the API with; only its hash and prefix are stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub service_account_id: Uuid,
    pub name: String,
    /// The key's first characters, shown to tell keys apart.
    pub prefix: String,
    /// Hex SHA-256 of the whole key.
    #[sea_orm(unique)]
    pub key_hash: String,
    pub rate_limit_per_minute: i32,
    /// When the current one-minute request window began.
    pub window_started_at: Option<DateTimeUtc>,
    /// Requests made in the current window.
    pub window_count: i32,
    pub last_used_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
