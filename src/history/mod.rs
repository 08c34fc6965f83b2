//! Reading the audit log: the whole log for admins (`auditLog`), and the field history of the
//! records a caller sees (`Customer.history`, `Opportunity.history`, …).

pub mod fields;
pub mod graphql;
pub mod loaders;
pub mod service;
pub mod types;
