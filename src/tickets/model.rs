//! The ticket vocabulary and its state machine.

crate::string_enum! {
    /// Where a ticket stands.
    TicketStatus {
        /// New, or reopened: nobody works on it yet.
        Open => "OPEN",
        /// Someone works on it.
        InProgress => "IN_PROGRESS",
        /// Waiting for the customer to answer.
        WaitingCustomer => "WAITING_CUSTOMER",
        /// Solved; the customer may still say otherwise (reopen).
        Resolved => "RESOLVED",
        /// Done with (reopen to work on it again).
        Closed => "CLOSED",
    }
}

crate::string_enum! {
    /// How urgent a ticket is; each has its promised resolution time.
    TicketPriority {
        /// A week by default.
        Low => "LOW",
        /// Three days by default.
        Normal => "NORMAL",
        /// A day by default.
        High => "HIGH",
        /// Four hours by default.
        Urgent => "URGENT",
    }
}

crate::string_enum! {
    /// What a ticket is about.
    TicketCategory {
        /// The product does not work as promised.
        Quality => "QUALITY",
        /// Late, short or wrong deliveries.
        Delivery => "DELIVERY",
        /// Invoices and payments.
        Billing => "BILLING",
        /// How the customer was served.
        Service => "SERVICE",
        /// Anything else.
        Other => "OTHER",
    }
}

crate::string_enum! {
    /// Who may read a ticket comment.
    CommentVisibility {
        /// Staff only.
        Internal => "INTERNAL",
        /// What the customer was told (may be shown to them).
        Customer => "CUSTOMER",
    }
}

crate::string_enum! {
    /// What happened to a ticket.
    TicketEventKind {
        /// It was opened.
        Opened => "OPENED",
        /// It was given to someone.
        Assigned => "ASSIGNED",
        /// Its status changed.
        StatusChanged => "STATUS_CHANGED",
        /// A resolved or closed ticket was opened again.
        Reopened => "REOPENED",
        /// Its promised time ran out unresolved; the support lead and the account's owner were
        /// told.
        Escalated => "ESCALATED",
    }
}

/// Whether a ticket may go from `from` to `to` by `changeTicketStatus`. A resolved or closed
/// ticket only goes back to `OPEN` (a reopening); nothing else jumps back.
pub fn allowed(from: TicketStatus, to: TicketStatus) -> bool {
    use TicketStatus::*;
    matches!(
        (from, to),
        (Open, InProgress | WaitingCustomer | Resolved | Closed)
            | (InProgress, WaitingCustomer | Resolved | Closed)
            | (WaitingCustomer, InProgress | Resolved | Closed)
            | (Resolved, Closed | Open)
            | (Closed, Open)
    )
}

/// Whether a ticket in `status` is still to be resolved (its promised time counts).
pub fn unresolved(status: TicketStatus) -> bool {
    matches!(
        status,
        TicketStatus::Open | TicketStatus::InProgress | TicketStatus::WaitingCustomer
    )
}

/// The longest subject, description and comment.
pub const MAX_SUBJECT: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_COMMENT: usize = 10_000;
/// The most hours a priority may be promised (a year).
pub const MAX_SLA_HOURS: i32 = 8760;

#[cfg(test)]
mod tests {
    use super::TicketStatus::*;
    use super::*;

    #[test]
    fn the_state_machine_allows_exactly_its_table() {
        let all = [Open, InProgress, WaitingCustomer, Resolved, Closed];
        let table = [
            // to:  OPEN   IN_PR  WAIT   RESOL  CLOSED
            (Open, [false, true, true, true, true]),
            (InProgress, [false, false, true, true, true]),
            (WaitingCustomer, [false, true, false, true, true]),
            (Resolved, [true, false, false, false, true]),
            (Closed, [true, false, false, false, false]),
        ];
        for (from, row) in table {
            for (to, expected) in all.into_iter().zip(row) {
                assert_eq!(allowed(from, to), expected, "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn only_open_work_counts_against_the_promised_time() {
        assert!(unresolved(Open) && unresolved(InProgress) && unresolved(WaitingCustomer));
        assert!(!unresolved(Resolved) && !unresolved(Closed));
    }
}
