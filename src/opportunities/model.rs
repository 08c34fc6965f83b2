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
