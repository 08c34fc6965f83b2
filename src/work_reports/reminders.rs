//! The sweep reminding sellers of a missing report: once the configured local hour has passed
//! on a workday, each active sales rep without that day's report is told once; on Fridays,
//! likewise for the week's. Every seller's hour is their own time zone's. A reminder is marked
//! sent in the transaction that writes it, under the sweep's lock, so two instances never send
//! one twice.

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use super::model::{self, Period, WorkReportKind};
use crate::error::AppResult;
use crate::identity::Role;
use crate::notifications::service::{self as notifications, NewNotification};
use crate::state::AppState;
use crate::sweeps::SweepReport;
use entity::{user, work_report, work_report_reminder as reminder};

/// Lock of the report sweep.
pub const REPORT_LOCK: i64 = 0x5341_4c45_000a;
/// Reminders one sweep transaction writes at most; the rest wait for the next batch.
const BATCH: u64 = 500;

/// The periods due for a reminder at `now` in a zone: today's report on a workday once the
/// hour has passed, and the week's on a Friday.
fn due_periods(now_local: chrono::NaiveDateTime, due_hour: u32) -> Vec<Period> {
    let day = now_local.date();
    if now_local.hour() < due_hour {
        return Vec::new();
    }
    let mut due = Vec::new();
    if model::is_workday(day) {
        due.push(Period::holding(WorkReportKind::Daily, day));
    }
    if day.weekday() == Weekday::Fri {
        due.push(Period::holding(WorkReportKind::Weekly, day));
    }
    due
}

/// Sends every missing-report reminder due at `now`. Safe on several instances.
pub async fn remind(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let zones: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Timezone)
        .distinct()
        .filter(user::Column::Role.eq(Role::SalesRep.as_str()))
        .filter(user::Column::Active.eq(true))
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut sent = 0;
    for name in zones {
        let zone = crate::calendar::parse_zone(&name).unwrap_or(state.config.default_timezone);
        let local = now.with_timezone(&zone).naive_local();
        for period in due_periods(local, state.config.report_due_hour) {
            loop {
                let Some(count) = batch(state, &name, period, now).await? else {
                    return Ok(SweepReport {
                        ran: false,
                        affected: sent,
                    });
                };
                sent += count;
                if count < BATCH {
                    break;
                }
            }
        }
    }
    Ok(SweepReport {
        ran: true,
        affected: sent,
    })
}

/// One batch of the reps of zone `zone` owed a reminder for `period`: `None` when another
/// instance holds the lock.
async fn batch(
    state: &AppState,
    zone: &str,
    period: Period,
    now: DateTime<Utc>,
) -> AppResult<Option<u64>> {
    let Some(txn) = crate::sweeps::begin_exclusive(state, REPORT_LOCK).await? else {
        return Ok(None);
    };
    let kind = period.kind.as_str();
    let owed = user::Entity::find()
        .filter(
            Condition::all()
                .add(user::Column::Role.eq(Role::SalesRep.as_str()))
                .add(user::Column::Active.eq(true))
                .add(user::Column::Timezone.eq(zone))
                .add(
                    user::Column::Id.not_in_subquery(
                        Query::select()
                            .column(work_report::Column::OwnerId)
                            .from(work_report::Entity)
                            .and_where(work_report::Column::Kind.eq(kind))
                            .and_where(work_report::Column::PeriodStart.eq(period.from))
                            .to_owned(),
                    ),
                )
                .add(
                    user::Column::Id.not_in_subquery(
                        Query::select()
                            .column(reminder::Column::OwnerId)
                            .from(reminder::Entity)
                            .and_where(reminder::Column::Kind.eq(kind))
                            .and_where(reminder::Column::PeriodStart.eq(period.from))
                            .to_owned(),
                    ),
                ),
        )
        .order_by_asc(user::Column::Id)
        .limit(BATCH)
        .all(&txn)
        .await?;
    let mut written = Vec::with_capacity(owed.len());
    for rep in &owed {
        reminder::ActiveModel {
            owner_id: Set(rep.id),
            kind: Set(kind.to_owned()),
            period_start: Set(period.from),
            sent_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let (notice, title, body) = match period.kind {
            WorkReportKind::Daily => (
                "DAILY_REPORT_MISSING",
                format!("Your daily report for {} is missing", period.from),
                "Review the day's draft in the app, add your summary and plans, and submit it."
                    .to_owned(),
            ),
            WorkReportKind::Weekly => (
                "WEEKLY_REPORT_MISSING",
                format!("Your report for the week of {} is missing", period.from),
                "Review the week's draft in the app, add your summary and plans, and submit it."
                    .to_owned(),
            ),
        };
        written.push(
            notifications::notify(
                &txn,
                NewNotification {
                    user_id: rep.id,
                    kind: notice,
                    title,
                    body,
                    subject_type: None,
                    subject_id: None,
                },
                now,
            )
            .await?,
        );
    }
    txn.commit().await?;
    notifications::announce(state.events.as_ref(), &written);
    Ok(Some(u64::try_from(owed.len()).unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> chrono::NaiveDateTime {
        text.parse().expect("a local time")
    }

    #[test]
    fn nothing_is_due_before_the_hour_or_on_weekends() {
        assert!(due_periods(at("2026-12-03T18:59:59"), 19).is_empty());
        assert!(due_periods(at("2026-12-05T20:00:00"), 19).is_empty());
    }

    #[test]
    fn a_workday_owes_its_daily_report_and_a_friday_the_week_too() {
        let thursday = due_periods(at("2026-12-03T19:00:00"), 19);
        assert_eq!(thursday.len(), 1);
        assert_eq!(thursday[0].kind, WorkReportKind::Daily);
        let friday = due_periods(at("2026-12-04T23:30:00"), 19);
        assert_eq!(
            friday
                .iter()
                .map(|p| (p.kind, p.from.to_string()))
                .collect::<Vec<_>>(),
            vec![
                (WorkReportKind::Daily, "2026-12-04".to_owned()),
                (WorkReportKind::Weekly, "2026-11-30".to_owned()),
            ]
        );
    }
}
