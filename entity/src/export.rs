use sea_orm::entity::prelude::*;

/// A file of records a user asked for, streamed when its link is read.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose visibility the rows follow.
    pub user_id: Uuid,
    /// `CUSTOMERS`, `CONTACTS`, `LEADS` or `OPPORTUNITIES`.
    pub kind: String,
    /// `CSV` or `XLSX`.
    pub format: String,
    /// The filter as JSON.
    pub filter: String,
    /// Rows in the file last read.
    pub row_count: Option<i64>,
    pub created_at: DateTimeUtc,
    pub downloaded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
