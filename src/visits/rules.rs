//! The pure rules of visits: the state machine (local days are in `calendar`).

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
