//! Where billing documents stand. Stored as text; exposed as GraphQL enums.

crate::string_enum! {
    /// Whether an invoice stands.
    InvoiceStatus {
        /// Issued and in force.
        Issued => "ISSUED",
        /// Voided; its amount went back to the installment.
        Void => "VOID",
    }
}

crate::string_enum! {
    /// Whether a payment stands.
    PaymentStatus {
        /// Received and allocated (or held as credit).
        Received => "RECEIVED",
        /// Reversed; its allocations were undone.
        Reversed => "REVERSED",
    }
}

crate::string_enum! {
    /// Where a waiver stands.
    WaiverStatus {
        /// Awaiting its approval chain.
        Pending => "PENDING",
        /// Approved and taken off the installment.
        Applied => "APPLIED",
        /// Rejected.
        Rejected => "REJECTED",
        /// Withdrawn by the requester.
        Withdrawn => "WITHDRAWN",
    }
}
