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

crate::string_enum! {
    /// How far a contact or lead came with a campaign.
    MemberStatus {
        /// Invited.
        Invited => "INVITED",
        /// Signed up.
        Registered => "REGISTERED",
        /// Came (or joined online).
        Attended => "ATTENDED",
        /// Answered (an e-mail, an ad) without attending anything.
        Responded => "RESPONDED",
    }
}

/// Most members one `addCampaignMembers` call adds or moves.
pub const MAX_MEMBERS_PER_CALL: usize = 500;

/// Longest campaign name.
pub const MAX_NAME: usize = 200;
/// Longest note of a cost entry.
pub const MAX_NOTE: usize = 500;
