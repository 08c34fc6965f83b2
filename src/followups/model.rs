//! The kinds of follow-up, stored as text and exposed as a GraphQL enum.

crate::string_enum! {
    /// How the customer was reached.
    FollowUpKind {
        /// A phone call.
        Call => "CALL",
        /// A visit in person.
        Visit => "VISIT",
        /// An e-mail.
        Email => "EMAIL",
        /// A meeting (online or in person).
        Meeting => "MEETING",
        /// A note without contact.
        Note => "NOTE",
    }
}
