//! The contract state machine.

crate::string_enum! {
    /// Where a contract stands.
    ContractStatus {
        /// Being written; editable.
        Draft => "DRAFT",
        /// Submitted; locked while the approval chain runs.
        PendingApproval => "PENDING_APPROVAL",
        /// Every required step approved; locked, ready to sign.
        Approved => "APPROVED",
        /// A step rejected it; editable and may be resubmitted.
        Rejected => "REJECTED",
        /// Signed by both parties.
        Signed => "SIGNED",
        /// Delivered and closed.
        Completed => "COMPLETED",
        /// Called off.
        Cancelled => "CANCELLED",
    }
}

/// What can happen to a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Edit,
    Submit,
    Approve,
    Reject,
    Withdraw,
    Sign,
    Complete,
    Cancel,
}

/// The status after `action`, or `None` when impossible: edits and submissions only from
/// `DRAFT` or `REJECTED`; decisions and withdrawals only while `PENDING_APPROVAL`; signing after
/// approval; completion after signing; cancellation of anything not pending, signed or closed.
pub fn next_status(from: ContractStatus, action: Action) -> Option<ContractStatus> {
    use ContractStatus::*;
    match (from, action) {
        (Draft | Rejected, Action::Edit) => Some(from),
        (Draft | Rejected, Action::Submit) => Some(PendingApproval),
        (PendingApproval, Action::Approve) => Some(Approved),
        (PendingApproval, Action::Reject) => Some(Rejected),
        (PendingApproval, Action::Withdraw) => Some(Draft),
        (Approved, Action::Sign) => Some(Signed),
        (Signed, Action::Complete) => Some(Completed),
        (Draft | Rejected | Approved, Action::Cancel) => Some(Cancelled),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contract_moves_only_along_the_documented_paths() {
        use ContractStatus::*;
        let all = [
            Draft,
            PendingApproval,
            Approved,
            Rejected,
            Signed,
            Completed,
            Cancelled,
        ];
        let actions = [
            Action::Edit,
            Action::Submit,
            Action::Approve,
            Action::Reject,
            Action::Withdraw,
            Action::Sign,
            Action::Complete,
            Action::Cancel,
        ];
        let allowed = [
            (Draft, Action::Edit, Draft),
            (Rejected, Action::Edit, Rejected),
            (Draft, Action::Submit, PendingApproval),
            (Rejected, Action::Submit, PendingApproval),
            (PendingApproval, Action::Approve, Approved),
            (PendingApproval, Action::Reject, Rejected),
            (PendingApproval, Action::Withdraw, Draft),
            (Approved, Action::Sign, Signed),
            (Signed, Action::Complete, Completed),
            (Draft, Action::Cancel, Cancelled),
            (Rejected, Action::Cancel, Cancelled),
            (Approved, Action::Cancel, Cancelled),
        ];
        for from in all {
            for action in actions {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(next_status(from, action), expected, "{from:?} {action:?}");
            }
        }
    }
}
