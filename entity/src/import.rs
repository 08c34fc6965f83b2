use sea_orm::entity::prelude::*;

/// A file a user imports: its progress, counted with each batch of rows written.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who imports: the rows are written as this user.
    pub user_id: Uuid,
    /// `CUSTOMERS`, `CONTACTS`, `LEADS` or `PRODUCTS`.
    pub kind: String,
    /// SHA-256 (hex) of the user, the kind, the mapping, the dry-run flag and the file.
    #[sea_orm(unique)]
    pub fingerprint: String,
    /// Only checked: nothing but this row and its errors is written.
    pub dry_run: bool,
    /// `RUNNING`, `DONE` or `FAILED`.
    pub status: String,
    /// Data rows in the file.
    pub total: i64,
    /// Data rows done (written or refused).
    pub processed: i64,
    /// Records written (or, in a dry run, that would be).
    pub created: i64,
    /// Rows refused.
    pub error_count: i64,
    /// Until when the instance running it holds it.
    pub lease_until: Option<DateTimeUtc>,
    /// Why the whole import stopped, when it did.
    pub failure: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
