//! Contract execution (lead to cash, after signing): orders and their deliveries in batches.
//!
//! - A signed contract is executed through orders. A contract made from a quote is ordered by
//!   product (its quote's lines: each order line a product and quantity, at most what remains
//!   unordered; its amount pro rata of the contract's amount for that product, the remainder
//!   when it takes the last units, so the orders add up to exactly the contract); a contract
//!   without lines is ordered by amount (one line without a product). Active orders never
//!   exceed the contract, in amount or per product in quantity.
//! - `OPEN → PARTIALLY_DELIVERED → DELIVERED` as deliveries are recorded; an order nothing has
//!   been delivered of may be `CANCELLED` (its share is free again).
//! - Whoever sees a contract sees its orders and deliveries; its owner, the owner's managers,
//!   finance and admins create orders, record deliveries and cancel orders. Writes on one
//!   contract's orders are serialized by a lock on the contract's row (PostgreSQL) or the
//!   single writer (SQLite): a line is never delivered beyond its quantity, however many
//!   deliveries race.
//! - An order still waiting for deliveries `SALESGRAPH_LATE_DELIVERY_DAYS` after its planned
//!   date is reported once to the contract's owner and their managers ([`late`]).
//! - A contract is completed (`flows::contract_completion`) only once every active order is
//!   delivered and its collection plan is settled.

pub mod access;
pub mod deliveries;
pub mod graphql;
pub mod late;
pub mod loaders;
pub mod model;
pub mod service;
pub mod types;
