//! Who is asking: the authenticated user, resolved once per request.

use async_graphql::Enum;
use chrono_tz::Tz;
use uuid::Uuid;

/// What a user may do; see the role matrix in README.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Administers users, teams and settings; sees everything.
    Admin,
    /// Leads one or more teams and sees their records.
    SalesManager,
    /// Works their own leads, customers, deals and visits.
    SalesRep,
    /// Runs invoicing, payments and receivables.
    Finance,
    /// Customer service: reads every customer, contact, contract and order, and works the
    /// after-sales records (callbacks, tickets); changes no sales record.
    Support,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "ADMIN",
            Self::SalesManager => "SALES_MANAGER",
            Self::SalesRep => "SALES_REP",
            Self::Finance => "FINANCE",
            Self::Support => "SUPPORT",
        }
    }

    /// Whether the role changes sales records: leads, customers and contacts, deals, visits,
    /// quotes, and contracts as their seller. Finance and customer service read them only.
    pub fn sells(self) -> bool {
        match self {
            Self::Admin | Self::SalesManager | Self::SalesRep => true,
            Self::Finance | Self::Support => false,
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "ADMIN" => Some(Self::Admin),
            "SALES_MANAGER" => Some(Self::SalesManager),
            "SALES_REP" => Some(Self::SalesRep),
            "FINANCE" => Some(Self::Finance),
            "SUPPORT" => Some(Self::Support),
            _ => None,
        }
    }
}

/// The kind of a user who signs in.
pub const PERSON: &str = "PERSON";
/// The kind of a service account: it calls with API keys and never signs in.
pub const SERVICE: &str = "SERVICE";

/// The authenticated caller, as every service sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Viewer {
    pub user_id: Uuid,
    pub role: Role,
    pub team_id: Option<Uuid>,
    /// Teams this user manages (empty for anyone but managers).
    pub managed_team_ids: Vec<Uuid>,
    /// The manager of the user's own team, if any.
    pub team_manager_id: Option<Uuid>,
    pub timezone: Tz,
    /// Set when the caller is a service account calling with an API key: what it may call.
    pub service: Option<std::sync::Arc<ServiceAccess>>,
}

/// What a service account's API key may do besides what its role allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceAccess {
    /// The scopes granted, e.g. `leads:create`; each names the root fields it opens.
    pub scopes: Vec<String>,
    /// The team whose reps take turns on the leads it creates; `None` sends them to the pool.
    pub intake_team_id: Option<Uuid>,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn manages(&self, team_id: Option<Uuid>) -> bool {
        team_id.is_some_and(|team| self.managed_team_ids.contains(&team))
    }
}
