//! Read views that join several domains in one statement or a few: what a screen shows at once,
//! read with each domain's visibility rules, resolved without a statement per row.
//!
//! - `customer_card`: one customer with its owner and newest follow-up.
//! - `customer_overview`: the customer 360° — the contacts, deals, visits and contracts of one
//!   customer the client asked for, in one statement, and its receivable.
//! - `morning_list`: a rep's visit tasks of a day with their customer, contact, deal and last
//!   follow-up, joined in one statement.
//! - `nearby`: the customers around a point with their last visit and open deals, in three.

pub mod customer_card;
pub mod customer_overview;
pub mod morning_list;
pub mod nearby;
pub mod nearby_graphql;
