//! The kinds of activity and of what they concern, stored as text.

crate::string_enum! {
    /// What an activity is.
    ActivityKind {
        /// A phone call to make.
        Call => "CALL",
        /// A meeting (online or in person).
        Meeting => "MEETING",
        /// A visit at the customer's site.
        Visit => "VISIT",
        /// An e-mail to send.
        Email => "EMAIL",
        /// Anything else to do.
        Task => "TASK",
    }
}

crate::string_enum! {
    /// What kind of record an activity concerns.
    ActivitySubjectType {
        /// A lead.
        Lead => "LEAD",
        /// A customer.
        Customer => "CUSTOMER",
        /// A deal.
        Opportunity => "OPPORTUNITY",
        /// A contract.
        Contract => "CONTRACT",
    }
}

impl ActivityKind {
    /// The activity that follows up a follow-up of this kind (`CALL`, `VISIT`, `EMAIL`,
    /// `MEETING` or `NOTE`): the same way of reaching the customer, a task for a note.
    pub fn following(follow_up_kind: &str) -> Self {
        match follow_up_kind {
            "CALL" => Self::Call,
            "VISIT" => Self::Visit,
            "EMAIL" => Self::Email,
            "MEETING" => Self::Meeting,
            _ => Self::Task,
        }
    }
}
