//! What a campaign is: its channels and statuses, stored as text.

crate::string_enum! {
    /// Where a campaign reaches people.
    CampaignChannel {
        /// An event of our own.
        Event => "EVENT",
        /// A trade fair or exhibition.
        Exhibition => "EXHIBITION",
        /// An online seminar.
        Webinar => "WEBINAR",
        /// Paid advertising.
        Ads => "ADS",
        /// An e-mail campaign.
        Email => "EMAIL",
        /// Customers bringing customers.
        ReferralProgram => "REFERRAL_PROGRAM",
        /// Anything else.
        Other => "OTHER",
    }
}

crate::string_enum! {
    /// Where a campaign stands.
    CampaignStatus {
        /// Not started.
        Planned => "PLANNED",
        /// Running.
        Active => "ACTIVE",
        /// Over.
        Completed => "COMPLETED",
        /// Called off.
        Cancelled => "CANCELLED",
    }
}

/// Longest campaign name.
pub const MAX_NAME: usize = 200;
/// Longest note of a cost entry.
pub const MAX_NOTE: usize = 500;
