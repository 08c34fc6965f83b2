use sea_orm::entity::prelude::*;

/// A customer's complaint or service request, worked by customer service.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `T-<year>-<six digits>`.
    pub number: String,
    pub customer_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub subject: String,
    pub description: String,
    pub category: String,
    /// `LOW`, `NORMAL`, `HIGH` or `URGENT`.
    pub priority: String,
    /// `OPEN`, `IN_PROGRESS`, `WAITING_CUSTOMER`, `RESOLVED` or `CLOSED`.
    pub status: String,
    pub assignee_id: Option<Uuid>,
    pub opened_by: Uuid,
    /// When the priority's promised time runs out.
    pub due_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub satisfaction: Option<i32>,
    /// When the breach of `due_at` was escalated (once).
    pub escalated_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
