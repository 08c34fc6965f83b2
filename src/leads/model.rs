//! The values a lead takes: where it came from, where it stands, its BANT answers, what
//! happened to it and how it is assigned. Stored as text; exposed as GraphQL enums.

crate::string_enum! {
    /// Where a lead came from.
    LeadSource {
        /// A form on the website.
        WebForm => "WEB_FORM",
        /// Recommended by a customer or partner.
        Referral => "REFERRAL",
        /// Met at a trade show or event.
        Event => "EVENT",
        /// Found by calling cold.
        ColdCall => "COLD_CALL",
        /// Answered a marketing campaign.
        Campaign => "CAMPAIGN",
        /// Anything else.
        Other => "OTHER",
    }
}

crate::string_enum! {
    /// Where a lead stands: `NEW → CONTACTED → QUALIFIED → CONVERTED`, or `DISQUALIFIED`.
    LeadStatus {
        /// Not contacted yet.
        New => "NEW",
        /// Contacted at least once.
        Contacted => "CONTACTED",
        /// Confirmed as a real opportunity.
        Qualified => "QUALIFIED",
        /// Became a customer (read-only from then on).
        Converted => "CONVERTED",
        /// Not worth pursuing (read-only from then on).
        Disqualified => "DISQUALIFIED",
    }
}

crate::string_enum! {
    /// An answer to a BANT question.
    BantAnswer {
        /// Confirmed.
        Yes => "YES",
        /// Ruled out.
        No => "NO",
        /// Not known yet.
        Unknown => "UNKNOWN",
    }
}

crate::string_enum! {
    /// When the lead means to buy.
    BantTimeline {
        /// Within three months.
        Within3Months => "WITHIN_3_MONTHS",
        /// Within six months.
        Within6Months => "WITHIN_6_MONTHS",
        /// Later than six months.
        Later => "LATER",
        /// Not known yet.
        Unknown => "UNKNOWN",
    }
}

crate::string_enum! {
    /// Something that happened to a lead's ownership or status.
    LeadEventKind {
        /// The lead was created.
        Created => "CREATED",
        /// A manager, an admin or automatic rotation gave the lead to a rep.
        Assigned => "ASSIGNED",
        /// A rep took the lead from the pool.
        Claimed => "CLAIMED",
        /// The owner put the lead back into the pool.
        Released => "RELEASED",
        /// The lead went back to the pool for lack of follow-up.
        ReturnedToPool => "RETURNED_TO_POOL",
        /// The lead became a customer.
        Converted => "CONVERTED",
        /// The lead was disqualified.
        Disqualified => "DISQUALIFIED",
    }
}

crate::string_enum! {
    /// Who receives a new lead.
    LeadAssignment {
        /// The creator.
        SelfAssign => "SELF",
        /// The rep named by `assigneeId` (managers within their teams, admins).
        User => "USER",
        /// Nobody yet: the lead goes to the pool.
        Pool => "POOL",
        /// The next active rep of `teamId`, in turn.
        Auto => "AUTO",
    }
}

impl LeadStatus {
    /// The statuses in which a lead is still worked, as stored, in the order it moves through
    /// them.
    pub const OPEN_STORED: [&'static str; 3] = [
        Self::New.as_str(),
        Self::Contacted.as_str(),
        Self::Qualified.as_str(),
    ];
}
