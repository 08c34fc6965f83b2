//! The kinds of exit criteria and what each kind reads, stored as text and exposed as GraphQL
//! enums.

crate::string_enum! {
    /// How an exit criterion is satisfied.
    CriterionKind {
        /// A person ticks it on the deal (`completeChecklistItem`), with an optional note.
        Manual => "MANUAL",
        /// A field of the deal is set.
        Field => "FIELD",
        /// A follow-up or visit was logged while the deal was in the stage.
        Activity => "ACTIVITY",
        /// A document of the deal exists.
        Document => "DOCUMENT",
    }
}

crate::string_enum! {
    /// The deal fields a `FIELD` criterion can ask for.
    DealField {
        /// An amount above zero.
        Amount => "AMOUNT",
        /// An expected close date (every deal has one).
        ExpectedCloseDate => "EXPECTED_CLOSE_DATE",
        /// The customer's contact for the deal.
        Contact => "CONTACT",
        /// The customer's contact who decides.
        DecisionMaker => "DECISION_MAKER",
        /// At least one line item.
        LineItems => "LINE_ITEMS",
        /// At least one competitor named.
        Competitor => "COMPETITOR",
        /// The customer's need, described.
        Need => "NEED",
        /// The customer's budget.
        Budget => "BUDGET",
    }
}

crate::string_enum! {
    /// The documents a `DOCUMENT` criterion can ask for.
    DocumentKind {
        /// A quote of the deal was sent to the customer.
        QuoteSent => "QUOTE_SENT",
        /// The customer accepted a quote of the deal.
        QuoteAccepted => "QUOTE_ACCEPTED",
        /// A contract of the deal exists that is not rejected or cancelled.
        Contract => "CONTRACT",
        /// A file (a site photo, a document) is attached to the deal.
        Attachment => "ATTACHMENT",
    }
}
