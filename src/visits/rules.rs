//! The pure rules of visits: the state machine, and when a visit may be planned (local days
//! are in `calendar`).

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{AppError, AppResult};

/// The longest a single visit may be planned for.
const MAX_VISIT: chrono::Duration = chrono::Duration::hours(24);

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

/// A planned visit ends after it starts and lasts at most [`MAX_VISIT`]; `BAD_USER_INPUT` on
/// `input.plannedEnd` otherwise.
pub(super) fn check_times(start: DateTime<Utc>, end: DateTime<Utc>) -> AppResult<()> {
    if end <= start {
        return Err(AppError::bad_input(
            "input.plannedEnd",
            "A visit ends after it starts",
        ));
    }
    if end - start > MAX_VISIT {
        return Err(AppError::bad_input(
            "input.plannedEnd",
            "A visit lasts at most 24 hours",
        ));
    }
    Ok(())
}

/// The assignee's local day of `start` and when it ends; `BAD_USER_INPUT` when that day is over.
pub(super) fn local_day(
    tz: chrono_tz::Tz,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<(NaiveDate, DateTime<Utc>)> {
    let date = crate::calendar::local_date(tz, start);
    let (_, day_ends_at) = crate::calendar::local_day_bounds(tz, date);
    if day_ends_at <= now {
        return Err(AppError::bad_input(
            "input.plannedStart",
            "That day is already over for the assignee",
        ));
    }
    Ok((date, day_ends_at))
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
}
