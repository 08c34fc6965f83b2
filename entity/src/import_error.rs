use sea_orm::entity::prelude::*;

/// A row of an import that was refused, and why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_errors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub import_id: Uuid,
    /// The row of the file, the header being row 1.
    pub row_number: i64,
    /// The column (as the API's input field) at fault, or `row`.
    pub field: String,
    /// The error code, as the API's `extensions.code`.
    pub code: String,
    pub message: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
