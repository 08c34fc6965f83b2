use sea_orm::entity::prelude::*;

/// One item of a stage's exit checklist.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exit_criteria")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub stage_id: Uuid,
    /// Order within the stage, from 1.
    pub position: i32,
    pub name: String,
    /// `MANUAL`, `FIELD`, `ACTIVITY` or `DOCUMENT`.
    pub kind: String,
    /// For `FIELD`: the deal field that must be set.
    pub field: Option<String>,
    /// For `ACTIVITY`: the follow-up kind required (any kind when null).
    pub activity_kind: Option<String>,
    /// For `DOCUMENT`: the document that must exist.
    pub document_kind: Option<String>,
    /// Whether leaving the stage forward waits for it.
    pub required: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
