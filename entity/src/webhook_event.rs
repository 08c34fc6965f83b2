use sea_orm::entity::prelude::*;

/// An event in the outbox, written in the transaction of the change it describes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    /// Also the `webhook-id` every delivery of it carries.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_type: String,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub actor_id: Option<Uuid>,
    /// The payload's `data` object, as JSON text.
    pub data: String,
    pub occurred_at: DateTimeUtc,
    /// Whether its deliveries have been made (one per subscribed endpoint).
    pub dispatched: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
