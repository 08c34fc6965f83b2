//! A report's period: a local day, or a week from Monday to Sunday, in its seller's time zone;
//! which periods may be reported; and the id a report of a period has before it exists.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

crate::string_enum! {
    /// How long a work report's period is.
    WorkReportKind {
        /// One local day (日报).
        Daily => "DAILY",
        /// One week, Monday to Sunday (周报).
        Weekly => "WEEKLY",
    }
}

/// How many days back a report may still be written or submitted.
pub const LATEST_DAYS_BACK: u64 = 31;

/// Namespace of reports' ids (a v5 uuid of owner, kind and first day).
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x5341_4c45_5347_5241_5048_5245_504f_5254);

/// The local days a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: WorkReportKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The period of `kind` holding `day`.
    pub fn holding(kind: WorkReportKind, day: NaiveDate) -> Self {
        match kind {
            WorkReportKind::Daily => Self {
                kind,
                from: day,
                to: day,
            },
            WorkReportKind::Weekly => {
                let back = u64::from(day.weekday().num_days_from_monday());
                let from = day.checked_sub_days(Days::new(back)).unwrap_or(day);
                Self {
                    kind,
                    from,
                    to: from.checked_add_days(Days::new(6)).unwrap_or(from),
                }
            }
        }
    }

    /// `[start, end)` of the period in UTC, its days counted in `zone`.
    pub fn window(&self, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let (start, _) = crate::calendar::local_day_bounds(zone, self.from);
        let (_, end) = crate::calendar::local_day_bounds(zone, self.to);
        (start, end)
    }

    /// The id of `owner`'s report of this period, the same before and after it is submitted.
    pub fn report_id(&self, owner: Uuid) -> Uuid {
        let name = format!("{owner}/{}/{}", self.kind.as_str(), self.from);
        Uuid::new_v5(&ID_NAMESPACE, name.as_bytes())
    }
}

/// The period of `kind` holding `day` (today when `None`), if it may be reported on `today`:
/// begun, and not over more than [`LATEST_DAYS_BACK`] days ago. Errors: `BAD_USER_INPUT` on
/// `field`.
pub fn reportable(
    kind: WorkReportKind,
    day: Option<NaiveDate>,
    today: NaiveDate,
    field: &str,
) -> AppResult<Period> {
    let period = Period::holding(kind, day.unwrap_or(today));
    if period.from > today {
        return Err(AppError::bad_input(
            field,
            "That day has not come yet: a report covers days that have begun",
        ));
    }
    let earliest = today
        .checked_sub_days(Days::new(LATEST_DAYS_BACK))
        .unwrap_or(today);
    if period.to < earliest {
        return Err(AppError::bad_input(
            field,
            format!("Reports are written within {LATEST_DAYS_BACK} days of their period"),
        ));
    }
    Ok(period)
}

/// Whether `day` is a workday (Monday to Friday): the days a daily report is expected.
pub fn is_workday(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn a_week_runs_monday_to_sunday_whatever_day_names_it() {
        for named in ["2026-11-30", "2026-12-02", "2026-12-06"] {
            let week = Period::holding(WorkReportKind::Weekly, day(named));
            assert_eq!((week.from, week.to), (day("2026-11-30"), day("2026-12-06")));
        }
        let daily = Period::holding(WorkReportKind::Daily, day("2026-12-02"));
        assert_eq!(
            (daily.from, daily.to),
            (day("2026-12-02"), day("2026-12-02"))
        );
    }

    #[test]
    fn the_window_counts_local_days_across_a_daylight_saving_change() {
        let zone: Tz = "Europe/Berlin".parse().expect("a zone");
        // The clocks go back on 2026-10-25: that Sunday has 25 hours.
        let week = Period::holding(WorkReportKind::Weekly, day("2026-10-21"));
        let (start, end) = week.window(zone);
        assert_eq!(start.to_rfc3339(), "2026-10-18T22:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-10-25T23:00:00+00:00");
        assert_eq!((end - start).num_hours(), 7 * 24 + 1);
    }

    #[test]
    fn future_and_long_gone_periods_are_refused_the_current_week_is_not() {
        let today = day("2026-12-03");
        let field = "input.date";
        assert!(reportable(WorkReportKind::Daily, Some(day("2026-12-04")), today, field).is_err());
        assert!(reportable(WorkReportKind::Daily, Some(day("2026-11-01")), today, field).is_err());
        assert!(reportable(WorkReportKind::Daily, Some(day("2026-11-02")), today, field).is_ok());
        let week = reportable(
            WorkReportKind::Weekly,
            Some(day("2026-12-06")),
            today,
            field,
        )
        .expect("this week");
        assert_eq!(week.from, day("2026-11-30"));
        assert!(
            reportable(
                WorkReportKind::Weekly,
                Some(day("2026-12-07")),
                today,
                field
            )
            .is_err()
        );
    }

    #[test]
    fn a_report_keeps_its_id_and_ids_differ_by_owner_kind_and_period() {
        let owner = Uuid::from_u128(7);
        let daily = Period::holding(WorkReportKind::Daily, day("2026-11-30"));
        let weekly = Period::holding(WorkReportKind::Weekly, day("2026-11-30"));
        assert_eq!(daily.report_id(owner), daily.report_id(owner));
        assert_ne!(daily.report_id(owner), weekly.report_id(owner));
        assert_ne!(daily.report_id(owner), daily.report_id(Uuid::from_u128(8)));
        let next = Period::holding(WorkReportKind::Daily, day("2026-12-01"));
        assert_ne!(daily.report_id(owner), next.report_id(owner));
    }

    #[test]
    fn weekends_are_not_workdays() {
        assert!(is_workday(day("2026-12-04")));
        assert!(!is_workday(day("2026-12-05")));
        assert!(!is_workday(day("2026-12-06")));
    }
}
