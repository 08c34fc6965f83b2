//! `activityReport`: what sellers did in a period — follow-ups by kind, visits planned, made
//! and missed, leads taken and qualified, customers and deals opened — and how fast they
//! answered new leads.
//!
//! - Each figure counts by its own date within the period's company days: follow-ups by when
//!   they happened, visits by their local day, leads by creation (and by qualification for
//!   `qualifiedLeads`), customers and deals by creation; each credited to its author, assignee
//!   or owner.
//! - **First response**: for each lead whose first follow-up (the earliest `occurredAt`, ties
//!   broken by id) happened in the period, the time from the lead's last assignment or claim
//!   before that follow-up (else its creation) to it, credited to the follow-up's author; never
//!   negative (a back-dated follow-up counts as an answer at once). The median is the middle
//!   value (the mean of the two middle ones for an even count), p90 the nearest-rank 90th
//!   percentile.
//! - **Targets**: each group's targets of the counted metrics (new customers, completed visits,
//!   calls, new and qualified leads) beside the figure above that each one counts.
//!
//! Ten statements however many sellers, over the sellers the viewer may report on.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures_util::TryFutureExt;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use uuid::Uuid;

use super::performance::GroupBy;
use super::periods::Period;
use super::seller_aggregates::aggregate;
use super::targets::{Achievement, TargetMetric};
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::report_scope::Scope;
use crate::visits::rules::VisitStatus;
use entity::{customer, follow_up, lead, opportunity, team, visit_task};

/// Follow-ups by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUps {
    pub calls: i64,
    pub meetings: i64,
    pub emails: i64,
    pub visits: i64,
    pub notes: i64,
}

impl FollowUps {
    pub fn total(&self) -> i64 {
        self.calls + self.meetings + self.emails + self.visits + self.notes
    }

    fn add(&mut self, other: &FollowUps) {
        self.calls += other.calls;
        self.meetings += other.meetings;
        self.emails += other.emails;
        self.visits += other.visits;
        self.notes += other.notes;
    }
}

/// One seller's (or group's) activity.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    pub follow_ups: FollowUps,
    pub visits_planned: i64,
    pub visits_completed: i64,
    pub visits_missed: i64,
    pub new_leads: i64,
    pub qualified_leads: i64,
    pub new_customers: i64,
    pub opportunities_created: i64,
    /// Seconds to each first response, in no order.
    pub response_seconds: Vec<i64>,
}

impl Activity {
    fn add(&mut self, other: &Activity) {
        self.follow_ups.add(&other.follow_ups);
        self.visits_planned += other.visits_planned;
        self.visits_completed += other.visits_completed;
        self.visits_missed += other.visits_missed;
        self.new_leads += other.new_leads;
        self.qualified_leads += other.qualified_leads;
        self.new_customers += other.new_customers;
        self.opportunities_created += other.opportunities_created;
        self.response_seconds
            .extend_from_slice(&other.response_seconds);
    }
}

/// One row of the report.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub activity: Activity,
    /// Median and p90 first-response times in seconds; `None` without responses.
    pub median_response: Option<f64>,
    pub p90_response: Option<i64>,
    /// The group's targets of counted metrics beside what it reached.
    pub achievements: Vec<Achievement>,
}

/// The metrics `activityReport` reports achievement of (the money ones are
/// `salesPerformance`'s).
pub const METRICS: [TargetMetric; 5] = [
    TargetMetric::NewCustomers,
    TargetMetric::Visits,
    TargetMetric::Calls,
    TargetMetric::NewLeads,
    TargetMetric::QualifiedLeads,
];

impl Activity {
    /// What the activity reached of a counted metric.
    pub fn reached(&self, metric: TargetMetric) -> i64 {
        match metric {
            TargetMetric::NewCustomers => self.new_customers,
            TargetMetric::Visits => self.visits_completed,
            TargetMetric::Calls => self.follow_ups.calls,
            TargetMetric::NewLeads => self.new_leads,
            TargetMetric::QualifiedLeads => self.qualified_leads,
            TargetMetric::WonAmount | TargetMetric::CollectedAmount => 0,
        }
    }
}

/// The median of `sorted` (the mean of the two middle values for an even count).
pub fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        (sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0
    })
}

/// The nearest-rank `p`th percentile of `sorted`: the value at rank ⌈p·n/100⌉.
pub fn nearest_rank(sorted: &[i64], p: usize) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (p * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

#[derive(Debug, FromQueryResult)]
struct ByKind {
    user_id: Uuid,
    kind: String,
    count: i64,
}

#[derive(Debug, FromQueryResult)]
struct Visits {
    user_id: Uuid,
    planned: i64,
    completed: i64,
    missed: i64,
}

#[derive(Debug, FromQueryResult)]
struct Leads {
    user_id: Uuid,
    created: i64,
    qualified: i64,
}

#[derive(Debug, FromQueryResult)]
struct Count {
    user_id: Uuid,
    count: i64,
}

#[derive(Debug, FromQueryResult)]
struct Response {
    user_id: Uuid,
    started_at: DateTime<Utc>,
    responded_at: DateTime<Utc>,
}

fn count_when(condition: &str) -> Expr {
    Expr::cust(format!(
        "CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT)"
    ))
}

/// The activity of `period` per group, over the sellers the viewer may report on within
/// `scope`.
pub async fn activity_report(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    period: &Period,
    tz: chrono_tz::Tz,
    group_by: GroupBy,
    scope: Scope,
) -> AppResult<Vec<Row>> {
    let sellers = super::performance::sellers(db, viewer, scope).await?;
    let ids: Vec<Uuid> = sellers.iter().map(|u| u.id).collect();
    let (start, end) = period.instants(tz);

    let follow_ups = Query::select()
        .from(follow_up::Entity)
        .expr_as(
            Expr::col(follow_up::Column::AuthorId),
            Alias::new("user_id"),
        )
        .column(follow_up::Column::Kind)
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("count"))
        .and_where(Expr::col(follow_up::Column::OccurredAt).gte(start))
        .and_where(Expr::col(follow_up::Column::OccurredAt).lt(end))
        .and_where(Expr::col(follow_up::Column::AuthorId).is_in(ids.clone()))
        .add_group_by([
            Expr::col(follow_up::Column::AuthorId),
            Expr::col(follow_up::Column::Kind),
        ])
        .to_owned();
    let visits = Query::select()
        .from(visit_task::Entity)
        .expr_as(
            Expr::col(visit_task::Column::AssigneeId),
            Alias::new("user_id"),
        )
        .expr_as(
            count_when(&format!(
                "\"status\" <> '{}'",
                VisitStatus::Cancelled.as_str()
            )),
            Alias::new("planned"),
        )
        .expr_as(
            count_when(&format!(
                "\"status\" = '{}'",
                VisitStatus::Completed.as_str()
            )),
            Alias::new("completed"),
        )
        .expr_as(
            count_when(&format!("\"status\" = '{}'", VisitStatus::Missed.as_str())),
            Alias::new("missed"),
        )
        .and_where(Expr::col(visit_task::Column::LocalDate).gte(period.start))
        .and_where(Expr::col(visit_task::Column::LocalDate).lt(period.end))
        .and_where(Expr::col(visit_task::Column::AssigneeId).is_in(ids.clone()))
        .add_group_by([Expr::col(visit_task::Column::AssigneeId)])
        .to_owned();
    let created_in = Expr::col(lead::Column::CreatedAt)
        .gte(start)
        .and(Expr::col(lead::Column::CreatedAt).lt(end));
    let qualified_in = Expr::col(lead::Column::QualifiedAt)
        .gte(start)
        .and(Expr::col(lead::Column::QualifiedAt).lt(end));
    let leads = Query::select()
        .from(lead::Entity)
        .expr_as(Expr::col(lead::Column::OwnerId), Alias::new("user_id"))
        .expr_as(
            Expr::case(created_in.clone(), Expr::val(1_i64))
                .finally(Expr::val(0_i64))
                .sum()
                .cast_as(Alias::new("BIGINT")),
            Alias::new("created"),
        )
        .expr_as(
            Expr::case(qualified_in.clone(), Expr::val(1_i64))
                .finally(Expr::val(0_i64))
                .sum()
                .cast_as(Alias::new("BIGINT")),
            Alias::new("qualified"),
        )
        .and_where(created_in.or(qualified_in))
        .and_where(Expr::col(lead::Column::OwnerId).is_in(ids.clone()))
        .add_group_by([Expr::col(lead::Column::OwnerId)])
        .to_owned();
    let customers = Query::select()
        .from(customer::Entity)
        .expr_as(Expr::col(customer::Column::OwnerId), Alias::new("user_id"))
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("count"))
        .and_where(Expr::col(customer::Column::CreatedAt).gte(start))
        .and_where(Expr::col(customer::Column::CreatedAt).lt(end))
        .and_where(Expr::col(customer::Column::OwnerId).is_in(ids.clone()))
        .add_group_by([Expr::col(customer::Column::OwnerId)])
        .to_owned();
    let deals = Query::select()
        .from(opportunity::Entity)
        .expr_as(
            Expr::col(opportunity::Column::OwnerId),
            Alias::new("user_id"),
        )
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("count"))
        .and_where(Expr::col(opportunity::Column::CreatedAt).gte(start))
        .and_where(Expr::col(opportunity::Column::CreatedAt).lt(end))
        .and_where(Expr::col(opportunity::Column::OwnerId).is_in(ids.clone()))
        .add_group_by([Expr::col(opportunity::Column::OwnerId)])
        .to_owned();
    // Each lead's first follow-up in the period, and since when the lead was its author's.
    let first = "NOT EXISTS (SELECT 1 FROM \"follow_ups\" AS \"earlier\" \
        WHERE \"earlier\".\"lead_id\" = \"follow_ups\".\"lead_id\" \
        AND (\"earlier\".\"occurred_at\" < \"follow_ups\".\"occurred_at\" \
        OR (\"earlier\".\"occurred_at\" = \"follow_ups\".\"occurred_at\" \
        AND \"earlier\".\"id\" < \"follow_ups\".\"id\")))";
    let started = "COALESCE((SELECT MAX(\"handed\".\"created_at\") FROM \"lead_events\" AS \"handed\" \
        WHERE \"handed\".\"lead_id\" = \"follow_ups\".\"lead_id\" \
        AND \"handed\".\"kind\" IN ('ASSIGNED', 'CLAIMED') \
        AND \"handed\".\"created_at\" <= \"follow_ups\".\"occurred_at\"), \"leads\".\"created_at\")";
    let responses = Query::select()
        .from(follow_up::Entity)
        .inner_join(
            lead::Entity,
            Expr::col((lead::Entity, lead::Column::Id))
                .equals((follow_up::Entity, follow_up::Column::LeadId)),
        )
        .expr_as(
            Expr::col((follow_up::Entity, follow_up::Column::AuthorId)),
            Alias::new("user_id"),
        )
        .expr_as(Expr::cust(started), Alias::new("started_at"))
        .expr_as(
            Expr::col((follow_up::Entity, follow_up::Column::OccurredAt)),
            Alias::new("responded_at"),
        )
        .and_where(Expr::col((follow_up::Entity, follow_up::Column::OccurredAt)).gte(start))
        .and_where(Expr::col((follow_up::Entity, follow_up::Column::OccurredAt)).lt(end))
        .and_where(Expr::col((follow_up::Entity, follow_up::Column::AuthorId)).is_in(ids.clone()))
        .and_where(Expr::cust(first))
        .to_owned();

    let (follow_ups, visits, leads, customers, deals, responses, teams, targets) = tokio::try_join!(
        aggregate::<ByKind>(db, follow_ups),
        aggregate::<Visits>(db, visits),
        aggregate::<Leads>(db, leads),
        aggregate::<Count>(db, customers),
        aggregate::<Count>(db, deals),
        aggregate::<Response>(db, responses),
        team::Entity::find().all(db).map_err(AppError::from),
        super::targets::of_period(db, period),
    )?;

    let mut acc: HashMap<Uuid, Activity> =
        ids.iter().map(|id| (*id, Activity::default())).collect();
    for row in follow_ups {
        if let Some(a) = acc.get_mut(&row.user_id) {
            let slot = match row.kind.as_str() {
                "CALL" => &mut a.follow_ups.calls,
                "MEETING" => &mut a.follow_ups.meetings,
                "EMAIL" => &mut a.follow_ups.emails,
                "VISIT" => &mut a.follow_ups.visits,
                _ => &mut a.follow_ups.notes,
            };
            *slot += row.count;
        }
    }
    for row in visits {
        if let Some(a) = acc.get_mut(&row.user_id) {
            a.visits_planned += row.planned;
            a.visits_completed += row.completed;
            a.visits_missed += row.missed;
        }
    }
    for row in leads {
        if let Some(a) = acc.get_mut(&row.user_id) {
            a.new_leads += row.created;
            a.qualified_leads += row.qualified;
        }
    }
    for row in customers {
        if let Some(a) = acc.get_mut(&row.user_id) {
            a.new_customers += row.count;
        }
    }
    for row in deals {
        if let Some(a) = acc.get_mut(&row.user_id) {
            a.opportunities_created += row.count;
        }
    }
    for row in responses {
        if let Some(a) = acc.get_mut(&row.user_id) {
            let seconds = Ord::max((row.responded_at - row.started_at).num_seconds(), 0);
            a.response_seconds.push(seconds);
        }
    }

    let teams: HashMap<Uuid, team::Model> = teams.into_iter().map(|t| (t.id, t)).collect();
    let mut rows: Vec<Row> = super::groups::group(
        group_by,
        &sellers,
        &teams,
        |group: &mut Activity, seller| {
            if let Some(a) = acc.get(&seller) {
                group.add(a);
            }
        },
    )
    .into_iter()
    .map(|g| {
        let mut activity = g.acc;
        activity.response_seconds.sort_unstable();
        let achievements =
            super::targets::achievements(&targets, g.key.subject().as_ref(), &METRICS, |metric| {
                activity.reached(metric)
            });
        Row {
            achievements,
            id: g.id,
            name: g.name,
            median_response: median(&activity.response_seconds),
            p90_response: nearest_rank(&activity.response_seconds, 90),
            activity,
        }
    })
    .collect();
    rows.sort_by(|a, b| {
        b.activity
            .follow_ups
            .total()
            .cmp(&a.activity.follow_ups.total())
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_takes_the_middle_and_p90_the_nearest_rank() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7]), Some(7.0));
        assert_eq!(median(&[1, 3, 10]), Some(3.0));
        assert_eq!(median(&[1, 3, 10, 20]), Some(6.5));
        assert_eq!(nearest_rank(&[], 90), None);
        assert_eq!(nearest_rank(&[5], 90), Some(5));
        // Ten values: rank 9. Eleven values: rank ⌈9.9⌉ = 10.
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 90), Some(10));
        assert_eq!(nearest_rank(&ten, 100), Some(10));
        assert_eq!(nearest_rank(&ten, 0), Some(1));
    }
}
