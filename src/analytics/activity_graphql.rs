//! The resolver of `activityReport`.

use async_graphql::Context;

use super::activity_types::{ActivityGroupBy, ActivityReportInput, ActivityRow, FollowUpCounts};
use super::performance::GroupBy;
use super::types::AnalyticsScope;
use crate::graphql::context::ContextExt;
use crate::ids::{NodeType, encode_id};

/// `activityReport` (its field is on `AnalyticsQuery`).
pub(super) async fn activity_report(
    ctx: &Context<'_>,
    input: ActivityReportInput,
) -> async_graphql::Result<Vec<ActivityRow>> {
    let viewer = ctx.viewer()?;
    let app = ctx.app();
    let period = super::periods::parse(&input.period, "input.period")?;
    let scope = AnalyticsScope::of_input(viewer, input.scope, input.team_id, input.user_id)?;
    let (group_by, kind) = match input.group_by {
        ActivityGroupBy::User => (GroupBy::User, Some(NodeType::User)),
        ActivityGroupBy::Team => (GroupBy::Team, Some(NodeType::Team)),
        ActivityGroupBy::Region => (GroupBy::Region, None),
    };
    let rows = super::activity::activity_report(
        &app.db,
        viewer,
        &period,
        app.config.company_tz(),
        group_by,
        scope,
    )
    .await?;
    let minutes = |seconds: f64| seconds / 60.0;
    Ok(rows
        .into_iter()
        .map(|r| {
            let a = &r.activity;
            ActivityRow {
                group_id: kind.zip(r.id).map(|(k, id)| encode_id(k, id)),
                group_name: r.name.clone(),
                follow_ups: FollowUpCounts {
                    calls: a.follow_ups.calls,
                    meetings: a.follow_ups.meetings,
                    emails: a.follow_ups.emails,
                    visits: a.follow_ups.visits,
                    notes: a.follow_ups.notes,
                    total: a.follow_ups.total(),
                },
                visits_planned: a.visits_planned,
                visits_completed: a.visits_completed,
                visits_missed: a.visits_missed,
                new_leads: a.new_leads,
                qualified_leads: a.qualified_leads,
                new_customers: a.new_customers,
                opportunities_created: a.opportunities_created,
                leads_responded: a.response_seconds.len() as i64,
                first_response_median_minutes: r.median_response.map(minutes),
                first_response_p90_minutes: r.p90_response.map(|s| minutes(s as f64)),
                achievements: r.achievements.iter().copied().map(Into::into).collect(),
            }
        })
        .collect())
}
