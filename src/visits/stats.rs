//! Visit statistics per rep: SQL aggregates over the tasks the viewer may see.

use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{Condition, ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::policy;
use crate::report_scope::Scope;
use entity::visit_task::{self, Entity as Visits};

/// One rep's visits in a period.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct VisitStatsLine {
    pub assignee_id: Uuid,
    /// Every task planned in the period, whatever became of it.
    pub planned: i64,
    pub completed: i64,
    pub missed: i64,
    pub cancelled: i64,
    pub in_progress: i64,
    /// Check-ins judged on site / check-ins that could be judged.
    pub on_site: i64,
    pub verified: i64,
    /// Sum and count of device-measured durations of completed visits.
    pub duration_seconds: i64,
    pub timed: i64,
}

impl VisitStatsLine {
    /// On-site check-ins among verifiable ones; `None` when none could be verified.
    pub fn on_site_rate(&self) -> Option<f64> {
        ratio(self.on_site, self.verified)
    }

    /// Average minutes from check-in to check-out; `None` without completed visits.
    pub fn average_duration_minutes(&self) -> Option<f64> {
        ratio(self.duration_seconds, self.timed).map(|seconds| seconds / 60.0)
    }
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn count_where(condition: &str) -> Expr {
    Expr::cust(format!(
        "CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT)"
    ))
}

/// Per rep in the scope, visits planned on local days `from` to `to` (inclusive, each rep's own
/// days), among the tasks the viewer may see; busiest reps first. Errors: `BAD_USER_INPUT`.
pub async fn visit_stats(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    scope: Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<VisitStatsLine>> {
    use visit_task::Column;
    if to < from {
        return Err(AppError::bad_input(
            "input.to",
            "The period ends before it starts",
        ));
    }
    if (to - from).num_days() > 366 {
        return Err(AppError::bad_input(
            "input.to",
            "A period spans at most 366 days",
        ));
    }
    let mut condition = Condition::all()
        .add(policy::visits(viewer))
        .add(Expr::col((Visits, Column::LocalDate)).gte(from))
        .add(Expr::col((Visits, Column::LocalDate)).lte(to));
    match scope {
        Scope::User(user) => {
            condition = condition.add(Expr::col((Visits, Column::AssigneeId)).eq(user));
        }
        Scope::Team(team) => {
            condition = condition.add(
                Expr::col((Visits, Column::AssigneeId)).in_subquery(policy::members_of(vec![team])),
            );
        }
        Scope::Company => {}
    }
    let query = Query::select()
        .expr_as(
            Expr::col((Visits, Column::AssigneeId)),
            Alias::new("assignee_id"),
        )
        .expr_as(
            Expr::cust("CAST(COUNT(*) AS BIGINT)"),
            Alias::new("planned"),
        )
        .expr_as(count_where("status = 'COMPLETED'"), Alias::new("completed"))
        .expr_as(count_where("status = 'MISSED'"), Alias::new("missed"))
        .expr_as(count_where("status = 'CANCELLED'"), Alias::new("cancelled"))
        .expr_as(
            count_where("status = 'IN_PROGRESS'"),
            Alias::new("in_progress"),
        )
        .expr_as(
            count_where("check_in_on_site = TRUE"),
            Alias::new("on_site"),
        )
        .expr_as(
            count_where("check_in_on_site IS NOT NULL"),
            Alias::new("verified"),
        )
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(duration_seconds), 0) AS BIGINT)"),
            Alias::new("duration_seconds"),
        )
        .expr_as(
            Expr::cust("CAST(COUNT(duration_seconds) AS BIGINT)"),
            Alias::new("timed"),
        )
        .from(Visits)
        .cond_where(condition)
        .group_by_col((Visits, Column::AssigneeId))
        .order_by_expr(Expr::cust("COUNT(*)"), sea_orm::Order::Desc)
        .order_by((Visits, Column::AssigneeId), sea_orm::Order::Asc)
        .to_owned();
    let backend = db.get_database_backend();
    Ok(VisitStatsLine::find_by_statement(backend.build(&query))
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(on_site: i64, verified: i64, seconds: i64, timed: i64) -> VisitStatsLine {
        VisitStatsLine {
            assignee_id: Uuid::now_v7(),
            planned: 0,
            completed: 0,
            missed: 0,
            cancelled: 0,
            in_progress: 0,
            on_site,
            verified,
            duration_seconds: seconds,
            timed,
        }
    }

    #[test]
    fn rates_are_fractions_and_undefined_without_a_base() {
        assert_eq!(line(3, 4, 0, 0).on_site_rate(), Some(0.75));
        assert_eq!(line(0, 0, 0, 0).on_site_rate(), None);
        assert_eq!(line(0, 0, 5400, 2).average_duration_minutes(), Some(45.0));
        assert_eq!(line(0, 0, 0, 0).average_duration_minutes(), None);
    }
}
