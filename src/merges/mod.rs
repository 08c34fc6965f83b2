//! Merging duplicates: `mergeCustomers` moves everything linked to the duplicates onto the
//! survivor in one transaction and leaves redirects behind (a merged id answers with the
//! survivor through `node` and `customer`); `undoMerge` puts it all back within a window.

pub mod graphql;
pub mod links;
pub mod service;
pub mod types;
