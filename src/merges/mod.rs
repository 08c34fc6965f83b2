//! Merging duplicates: `mergeCustomers`, `mergeContacts` and `mergeLeads` move everything
//! linked to the duplicates onto the survivor in one transaction and leave redirects behind (a
//! merged id answers with the survivor through `node`, `customer` and `lead`); `undoMerge`
//! puts it all back within a window.

pub mod contacts;
pub mod graphql;
pub mod leads;
pub mod links;
pub mod members;
pub mod service;
pub mod types;
