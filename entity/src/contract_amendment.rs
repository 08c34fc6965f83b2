use sea_orm::entity::prelude::*;

/// A change to a signed contract, applied only once its approval request is approved.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_amendments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    /// 1, 2, … within the contract.
    pub seq: i32,
    /// JSON: the fields asked to change.
    pub changes: String,
    /// JSON: the contract's amendable values when requested.
    pub before: String,
    /// JSON: those values once the changes apply.
    pub after: String,
    /// What it changes the contract amount by (after − before, minor units).
    pub delta_minor: i64,
    pub reason: String,
    /// `PENDING`, `APPROVED`, `REJECTED` or `WITHDRAWN`.
    pub status: String,
    pub request_id: Uuid,
    pub requested_by: Uuid,
    /// The contract's version when requested; the approval applies only to that version.
    pub base_version: i32,
    pub decided_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
