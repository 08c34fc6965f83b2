//! Customers and their contacts.
//!
//! - A customer belongs to an owner (the rep who created it, or whom a manager or admin later
//!   named). Reps see and change their own customers, managers those of their teams' members,
//!   admins all; finance reads every customer but changes none.
//! - A contact belongs to one customer and is visible exactly when its customer is.
//! - Names are required; a location is a latitude in [-90, 90] and a longitude in [-180, 180];
//!   the grade (A/B/C) follows the customer's health (`health`) unless a manager pins one
//!   (`grading.rs`, also where a seller sets the influence level).
//! - Updates require the version the caller last saw (`CONFLICT` otherwise); every change is
//!   audited in its transaction.
//! - The 360° view (`customer(id)`) takes two statements: the customer with its owner and newest
//!   follow-up joined in, then every nested list it asks for side by side (`overview`). Lists
//!   under customers of a page come through loaders, one batch per list.

pub mod access;
pub mod contact_types;
pub mod contacts;
pub mod grade_types;
pub mod grading;
pub mod graphql;
pub mod loaders;
pub mod service;
pub mod types;
