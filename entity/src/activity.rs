use sea_orm::entity::prelude::*;

/// A seller's to-do on a lead, customer, deal or contract, due at a time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `CALL`, `MEETING`, `VISIT`, `EMAIL` or `TASK`.
    pub kind: String,
    /// `LEAD`, `CUSTOMER`, `OPPORTUNITY` or `CONTRACT`.
    pub subject_type: String,
    pub subject_id: Uuid,
    pub title: String,
    pub note: Option<String>,
    pub due_at: DateTimeUtc,
    /// When the owner is reminded (before `due_at`, as a rule).
    pub remind_at: DateTimeUtc,
    /// When the reminder went out; reset when `remind_at` moves to the future.
    pub reminded_at: Option<DateTimeUtc>,
    /// When the overdue notice went out; reset when `due_at` moves to the future.
    pub overdue_notified_at: Option<DateTimeUtc>,
    pub done: bool,
    pub done_at: Option<DateTimeUtc>,
    pub owner_id: Uuid,
    pub created_by: Uuid,
    /// The follow-up that scheduled it (its `nextFollowUpAt`).
    #[sea_orm(unique)]
    pub follow_up_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
