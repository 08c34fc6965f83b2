//! The after-sales vocabulary, as stored and as clients see it.

crate::string_enum! {
    /// Where a callback stands.
    CallbackStatus {
        /// Due on its day; the assignee has not called yet.
        Planned => "PLANNED",
        /// Called, with an outcome.
        Done => "DONE",
        /// Not called within the grace period after its due day (it may still be completed).
        Missed => "MISSED",
        /// Not to be made: its contract was cancelled.
        Cancelled => "CANCELLED",
    }
}

crate::string_enum! {
    /// How a callback went.
    CallbackOutcome {
        /// Spoke with the customer.
        Reached => "REACHED",
        /// Nobody answered.
        NoAnswer => "NO_ANSWER",
        /// The customer declined to talk.
        Declined => "DECLINED",
    }
}

crate::string_enum! {
    /// Who makes the callbacks a rule plans.
    CallbackAssignment {
        /// Customer service, the least loaded member first (the contract's owner when there
        /// is none).
        Support => "SUPPORT",
        /// The contract's owner.
        Owner => "OWNER",
    }
}

crate::string_enum! {
    /// What a callback's due day counts from.
    CallbackAnchor {
        /// The day the contract was signed (no delivery yet).
        Signed => "SIGNED",
        /// The day of the contract's last delivery.
        Delivered => "DELIVERED",
    }
}

/// The lowest and highest satisfaction a customer gives.
pub const SATISFACTION: std::ops::RangeInclusive<i32> = 1..=5;
/// A satisfaction at or below this warns the account's owner and their manager.
pub const LOW_SATISFACTION: i32 = 2;
/// The most days a rule counts after its anchor (ten years).
pub const MAX_OFFSET_DAYS: i32 = 3650;
/// The most rules.
pub const MAX_RULES: usize = 20;
/// The longest callback note.
pub const MAX_NOTES: usize = 4000;
