//! The values a deal and a stage take: where a deal stands, what kind a stage is, how a
//! seller rates a deal for the forecast. Stored as text; exposed as GraphQL enums.

crate::string_enum! {
    /// Whether a stage is still being worked or closes the deal.
    StageKind {
        /// Deals are still being worked.
        Open => "OPEN",
        /// The deal was won.
        Won => "WON",
        /// The deal was lost.
        Lost => "LOST",
    }
}

crate::string_enum! {
    /// Where a deal stands overall.
    OpportunityStatus {
        /// Still being worked.
        Open => "OPEN",
        /// Won.
        Won => "WON",
        /// Lost.
        Lost => "LOST",
    }
}

crate::string_enum! {
    /// How a seller rates a deal for the forecast.
    ForecastCategory {
        /// In the pipeline, not yet likely.
        Pipeline => "PIPELINE",
        /// Could close this period if things go well.
        BestCase => "BEST_CASE",
        /// The seller commits to closing it.
        Commit => "COMMIT",
        /// Left out of the forecast.
        Omitted => "OMITTED",
        /// Won or lost (set automatically).
        Closed => "CLOSED",
    }
}

crate::string_enum! {
    /// A line of the forecast by category: the open categories, and the deals won.
    ForecastBucket {
        /// Open deals in the pipeline category.
        Pipeline => "PIPELINE",
        /// Open deals in best case.
        BestCase => "BEST_CASE",
        /// Open deals the sellers commit to.
        Commit => "COMMIT",
        /// Open deals left out of the forecast.
        Omitted => "OMITTED",
        /// Deals won.
        ClosedWon => "CLOSED_WON",
    }
}

crate::string_enum! {
    /// What deal lists can be ordered by.
    OpportunityOrderField {
        /// Creation time.
        CreatedAt => "CREATED_AT",
        /// Last change.
        UpdatedAt => "UPDATED_AT",
        /// Amount.
        Amount => "AMOUNT",
        /// Expected close date.
        ExpectedCloseDate => "EXPECTED_CLOSE_DATE",
    }
}

crate::string_enum! {
    /// Which picklist a close reason belongs to.
    CloseReasonKind {
        /// Why deals are won.
        Win => "WIN",
        /// Why deals are lost.
        Loss => "LOSS",
    }
}

crate::string_enum! {
    /// How a deal stands against a competitor named on it.
    CompetitorStatus {
        /// Still contested (or the deal was lost to someone else).
        Active => "ACTIVE",
        /// The deal was won while the competitor was in it.
        WonAgainst => "WON_AGAINST",
        /// The competitor won the deal.
        LostTo => "LOST_TO",
    }
}

crate::string_enum! {
    /// What a win/loss report groups closed deals by.
    WinLossGroup {
        /// The win or loss reason.
        Reason => "REASON",
        /// The competitors named on the deals.
        Competitor => "COMPETITOR",
        /// The stage the deals closed from.
        Stage => "STAGE",
        /// The deals' owners.
        Owner => "OWNER",
    }
}
