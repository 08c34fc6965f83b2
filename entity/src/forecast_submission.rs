use sea_orm::entity::prelude::*;

/// A forecast someone stands behind for a period: a rep's own, a team's roll-up or the
/// company's.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "forecast_submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `2026-12` or `2026-Q4`.
    pub period: String,
    /// `REP`, `TEAM` or `COMPANY`.
    pub level: String,
    /// The rep (`REP`).
    pub user_id: Option<Uuid>,
    /// The rep's team when submitted (`REP`), or the team (`TEAM`).
    pub team_id: Option<Uuid>,
    pub commit_minor: i64,
    pub best_case_minor: i64,
    /// What the pipeline showed when it was submitted.
    pub computed_commit_minor: i64,
    pub computed_best_case_minor: i64,
    /// The manager's latest adjustment, when there is one.
    pub adjusted_commit_minor: Option<i64>,
    pub adjusted_best_case_minor: Option<i64>,
    pub note: Option<String>,
    pub submitted_by: Uuid,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
