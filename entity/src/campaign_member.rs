use sea_orm::entity::prelude::*;

/// A contact or a lead a campaign reached, and how far they came.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "campaign_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    /// Set for a contact (and then `lead_id` is not).
    pub contact_id: Option<Uuid>,
    /// Set for a lead (and then `contact_id` is not).
    pub lead_id: Option<Uuid>,
    /// `INVITED`, `REGISTERED`, `ATTENDED` or `RESPONDED`.
    pub status: String,
    pub added_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
