//! The kinds of attachment, of what they are on, and their stored states.

crate::string_enum! {
    /// What a file is.
    AttachmentKind {
        /// A photo (on-site proof, a shelf, a storefront).
        Photo => "PHOTO",
        /// A document (a brochure, a specification, a price list).
        Document => "DOCUMENT",
        /// A scan of a signed contract.
        ContractScan => "CONTRACT_SCAN",
        /// Anything else.
        Other => "OTHER",
    }
}

crate::string_enum! {
    /// What kind of record a file is on.
    AttachmentSubjectType {
        /// A visit task.
        Visit => "VISIT",
        /// A logged follow-up.
        FollowUp => "FOLLOW_UP",
        /// A customer.
        Customer => "CUSTOMER",
        /// A deal.
        Opportunity => "OPPORTUNITY",
        /// A contract.
        Contract => "CONTRACT",
        /// A quote.
        Quote => "QUOTE",
    }
}

/// The row exists and the object is being written.
pub const PENDING: &str = "PENDING";
/// The object is stored; the attachment is readable.
pub const READY: &str = "READY";
/// The object is being removed; the attachment is gone for readers.
pub const DELETING: &str = "DELETING";
/// The purpose of a visit's photo given at check-in as on-site proof.
pub const CHECK_IN: &str = "CHECK_IN";

impl AttachmentKind {
    /// Whether a file of `content_type` may be of this kind: photos are images, contract scans
    /// images or PDF, documents and others any accepted type.
    pub fn admits(self, image: bool, content_type: &str) -> bool {
        match self {
            Self::Photo => image,
            Self::ContractScan => image || content_type == "application/pdf",
            Self::Document | Self::Other => true,
        }
    }
}
