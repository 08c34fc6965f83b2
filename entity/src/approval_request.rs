use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `CONTRACT` (later `WAIVER`).
    pub subject_type: String,
    pub subject_id: Uuid,
    /// `PENDING`, `APPROVED`, `REJECTED` or `WITHDRAWN`.
    pub status: String,
    pub submitted_by: Uuid,
    pub submitted_at: DateTimeUtc,
    /// The amount as submitted; decisions require the subject to still carry it.
    pub snapshot_amount_minor: i64,
    /// SHA-256 of the submitted content (amount, terms, dates); the same guard for the rest.
    pub snapshot_hash: String,
    /// The submitted content as JSON, for reviewers.
    pub snapshot: String,
    /// The step awaiting a decision (from 1); past the last once decided.
    pub current_position: i32,
    pub decided_at: Option<DateTimeUtc>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
