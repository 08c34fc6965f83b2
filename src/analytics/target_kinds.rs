//! What a target is about: whose it is (a seller, a team, a region, the company) and what it
//! counts (won or collected money, or counts of new customers, completed visits, calls, new and
//! qualified leads), where each metric makes sense and how its goal is stored.

use uuid::Uuid;

use crate::error::{AppError, AppResult};

crate::string_enum! {
    /// Whose target.
    TargetScope {
        /// One seller.
        User => "USER",
        /// A team.
        Team => "TEAM",
        /// A sales region (the region of teams).
        Region => "REGION",
        /// The whole company.
        Company => "COMPANY",
    }
}

/// Who a target is for, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    User(Uuid),
    Team(Uuid),
    Region(String),
    Company,
}

impl Subject {
    pub fn scope(&self) -> TargetScope {
        match self {
            Self::User(_) => TargetScope::User,
            Self::Team(_) => TargetScope::Team,
            Self::Region(_) => TargetScope::Region,
            Self::Company => TargetScope::Company,
        }
    }

    /// The stored key: the id, the region's name, or empty.
    pub fn key(&self) -> String {
        match self {
            Self::User(id) | Self::Team(id) => id.to_string(),
            Self::Region(name) => name.clone(),
            Self::Company => String::new(),
        }
    }
}

crate::string_enum! {
    /// What a target counts.
    TargetMetric {
        /// Won amounts credited through revenue splits, of deals won in the period (money).
        WonAmount => "WON_AMOUNT",
        /// Payments allocated in the period to the subject's contracts, net (money).
        CollectedAmount => "COLLECTED_AMOUNT",
        /// Customers created in the period, by their owners.
        NewCustomers => "NEW_CUSTOMERS",
        /// Visits completed on days of the period, by their assignees.
        Visits => "VISITS",
        /// Calls logged as follow-ups that happened in the period, by their authors.
        Calls => "CALLS",
        /// Leads created in the period, by their owners.
        NewLeads => "NEW_LEADS",
        /// Leads first qualified in the period, by their owners.
        QualifiedLeads => "QUALIFIED_LEADS",
    }
}

/// The largest count a target may ask for.
const MAX_COUNT: i64 = 1_000_000_000;

impl TargetMetric {
    /// Every metric, in the order reports list them.
    pub const ALL: [Self; 7] = [
        Self::WonAmount,
        Self::CollectedAmount,
        Self::NewCustomers,
        Self::Visits,
        Self::Calls,
        Self::NewLeads,
        Self::QualifiedLeads,
    ];

    /// Whether the metric is money (else a count).
    pub fn is_money(self) -> bool {
        matches!(self, Self::WonAmount | Self::CollectedAmount)
    }

    /// Whether a target of this metric may be set for `scope`: visits and calls are goals for
    /// the people who make them — sellers and teams — not for a region or the company.
    pub fn fits(self, scope: TargetScope) -> bool {
        match self {
            Self::Visits | Self::Calls => matches!(scope, TargetScope::User | TargetScope::Team),
            _ => true,
        }
    }

    /// The stored goal: minor units for money, the count otherwise. Errors: `BAD_USER_INPUT`
    /// on `field` (negative, more than two decimals, a fraction of a count, too large).
    pub fn stored(self, value: rust_decimal::Decimal, field: &str) -> AppResult<i64> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(AppError::bad_input(field, "A target cannot be negative"));
        }
        if self.is_money() {
            return Ok(crate::money::Money::parse(value, field)?.minor());
        }
        if !value.fract().is_zero() {
            return Err(AppError::bad_input(
                field,
                format!("A {} target is a whole count", self.as_str()),
            ));
        }
        rust_decimal::prelude::ToPrimitive::to_i64(&value)
            .filter(|count| *count <= MAX_COUNT)
            .ok_or_else(|| AppError::bad_input(field, format!("A count is at most {MAX_COUNT}")))
    }

    /// The goal as shown: money in major units, or the count.
    pub fn shown(self, stored: i64) -> rust_decimal::Decimal {
        if self.is_money() {
            crate::money::Money::from_minor(stored).to_decimal()
        } else {
            rust_decimal::Decimal::from(stored)
        }
    }
}
