//! GraphQL shapes of `activityReport`.

use async_graphql::{ID, InputObject, SimpleObject};

use super::types::AnalyticsScope;

crate::string_enum! {
    /// How to group `activityReport`.
    ActivityGroupBy {
        /// Per seller.
        User => "USER",
        /// Per team (sellers without a team together).
        Team => "TEAM",
        /// Per team region.
        Region => "REGION",
    }
}

/// Which period, grouping and sellers `activityReport` covers.
#[derive(InputObject, Debug)]
pub struct ActivityReportInput {
    /// `2026-W49` (an ISO week), `2026-11`, `2026-Q4` or `2026` (days of the company time zone).
    pub period: String,
    /// How to group.
    pub group_by: ActivityGroupBy,
    /// Whose activity, within what you may see: `ME` yourself (or `userId`), `TEAM` a team's
    /// sellers (`teamId`), `COMPANY` every seller you may see. Omitted: `TEAM` when `teamId` is
    /// given, else `COMPANY`.
    pub scope: Option<AnalyticsScope>,
    /// The team for `TEAM`.
    pub team_id: Option<ID>,
    /// One seller instead of yourself for `ME`.
    pub user_id: Option<ID>,
}

/// Follow-ups logged in the period, by kind.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct FollowUpCounts {
    /// Phone calls.
    pub calls: i64,
    /// Meetings.
    pub meetings: i64,
    /// E-mails.
    pub emails: i64,
    /// Visits logged as follow-ups.
    pub visits: i64,
    /// Notes.
    pub notes: i64,
    /// All of them.
    pub total: i64,
}

/// One seller's, team's or region's activity in the period.
#[derive(SimpleObject, Debug, Clone)]
pub struct ActivityRow {
    /// The user's or team's id; null for a region and for sellers without a team.
    pub group_id: Option<ID>,
    /// The user's, team's or region's name.
    pub group_name: Option<String>,
    /// Follow-ups that happened in the period, by their authors.
    pub follow_ups: FollowUpCounts,
    /// Visits on days of the period, not cancelled, by their assignees.
    pub visits_planned: i64,
    /// Of those, the ones completed.
    pub visits_completed: i64,
    /// Of those, the ones missed.
    pub visits_missed: i64,
    /// Leads created in the period, by their owners.
    pub new_leads: i64,
    /// Leads first qualified in the period, by their owners.
    pub qualified_leads: i64,
    /// Customers created in the period, by their owners.
    pub new_customers: i64,
    /// Deals created in the period, by their owners.
    pub opportunities_created: i64,
    /// Leads whose first follow-up happened in the period, by its author.
    pub leads_responded: i64,
    /// Median minutes from a lead's assignment (or creation) to its first follow-up; null
    /// without responses.
    pub first_response_median_minutes: Option<f64>,
    /// The 90th percentile (nearest rank) of those minutes.
    pub first_response_p90_minutes: Option<f64>,
    /// The group's targets of counted metrics (`NEW_CUSTOMERS`, `VISITS` completed, `CALLS`,
    /// `NEW_LEADS`, `QUALIFIED_LEADS`) beside what it reached; `salesPerformance` shows the
    /// money ones.
    pub achievements: Vec<super::types::TargetAchievement>,
}
