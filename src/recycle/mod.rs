//! The recycle bin: `deleteLead`, `deleteCustomer`, `deleteContact`, `deleteOpportunity` and
//! `deleteActivity` take a record (and what belongs to it) out of every list, search, report
//! and sync into the bin; `restoreRecord` puts it back; a sweep purges what stayed past
//! `SALESGRAPH_RECYCLE_BIN_DAYS`. Records with money or service history attached never go.

pub mod graphql;
pub mod plan;
pub mod restore;
pub mod rows;
pub mod service;
pub mod types;
