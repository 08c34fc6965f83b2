//! GraphQL types of the search box.

use super::index::Kind;

crate::string_enum! {
    /// A kind of record the search box finds.
    SearchType {
        /// Leads.
        Lead => "LEAD",
        /// Customers.
        Customer => "CUSTOMER",
        /// Customers' contacts.
        Contact => "CONTACT",
        /// Deals.
        Opportunity => "OPPORTUNITY",
        /// Contracts.
        Contract => "CONTRACT",
    }
}

impl SearchType {
    pub fn kind(self) -> Kind {
        match self {
            Self::Lead => Kind::Lead,
            Self::Customer => Kind::Customer,
            Self::Contact => Kind::Contact,
            Self::Opportunity => Kind::Opportunity,
            Self::Contract => Kind::Contract,
        }
    }
}

/// A record the search box found.
#[derive(async_graphql::Union)]
pub enum SearchResult {
    /// A lead.
    Lead(Box<crate::leads::types::Lead>),
    /// A customer.
    Customer(Box<crate::customers::types::Customer>),
    /// A contact of a customer.
    Contact(Box<crate::customers::types::Contact>),
    /// A deal.
    Opportunity(Box<crate::opportunities::types::Opportunity>),
    /// A contract.
    Contract(Box<crate::contracts::types::Contract>),
}
