use sea_orm::entity::prelude::*;

/// A file on a visit, follow-up, customer, deal, contract or quote; its bytes are in object
/// storage under `storage_key`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `VISIT`, `FOLLOW_UP`, `CUSTOMER`, `OPPORTUNITY`, `CONTRACT` or `QUOTE`.
    pub subject_type: String,
    pub subject_id: Uuid,
    /// `PHOTO`, `DOCUMENT`, `CONTRACT_SCAN` or `OTHER`.
    pub kind: String,
    /// `PENDING` (being stored), `READY` or `DELETING`.
    pub status: String,
    /// `CHECK_IN` for a visit's on-site proof.
    pub purpose: Option<String>,
    pub file_name: String,
    /// Found from the bytes, not the name.
    pub content_type: String,
    pub byte_size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub taken_at: Option<DateTimeUtc>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub storage_key: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
