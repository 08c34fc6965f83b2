use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `LEAD`, `CUSTOMER` or `OPPORTUNITY`.
    pub subject_type: String,
    pub subject_id: Uuid,
    /// Set when the subject is a lead, for batched loading.
    pub lead_id: Option<Uuid>,
    /// Set when the subject is (or belongs to) a customer, for the 360° view.
    pub customer_id: Option<Uuid>,
    pub author_id: Uuid,
    pub kind: String,
    pub content: String,
    pub occurred_at: DateTimeUtc,
    pub next_follow_up_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
