//! The pure rules of visits: the state machine and the local day.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

crate::string_enum! {
    /// Where a visit task stands.
    VisitStatus {
        /// Planned, not started.
        Planned => "PLANNED",
        /// Checked in on site, not yet checked out.
        InProgress => "IN_PROGRESS",
        /// Checked out.
        Completed => "COMPLETED",
        /// Called off before it started.
        Cancelled => "CANCELLED",
        /// Still planned when its local day ended.
        Missed => "MISSED",
    }
}

crate::string_enum! {
    /// How a visit went.
    VisitOutcome {
        /// The customer moved forward.
        Positive => "POSITIVE",
        /// Nothing changed.
        Neutral => "NEUTRAL",
        /// The customer moved away.
        Negative => "NEGATIVE",
        /// Nobody was there to meet.
        NoShow => "NO_SHOW",
    }
}

/// What can happen to a visit task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CheckIn,
    CheckOut,
    Cancel,
    MarkMissed,
    Reschedule,
}

/// The status after `action`, or `None` when the move is impossible from `from`:
/// `PLANNED → IN_PROGRESS → COMPLETED`, `PLANNED → CANCELLED`, `PLANNED → MISSED`; only a planned
/// task is rescheduled (it stays planned).
pub fn next_status(from: VisitStatus, action: Action) -> Option<VisitStatus> {
    use VisitStatus::*;
    match (from, action) {
        (Planned, Action::CheckIn) => Some(InProgress),
        (InProgress, Action::CheckOut) => Some(Completed),
        (Planned, Action::Cancel) => Some(Cancelled),
        (Planned, Action::MarkMissed) => Some(Missed),
        (Planned, Action::Reschedule) => Some(Planned),
        _ => None,
    }
}

/// The instant a local calendar day starts in `tz`. On a day whose midnight falls in a DST
/// gap, the day starts at the first instant that exists.
fn start_of(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let mut local = date.and_time(chrono::NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(start) = tz.from_local_datetime(&local).earliest() {
            return start.with_timezone(&Utc);
        }
        local += chrono::Duration::minutes(30);
    }
    // No zone skips two hours; fall back to reading the local midnight as UTC.
    Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
}

/// `[start, end)` of the local day `date` in `tz`, in UTC (23 or 25 hours around DST changes).
pub fn local_day_bounds(tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
    (start_of(tz, date), start_of(tz, next))
}

/// The local calendar day of an instant in `tz`.
pub fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [VisitStatus; 5] = [
        VisitStatus::Planned,
        VisitStatus::InProgress,
        VisitStatus::Completed,
        VisitStatus::Cancelled,
        VisitStatus::Missed,
    ];
    const ACTIONS: [Action; 5] = [
        Action::CheckIn,
        Action::CheckOut,
        Action::Cancel,
        Action::MarkMissed,
        Action::Reschedule,
    ];

    #[test]
    fn only_the_documented_moves_are_possible() {
        use VisitStatus::*;
        let allowed = [
            (Planned, Action::CheckIn, InProgress),
            (InProgress, Action::CheckOut, Completed),
            (Planned, Action::Cancel, Cancelled),
            (Planned, Action::MarkMissed, Missed),
            (Planned, Action::Reschedule, Planned),
        ];
        for from in ALL {
            for action in ACTIONS {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(next_status(from, action), expected, "{from:?} {action:?}");
            }
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_day_in_shanghai_starts_at_16_utc_the_day_before() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let (start, end) = local_day_bounds(chrono_tz::Asia::Shanghai, date);
        assert_eq!(start, utc("2026-11-24T16:00:00Z"));
        assert_eq!(end, utc("2026-11-25T16:00:00Z"));
    }

    #[test]
    fn a_day_in_los_angeles_follows_daylight_saving_time() {
        let la = chrono_tz::America::Los_Angeles;
        let winter = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            local_day_bounds(la, winter),
            (utc("2026-11-25T08:00:00Z"), utc("2026-11-26T08:00:00Z"))
        );
        // 2026-03-08: clocks spring forward, the day has 23 hours.
        let spring = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let (start, end) = local_day_bounds(la, spring);
        assert_eq!(start, utc("2026-03-08T08:00:00Z"));
        assert_eq!(end - start, chrono::Duration::hours(23));
        // 2026-11-01: clocks fall back, the day has 25 hours.
        let autumn = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let (start, end) = local_day_bounds(la, autumn);
        assert_eq!(end - start, chrono::Duration::hours(25));
    }

    #[test]
    fn a_day_whose_midnight_does_not_exist_starts_at_the_first_real_instant() {
        // Santiago skips from 00:00 to 01:00 on 2026-09-06.
        let santiago = chrono_tz::America::Santiago;
        let date = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let (start, _) = local_day_bounds(santiago, date);
        assert_eq!(local_date(santiago, start), date);
        assert!(local_date(santiago, start - chrono::Duration::seconds(1)) < date);
    }

    #[test]
    fn the_same_instant_is_a_different_day_in_shanghai_and_los_angeles() {
        let instant = utc("2026-11-25T18:00:00Z");
        assert_eq!(
            local_date(chrono_tz::Asia::Shanghai, instant),
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
        assert_eq!(
            local_date(chrono_tz::America::Los_Angeles, instant),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
        );
    }
}
