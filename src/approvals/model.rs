//! Where approval requests and their steps stand. Stored as text; exposed as GraphQL enums.

crate::string_enum! {
    /// Where an approval request stands.
    ApprovalStatus {
        /// Waiting for a decision on its current step.
        Pending => "PENDING",
        /// Every step approved.
        Approved => "APPROVED",
        /// A step rejected it.
        Rejected => "REJECTED",
        /// The submitter took it back.
        Withdrawn => "WITHDRAWN",
    }
}

crate::string_enum! {
    /// Where one step of a request stands.
    StepStatus {
        /// An earlier step is still open.
        Waiting => "WAITING",
        /// Awaiting its decision now.
        Pending => "PENDING",
        /// Approved.
        Approved => "APPROVED",
        /// Rejected.
        Rejected => "REJECTED",
        /// Never decided: the request ended before it.
        Cancelled => "CANCELLED",
    }
}
