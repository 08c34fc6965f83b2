use sea_orm::entity::prelude::*;

/// A seller's daily or weekly report, with the facts of the period as counted when submitted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_reports")]
pub struct Model {
    /// Derived from owner, kind and period, so a draft has its report's id before it exists.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    /// The owner's team when submitted: its managers read it.
    pub team_id: Option<Uuid>,
    /// `DAILY` or `WEEKLY`.
    pub kind: String,
    /// The period's first and last local day (a Monday and a Sunday for a week).
    pub period_start: Date,
    pub period_end: Date,
    /// The time zone the period's days were counted in.
    pub time_zone: String,
    pub summary: String,
    pub plans: Option<String>,
    pub problems: Option<String>,
    pub visits_done: i32,
    pub visits_missed: i32,
    pub follow_ups: i32,
    pub deals_moved: i32,
    pub activities_done: i32,
    pub collected_minor: i64,
    /// Daily reports submitted in the week (`WEEKLY` only).
    pub daily_reports: Option<i32>,
    pub submitted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
