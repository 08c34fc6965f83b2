//! The product catalogue: what is sold, in which product line, at which list price.
//!
//! - Admins write the catalogue; every signed-in user reads it. A product's cost price is
//!   shown to admins, managers and finance only (`policy::can_see_cost`): reps see it nowhere,
//!   and no list can be ordered or filtered by it.
//! - Product codes are unique ignoring case and spaces; product line names ignoring case and
//!   spacing (`DUPLICATE`).
//! - Archiving keeps a product (or line) on what already uses it; an archived product cannot
//!   be added to anything new, and an archived line takes no new products. Updating with
//!   `active: true` restores either.
//! - A product line carries the largest discount its lines may get without approval (10% by
//!   default), which quotes use.
//! - Every write checks the version the admin last saw, is audited in its transaction, and a
//!   create is idempotent by key.

mod access;
pub mod graphql;
pub mod lines;
pub mod loaders;
pub mod price_book_types;
pub mod price_books;
pub mod priced_lines;
pub mod pricing;
pub mod service;
pub mod types;
